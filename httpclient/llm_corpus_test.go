package httpclient_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
)

// corpusAnswer is an entry of testdata/llm/corpus/corpus.json: an answer
// of a real provider, from its documentation (cited in Doc), the call it
// answers and what it reports, by the token types of genapp_llm_*.
type corpusAnswer struct {
	File         string `json:"file"`
	Provider     string `json:"provider"`
	URL          string `json:"url"`
	Method       string `json:"method"`
	ContentType  string `json:"content_type"`
	Generates    bool   `json:"generates"`
	RequestModel string `json:"request_model"`
	Model        string `json:"model"`
	Usage        *struct {
		Input              float64 `json:"input"`
		Output             float64 `json:"output"`
		CachedInput        float64 `json:"cached_input"`
		Reasoning          float64 `json:"reasoning"`
		CacheCreationInput float64 `json:"cache_creation_input"`
	} `json:"usage"`
	Output bool   `json:"output"`
	Tools  bool   `json:"tools"`
	Doc    string `json:"doc"`
}

// TestProviderCorpus: every answer of the corpus, JSON and streamed, with
// tool and function calls, sent by a server in pieces of 1 to 17 bytes to
// the provider's real URL, records exactly the usage the provider reports,
// under the model it names (else the one requested) and its provider's
// name; answers to calls that do not generate record nothing in
// genapp_llm_*.
func TestProviderCorpus(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("testdata", "llm", "corpus", "corpus.json"))
	if err != nil {
		t.Fatal(err)
	}
	var corpus []corpusAnswer
	if err := json.Unmarshal(raw, &corpus); err != nil {
		t.Fatal(err)
	}
	providers := map[string]bool{}
	for _, a := range corpus {
		providers[a.Provider] = true
		t.Run(a.File, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "llm", "corpus", a.File))
			if err != nil {
				t.Fatal(err)
			}
			srv := fakeProvider(t, a.ContentType, body)
			target, _ := url.Parse(srv.URL)
			// The base transport sends the request to srv, whatever its host.
			base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
				r2 := r.Clone(r.Context())
				r2.URL.Scheme, r2.URL.Host, r2.Host = target.Scheme, target.Host, ""
				return http.DefaultTransport.RoundTrip(r2)
			})
			m := newMetrics(t)
			c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithBase(base), httpclient.WithLLMProvider(a.Provider))
			var reqBody io.Reader
			if a.Method == http.MethodPost {
				reqBody = strings.NewReader(`{"model":"` + a.RequestModel + `","stream":true}`)
			}
			req, err := http.NewRequestWithContext(context.Background(), a.Method, a.URL, reqBody)
			if err != nil {
				t.Fatal(err)
			}
			readWhole(t, c, req, body)
			e := scrape(t, m)
			if !a.Generates || a.Usage == nil {
				checkNoLLM(t, e) // an answer that reports no usage
				return
			}
			model := a.Model
			if model == "" {
				model = a.RequestModel
			}
			l := promtest.Labels{"model_name": model, "provider_name": a.Provider}
			if got := e.Counter(t, "genapp_llm_requests_total", l); got != 1 {
				t.Errorf("requests = %v, want 1", got)
			}
			for typ, n := range map[string]float64{
				"input": a.Usage.Input, "output": a.Usage.Output, "cached_input": a.Usage.CachedInput,
				"reasoning": a.Usage.Reasoning, "cache_creation_input": a.Usage.CacheCreationInput,
			} {
				s := e.Find("genapp_llm_tokens_total", with(l, "token_type", typ))
				if n == 0 && typ != "input" && typ != "output" {
					if len(s) != 0 {
						t.Errorf("tokens{%s} recorded, the answer reports none (%s)", typ, a.Doc)
					}
					continue
				}
				if len(s) != 1 || s[0].GetCounter().GetValue() != n {
					t.Errorf("tokens{%s} = %v, want %v (%s)", typ, s, n, a.Doc)
				}
			}
			if n := e.Series("genapp_llm_usage_rejected_total"); n != 0 {
				t.Errorf("usage rejected:\n%s", e.Text)
			}
			if ttft := e.Find("genapp_llm_time_to_first_token_sec", l); (len(ttft) == 1) != a.Output {
				t.Errorf("time to first token: %d series, want one: %v", len(ttft), a.Output)
			}
		})
	}
	for _, p := range []string{"openai", "azure_openai", "anthropic", "gemini", "vertex_ai", "openrouter", "groq", "deepseek",
		"mistral", "together", "fireworks", "xai", "vllm", "ollama", "llamacpp", "litellm"} {
		if !providers[p] {
			t.Errorf("no answer of %s in the corpus", p)
		}
	}
}
