package metrics

import (
	"context"
	"encoding/json"
	"maps"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// newPriced returns an instance on a fresh registry that prices with the
// small table of testdata.
func newPriced(t *testing.T, opts ...Option) *Metrics {
	t.Helper()
	p, err := LoadLLMPrices("testdata/llmprices-small.json")
	if err != nil {
		t.Fatal(err)
	}
	m, err := New("demobot", "dev", append([]Option{WithRegistry(prometheus.NewRegistry()), WithLLMPrices(p)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// dollars is n tokens at price, computed as RecordLLMUsage does, so that
// the values compare exactly.
func dollars(n int64, price float64) float64 { return float64(n) * perMillion(price) / 1e6 }

// costsOf returns genapp_llm_cost_usd_total of c by token type.
func costsOf(t *testing.T, m *Metrics, c LLMCall) map[string]float64 {
	t.Helper()
	got := map[string]float64{}
	for _, s := range scrape(t, m).Find(llmCostName, llmLabelsOf(c)) {
		for _, lp := range s.GetLabel() {
			if lp.GetName() == "token_type" {
				got[lp.GetValue()] = s.GetCounter().GetValue()
			}
		}
	}
	return got
}

// TestLLMCost: the cost series are disjoint, each part priced apart when
// the table gives its price and with its whole otherwise, a part that
// exceeds its whole clamped at 0, and nothing recorded for a part not
// reported.
func TestLLMCost(t *testing.T) {
	for _, tc := range []struct {
		name  string
		model string
		u     LLMUsage
		want  map[string]float64
	}{
		{"every part priced", "full-model", LLMUsage{Input: 1000, Output: 500, CachedInput: 600, CacheCreationInput: 300, Reasoning: 200},
			map[string]float64{
				TokenInput: dollars(100, 3e-06), TokenCachedInput: dollars(600, 3e-07), TokenCacheCreationInput: dollars(300, 3.75e-06),
				TokenOutput: dollars(300, 1.5e-05), TokenReasoning: dollars(200, 2e-05),
			}},
		{"parts not reported", "full-model", LLMUsage{Input: 1000, Output: 500},
			map[string]float64{TokenInput: dollars(1000, 3e-06), TokenOutput: dollars(500, 1.5e-05)}},
		{"parts priced with their whole", "basic-model", LLMUsage{Input: 1000, Output: 500, CachedInput: 600, CacheCreationInput: 300, Reasoning: 200},
			map[string]float64{TokenInput: dollars(1000, 1e-06), TokenOutput: dollars(500, 4e-06)}},
		{"parts larger than their whole", "full-model", LLMUsage{Input: 100, Output: 10, CachedInput: 80, CacheCreationInput: 70, Reasoning: 20},
			map[string]float64{
				TokenInput: 0, TokenCachedInput: dollars(80, 3e-07), TokenCacheCreationInput: dollars(70, 3.75e-06),
				TokenOutput: 0, TokenReasoning: dollars(20, 2e-05),
			}},
		{"priced at 0", "free-model", LLMUsage{Input: 1000, Output: 500, CachedInput: 10},
			map[string]float64{TokenInput: 0, TokenOutput: 0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newPriced(t)
			call := gpt
			call.Model = tc.model
			m.RecordLLMUsage(context.Background(), call, tc.u)
			if got := costsOf(t, m, call); !maps.Equal(got, tc.want) {
				t.Errorf("cost %v, want %v", got, tc.want)
			}
			var sum float64
			for _, c := range tc.want {
				sum += c
			}
			if d, ok := m.LLMPrices().Cost(tc.model, tc.u); !ok || math.Abs(d-sum) > 1e-15 { // summed in another order
				t.Errorf("Cost = %v, %v; want %v, true", d, ok, sum)
			}
			if n := scrape(t, m).Series(llmUnpricedName); n != 0 {
				t.Errorf("%d unpriced series for a priced model", n)
			}
		})
	}
}

// TestLLMUnpriced: the tokens of a model the table does not price are
// counted, by the nested types of genapp_llm_tokens_total, and never priced.
func TestLLMUnpriced(t *testing.T) {
	m := newPriced(t)
	call := gpt
	call.Model = "unknown-model"
	ctx := context.Background()
	m.RecordLLMUsage(ctx, call, LLMUsage{Input: 1000, Output: 500, CachedInput: 600, Reasoning: 200})
	m.RecordLLMUsage(ctx, call, LLMUsage{Input: 10, Output: 5})
	e := scrape(t, m)
	for typ, want := range map[string]float64{TokenInput: 1010, TokenOutput: 505, TokenCachedInput: 600, TokenReasoning: 200} {
		if got := e.Counter(t, llmUnpricedName, llmLabelsOf(call, "token_type", typ)); got != want {
			t.Errorf("unpriced{%s} = %v, want %v", typ, got, want)
		}
	}
	if n := e.Series(llmUnpricedName); n != 4 {
		t.Errorf("%d unpriced series, want 4 (no cache_creation_input: none reported)", n)
	}
	if n := e.Series(llmCostName); n != 0 {
		t.Errorf("%d cost series for an unpriced model", n)
	}
	if d, ok := m.LLMPrices().Cost(call.Model, LLMUsage{Input: 1}); ok || d != 0 {
		t.Errorf("Cost of an unpriced model = %v, %v; want 0, false", d, ok)
	}
}

// TestLLMPriceMatching: exact names first, then without a date snapshot,
// without a provider prefix, and both; prefixed keys price their
// unprefixed name unless the keys that share it disagree.
func TestLLMPriceMatching(t *testing.T) {
	p, err := LoadLLMPrices("testdata/llmprices-small.json")
	if err != nil {
		t.Fatal(err)
	}
	const basic, dated, prefixed = 1e-06, 5e-06, 2e-06
	for model, want := range map[string]float64{
		"basic-model":                     basic,
		"basic-model-2025-08-07":          basic,
		"basic-model-20250929":            basic,
		"basic-model@20250929":            basic,
		"basic-model-2024-05-13":          dated, // a snapshot with a price of its own
		"acme/basic-model":                basic,
		"openrouter/acme/basic-model":     basic,
		"vertex_ai/basic-model@20250929":  basic,
		"prefixed-model":                  prefixed,
		"acme/prefixed-model":             prefixed,
		"other/prefixed-model-2025-01-01": prefixed,
		"Basic-Model":                     0, // case-sensitive
		"basic-model-2025-08":             0, // not a date
		"basic-model-v2":                  0,
		"shared-model":                    0, // east and west disagree
		"east/shared-model":               1e-06,
		"image-model":                     0, // no token price
		"sample_spec":                     0,
		"":                                0,
		"2025-08-07":                      0,
	} {
		got, ok := p.Cost(model, LLMUsage{Input: 1})
		if ok != (want != 0) || got != want {
			t.Errorf("Cost(%q) = %v, %v; want %v", model, got, ok, want)
		}
	}
}

// TestLLMPriceByProvider: a name that only a host of open-weight models
// prices, without the prefix of its key, is priced for that host's calls
// only: the same model served by one's own vLLM, llama.cpp or Ollama is
// unpriced, not billed at Groq's or Together's rate. A key itself, and the
// names of the keys of a model's own maker or of a router, price calls from
// any provider.
func TestLLMPriceByProvider(t *testing.T) {
	for _, tc := range []struct {
		provider, model string
		in              float64 // dollars a token; 0: unpriced
	}{
		{"groq", "openai/gpt-oss-120b", 1.5e-07},
		{"vllm", "openai/gpt-oss-120b", 0},
		{"llamacpp", "openai/gpt-oss-120b", 0},
		{"127.0.0.1", "gpt-oss-120b", 0},
		{"", "openai/gpt-oss-120b", 0},
		{"openrouter", "openai/gpt-oss-120b", 0}, // no openrouter/ key for it
		{"groq", "meta-llama/llama-4-scout-17b-16e-instruct", 1.1e-07},
		{"ollama", "meta-llama/llama-4-scout-17b-16e-instruct", 0},
		{"together", "deepseek-ai/DeepSeek-V3", 1.25e-06},
		{"vllm", "deepseek-ai/DeepSeek-V3", 0},
		{"together", "Qwen/Qwen3-Next-80B-A3B-Instruct", 1.5e-07},
		{"vllm", "Qwen/Qwen3-Next-80B-A3B-Instruct", 0},
		{"fireworks", "accounts/fireworks/models/deepseek-v3", 9e-07},
		{"together", "accounts/fireworks/models/deepseek-v3", 0},
		{"vllm", "groq/openai/gpt-oss-120b", 1.5e-07},                   // a key: priced for any provider
		{"vllm", "together_ai/deepseek-ai/DeepSeek-V3", 1.25e-06},       // the same
		{"litellm", "gemini-2.5-flash", 3e-07},                          // a gateway pays Google's price
		{"vertex_ai", "gemini-2.5-flash", 3e-07},                        // so does Vertex AI
		{"vllm", "deepseek-chat", 2.8e-07},                              // a maker's name, whoever serves it
		{"azure_openai", "grok-4", 3e-06},                               // the same
		{"openai", "claude-haiku-4.5", 1e-06},                           // a router's name, the same
		{"openai", "anthropic/claude-sonnet-4-5-20250929", 3e-06},       // a bare key, prefixed and dated
		{"vllm", "gpt-4.1-mini-2025-04-14", 4e-07},                      // the same
		{"fireworks", "openai/gpt-oss-120b", 0},                         // another host's name
		{"together", "moonshotai/kimi-k2-instruct-0905", 0},             // the same
		{"groq", "moonshotai/kimi-k2-instruct-0905", 1e-06},             // its own
		{OverflowValue, "meta-llama/llama-4-scout-17b-16e-instruct", 0}, // a provider folded names no host
	} {
		m := newTest(t)
		call := LLMCall{Model: tc.model, Provider: tc.provider, BaseURL: "http://10.0.0.7:8000/v1"}
		m.RecordLLMUsage(context.Background(), call, LLMUsage{Input: 1_000_000, Output: 10})
		e := scrape(t, m)
		if tc.in == 0 {
			if n := e.Series(llmCostName); n != 0 {
				t.Errorf("%s from %q: priced, want unpriced: %v", tc.model, tc.provider, costsOf(t, m, call))
			}
			if got := e.Counter(t, llmUnpricedName, llmLabelsOf(call, "token_type", TokenInput)); got != 1_000_000 {
				t.Errorf("%s from %q: %v unpriced input tokens, want 1000000", tc.model, tc.provider, got)
			}
			continue
		}
		if got := costsOf(t, m, call)[TokenInput]; got != dollars(1_000_000, tc.in) {
			t.Errorf("%s from %q: 1M input tokens cost $%v, want $%v", tc.model, tc.provider, got, dollars(1_000_000, tc.in))
		}
	}
}

// TestLLMPriceByProviderRules: the rules of LLMPrices with a table of
// one's own: LiteLLM's host prefixes name this module's providers
// (together_ai/ together, hosted_vllm/ vllm); a host's name wins over the
// same name of a maker's key for that host's calls; two hosts may price a
// name differently, each for its own calls, and Cost, which has no
// provider, then prices it for neither; a name one host alone prices,
// Cost prices at that host's price.
func TestLLMPriceByProviderRules(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.json")
	table := `{
		"together_ai/org/open-model": {"input_cost_per_token": 1e-06, "output_cost_per_token": 1e-06},
		"fireworks_ai/accounts/fireworks/models/open-model": {"input_cost_per_token": 2e-06, "output_cost_per_token": 2e-06},
		"groq/solo-model": {"input_cost_per_token": 3e-06, "output_cost_per_token": 3e-06},
		"hosted_vllm/org/local-model": {"input_cost_per_token": 0, "output_cost_per_token": 0},
		"maker/both-model": {"input_cost_per_token": 4e-06, "output_cost_per_token": 4e-06},
		"deepinfra/org/both-model": {"input_cost_per_token": 5e-06, "output_cost_per_token": 5e-06}
	}`
	if err := os.WriteFile(path, []byte(table), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := LoadLLMPrices(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		provider, model string
		in              float64 // 0: unpriced
	}{
		{"together", "org/open-model", 1e-06},
		{"together_ai", "org/open-model", 0}, // LiteLLM's name is not this module's
		{"fireworks", "open-model", 2e-06},
		{"groq", "open-model", 0},
		{"vllm", "open-model", 0},
		{"groq", "solo-model-2025-08-07", 3e-06},
		{"vllm", "solo-model", 0},
		{"vllm", "org/local-model", 0.0},
		{"ollama", "org/local-model", 0},
		{"deepinfra", "org/both-model", 5e-06}, // the host's own price
		{"vllm", "org/both-model", 4e-06},      // the maker's, for anyone else
		{"groq", "both-model", 4e-06},
	} {
		m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithLLMPrices(p))
		if err != nil {
			t.Fatal(err)
		}
		call := LLMCall{Model: tc.model, Provider: tc.provider}
		m.RecordLLMUsage(context.Background(), call, LLMUsage{Input: 1_000_000, Output: 10})
		got, priced := costsOf(t, m, call)[TokenInput]
		wantPriced := tc.in != 0 || tc.model == "org/local-model" && tc.provider == "vllm"
		if priced != wantPriced || got != dollars(1_000_000, tc.in) {
			t.Errorf("%s from %q: $%v (priced %v), want $%v (priced %v)", tc.model, tc.provider, got, priced, dollars(1_000_000, tc.in), wantPriced)
		}
	}
	for model, want := range map[string]float64{
		"org/open-model":  0, // Together's and Fireworks' prices differ
		"open-model":      0,
		"solo-model":      3e-06, // Groq's alone
		"org/both-model":  4e-06, // the maker's
		"org/local-model": 0,     // priced, at 0
	} {
		got, ok := p.Cost(model, LLMUsage{Input: 1_000_000})
		if wantOK := want != 0 || model == "org/local-model"; ok != wantOK || got != dollars(1_000_000, want) {
			t.Errorf("Cost(%s) = %v, %v; want %v, %v", model, got, ok, dollars(1_000_000, want), wantOK)
		}
	}
}

// TestLoadLLMPricesBounds: a price above a dollar a token is refused, as a
// price of 1e305 would make the cost counter +Inf; the bound itself is a
// price, and the dearest call it allows stays finite. A model named "" is
// refused, as it would price the calls that name no model; a key that ends
// in "/" prices no empty name. A name an error quotes is cut to 64 bytes.
func TestLoadLLMPricesBounds(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeFile(t, dir, name, content) }
	long := strings.Repeat("a", 10<<20)
	for _, tc := range []struct {
		path string
		want string // the error after the file's name
	}{
		{write("huge-price.json", `{"m": {"input_cost_per_token": 1e305, "output_cost_per_token": 1}}`),
			`model "m": input_cost_per_token is 1e305: a price must be at most 1 dollar per token (the dearest model costs about 0.00015): is it a price per million tokens?`},
		{write("per-million.json", `{"m": {"input_cost_per_token": 3e-06, "output_cost_per_token": 15.0}}`),
			`model "m": output_cost_per_token is 15.0: a price must be at most 1 dollar per token`},
		{write("empty-name.json", `{"": {"input_cost_per_token": 1e-06}, "ok": {"input_cost_per_token": 1e-06}}`),
			`model "": a model name must not be empty`},
		{write("long-name.json", `{"`+long+`": 3}`),
			`model "` + strings.Repeat("a", 64) + `…" is 3, not a JSON object`},
		{write("long-price.json", `{"`+long+`": {"input_cost_per_token": 2}}`),
			`model "` + strings.Repeat("a", 64) + `…": input_cost_per_token is 2: a price must be at most 1`},
		{write("long-runes.json", `{"a`+strings.Repeat("é", 40)+`": 3}`), // 81 bytes, the 64th inside an é: cut before it
			`model "a` + strings.Repeat("é", 31) + `…" is 3`},
	} {
		p, err := LoadLLMPrices(tc.path)
		if err == nil || p != nil {
			t.Errorf("%s: loaded, want an error", filepath.Base(tc.path))
			continue
		}
		prefix := "metrics: LoadLLMPrices: " + tc.path + ": "
		if msg := err.Error(); !strings.HasPrefix(msg, prefix+tc.want) || len(msg) > len(prefix)+300 {
			t.Errorf("%s: error %.300q, want %q", filepath.Base(tc.path), msg, tc.want)
		}
	}

	p, err := LoadLLMPrices(write("bound.json", `{"dear": {"input_cost_per_token": 1, "output_cost_per_token": 1, "cache_read_input_token_cost": 1, "cache_creation_input_token_cost": 1, "output_cost_per_reasoning_token": 1}, "x/": {"input_cost_per_token": 1e-06}}`))
	if err != nil {
		t.Fatal(err)
	}
	u := LLMUsage{Input: MaxLLMTokens, Output: MaxLLMTokens, CachedInput: MaxLLMTokens, CacheCreationInput: MaxLLMTokens, Reasoning: MaxLLMTokens}
	if got, ok := p.Cost("dear", u); !ok || got != 3*MaxLLMTokens {
		t.Errorf("Cost(dear) = %v, %v; want %v", got, ok, 3*MaxLLMTokens)
	}
	for model, want := range map[string]bool{"x/": true, "": false, "y/": false, "/": false} {
		if _, ok := p.Cost(model, LLMUsage{Input: 1}); ok != want {
			t.Errorf("Cost(%q) priced %v, want %v", model, ok, want)
		}
	}
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithLLMPrices(p))
	if err != nil {
		t.Fatal(err)
	}
	nameless := LLMCall{Provider: "openai"}
	m.RecordLLMUsage(context.Background(), nameless, LLMUsage{Input: 7, Output: 1})
	if got := scrape(t, m).Counter(t, llmUnpricedName, llmLabelsOf(nameless, "token_type", TokenInput)); got != 7 {
		t.Errorf("a call that names no model: %v unpriced input tokens, want 7", got)
	}
}

// TestLLMPricesEmbedded: without WithLLMPrices the embedded table prices,
// and genapp_llm_price_table_info says so with its date. Every entry of
// the table says where its prices come from and when they were taken.
func TestLLMPricesEmbedded(t *testing.T) {
	m := newTest(t)
	table, err := embeddedLLMPrices()
	if err != nil {
		t.Fatal(err)
	}
	if m.LLMPrices() != table {
		t.Fatal("the instance does not use the embedded table")
	}
	e := scrape(t, m)
	if got := e.One(t, llmPriceInfoName, L{"env": "dev", "app": "demobot", "source": "embedded"}).GetLabel(); len(got) != 4 {
		t.Errorf("labels %v, want env, app, source, updated", got)
	}
	if _, err := time.Parse(time.DateOnly, table.updated); err != nil || table.updated < "2026-01-01" {
		t.Errorf("updated = %q, want a date of 2026 or later", table.updated)
	}
	var entries map[string]map[string]any
	if err := json.Unmarshal(embeddedLLMPricesJSON, &entries); err != nil {
		t.Fatal(err)
	}
	url := regexp.MustCompile(`^https://[a-z0-9.-]+\.[a-z]+/`)
	for name, fields := range entries {
		src, _ := fields["source"].(string)
		updated, _ := fields["updated"].(string)
		if !url.MatchString(src) {
			t.Errorf("%s: source %q, want the URL of a pricing page", name, src)
		}
		if _, err := time.Parse(time.DateOnly, updated); err != nil {
			t.Errorf("%s: updated %q: %v", name, updated, err)
		}
		if name != llmTableEntry && table.lookup("any", name) == nil {
			t.Errorf("%s: not priced", name)
		}
	}
	// The names of LLMPrices' documentation, as the APIs answer with them,
	// from the providers they name ("" for none, "any" for every one).
	for _, tc := range []struct{ provider, model, key string }{
		{"any", "gpt-4o-2024-08-06", "gpt-4o"},
		{"any", "gpt-4o-2024-05-13", "gpt-4o-2024-05-13"},
		{"any", "claude-sonnet-4-5-20250929", "claude-sonnet-4-5"},
		{"any", "claude-sonnet-4-5@20250929", "claude-sonnet-4-5"},
		{"any", "anthropic/claude-sonnet-4-5", "claude-sonnet-4-5"},
		{"any", "openrouter/openai/gpt-4o", "gpt-4o"},
		{"any", "groq/openai/gpt-oss-120b", "groq/openai/gpt-oss-120b"},
		{"gemini", "gemini-2.5-flash", "gemini/gemini-2.5-flash"},
		{"any", "gemini-2.5-flash", "gemini/gemini-2.5-flash"},
		{"groq", "openai/gpt-oss-120b", "groq/openai/gpt-oss-120b"},
		{"vllm", "openai/gpt-oss-120b", ""},
		{"any", "openai/gpt-oss-120b", ""},
		{"together", "meta-llama/Llama-3.3-70B-Instruct-Turbo", "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo"},
		{"fireworks", "accounts/fireworks/models/llama4-maverick-instruct-basic", "fireworks_ai/accounts/fireworks/models/llama4-maverick-instruct-basic"},
	} {
		if got, want := table.lookup(tc.provider, tc.model), table.keys[tc.key]; got != want {
			t.Errorf("%s from %s: priced as %v, want %q (%v)", tc.model, tc.provider, got, tc.key, want)
		}
	}
}

// TestLLMPricesEmbeddedProviders: the embedded table prices the current
// models of every provider the module knows, under the names their APIs
// answer with (dated, prefixed, as a router or host names them), at the
// dollars a million input and a million output tokens cost in LiteLLM's
// table. And no two prefixed keys make a name ambiguous: each prefixed
// key prices its name without the prefix, unless a key has that name.
func TestLLMPricesEmbeddedProviders(t *testing.T) {
	table, err := embeddedLLMPrices()
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		provider, model string
		in, out         float64 // dollars for 1M tokens
	}{
		{"OpenAI", "gpt-5-mini-2025-08-07", 0.25, 2},
		{"OpenAI", "gpt-5.4-nano", 0.2, 1.25},
		{"OpenAI", "o3", 2, 8},
		{"OpenAI", "o4-mini-2025-04-16", 1.1, 4.4},
		{"Anthropic", "claude-sonnet-4-5-20250929", 3, 15},
		{"Anthropic", "anthropic/claude-opus-4-8", 5, 25},
		{"Anthropic", "claude-haiku-4-5@20251001", 1, 5},
		{"Gemini", "gemini-2.5-pro", 1.25, 10}, // the base tier, up to 200k input tokens
		{"Gemini", "models/gemini-2.5-flash", 0.3, 2.5},
		{"Gemini", "gemini-2.5-flash-lite", 0.1, 0.4},
		{"Gemini", "gemini-3.5-flash", 1.5, 9},
		{"DeepSeek", "deepseek-chat", 0.28, 0.42},
		{"DeepSeek", "deepseek-reasoner", 0.28, 0.42},
		{"Mistral", "mistral-large-latest", 0.5, 1.5},
		{"Mistral", "mistral-medium-2508", 0.4, 2},
		{"Mistral", "mistral-small-latest", 0.06, 0.18},
		{"xAI", "grok-4", 3, 15},
		{"xAI", "grok-4-fast-reasoning", 0.2, 0.5},
		{"xAI", "grok-code-fast-1", 0.2, 1.5},
		{"Groq", "llama-3.3-70b-versatile", 0.59, 0.79},
		{"Groq", "openai/gpt-oss-120b", 0.15, 0.6},
		{"Groq", "moonshotai/kimi-k2-instruct-0905", 1, 3},
		{"Together", "meta-llama/Llama-3.3-70B-Instruct-Turbo", 0.88, 0.88},
		{"Together", "deepseek-ai/DeepSeek-R1", 3, 7},
		{"Fireworks", "accounts/fireworks/models/llama-v3p1-70b-instruct", 0.9, 0.9},
		{"Fireworks", "accounts/fireworks/models/llama4-scout-instruct-basic", 0.15, 0.6},
		{"OpenRouter", "anthropic/claude-haiku-4.5", 1, 5},
		{"OpenRouter", "openai/gpt-5.4-nano-20260317", 0.2, 1.25},
	} {
		in, okIn := table.Cost(tc.model, LLMUsage{Input: 1_000_000})
		out, okOut := table.Cost(tc.model, LLMUsage{Output: 1_000_000})
		if !okIn || !okOut || in != tc.in || out != tc.out {
			t.Errorf("%s %s: 1M input $%v (%v), 1M output $%v (%v); want $%v, $%v", tc.provider, tc.model, in, okIn, out, okOut, tc.in, tc.out)
		}
	}
	var entries map[string]json.RawMessage
	if err := json.Unmarshal(embeddedLLMPricesJSON, &entries); err != nil {
		t.Fatal(err)
	}
	for key := range entries {
		name := unprefixed(key)
		if _, bare := entries[name]; name == key || bare {
			continue
		}
		provider, isHost := llmHosts[key[:strings.IndexByte(key, '/')]]
		if !isHost {
			provider = "any"
		}
		if got, want := table.lookup(provider, name), table.keys[key]; got != want {
			t.Errorf("%s: prices %s from %s as %v, want its own %v (another key shares the name at other prices)", key, name, provider, got, want)
		}
		if got := table.lookup("vllm", name); isHost && got != nil {
			t.Errorf("%s: prices %s from vllm at %v, a host's price for a model served by another", key, name, got)
		}
	}
}

// TestLoadLLMPricesLiteLLM reads entries copied from LiteLLM's own table:
// sample_spec, image and speech models, tiered, batch, priority and flex
// prices, prices per second and per pixel, all beside the per-token
// prices that are read.
func TestLoadLLMPricesLiteLLM(t *testing.T) {
	p, err := LoadLLMPrices("testdata/litellm-excerpt.json")
	if err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat("testdata/litellm-excerpt.json")
	if err != nil {
		t.Fatal(err)
	}
	if p.source != "litellm-excerpt.json" || p.updated != info.ModTime().UTC().Format(time.DateOnly) {
		t.Errorf("source, updated = %q, %q", p.source, p.updated)
	}
	u := LLMUsage{Input: 1000, Output: 100, CachedInput: 200, CacheCreationInput: 300, Reasoning: 50}
	for model, want := range map[string]float64{
		"gpt-5.6":                        dollars(500, 5e-06) + dollars(200, 5e-07) + dollars(300, 6.25e-06) + dollars(100, 3e-05),
		"gpt-4o-mini-2024-07-18":         dollars(800, 1.5e-07) + dollars(200, 7.5e-08) + dollars(100, 6e-07),
		"gpt-4o-2024-05-13":              dollars(1000, 5e-06) + dollars(100, 1.5e-05),
		"gpt-4o-mini-realtime-preview":   dollars(800, 6e-07) + dollars(200, 3e-07) + dollars(100, 2.4e-06), // cache_creation_input_audio_token_cost is not a token price
		"gpt-4o-mini-tts":                dollars(1000, 2.5e-06) + dollars(100, 1e-05),
		"llama4-maverick-instruct-basic": dollars(1000, 2.2e-07) + dollars(100, 8.8e-07),
	} {
		if got, ok := p.Cost(model, u); !ok || math.Abs(got-want) > 1e-15 { // summed in another order
			t.Errorf("Cost(%s) = %v, %v; want %v", model, got, ok, want)
		}
	}
	for _, model := range []string{"sample_spec", "1024-x-1024/dall-e-2", "dall-e-2", "amazon.nova-canvas-v1:0"} {
		if _, ok := p.Cost(model, u); ok {
			t.Errorf("%s is priced", model)
		}
	}
}

// TestLoadLLMPricesErrors: each kind of bad table is refused whole, with
// an error that names the file, and the model and member at fault.
func TestLoadLLMPricesErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string { return writeFile(t, dir, name, content) }
	huge := filepath.Join(dir, "huge.json")
	f, err := os.Create(huge)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(maxLLMPricesSize + 1); err != nil {
		t.Fatal(err)
	}
	f.Close()
	for _, tc := range []struct {
		path string
		want []string // in the error
	}{
		{filepath.Join(dir, "missing.json"), []string{"missing.json", "no such file"}},
		{huge, []string{"huge.json", "larger than 64 MiB"}},
		{write("array.json", `[{"input_cost_per_token": 1e-06}]`), []string{"array.json", "not a JSON object keyed by model name"}},
		{write("null.json", `null`), []string{"null.json", "not a JSON object"}},
		{write("truncated.json", `{"m": {"input_cost_per_token": 1e-06}`), []string{"truncated.json", "not a JSON object"}},
		{write("entry.json", `{"m": 3}`), []string{"entry.json", `model "m" is 3, not a JSON object`}},
		{write("string.json", `{"ok": {"input_cost_per_token": 1e-06}, "m": {"input_cost_per_token": "1e-06"}}`),
			[]string{"string.json", `model "m": input_cost_per_token is "1e-06": a price must be a finite number at least 0`}},
		{write("negative.json", `{"m": {"input_cost_per_token": 1e-06, "cache_read_input_token_cost": -1e-07}}`),
			[]string{"negative.json", `model "m": cache_read_input_token_cost is -1e-07`}},
		{write("infinite.json", `{"m": {"output_cost_per_token": 1e999}}`), []string{"infinite.json", `model "m": output_cost_per_token is 1e999`}},
		{write("bool.json", `{"m": {"output_cost_per_reasoning_token": true, "output_cost_per_token": 1e-06}}`),
			[]string{"bool.json", `model "m": output_cost_per_reasoning_token is true`}},
		{write("object.json", `{"m": {"cache_creation_input_token_cost": {"default": 1e-06}, "input_cost_per_token": 1e-06}}`),
			[]string{"object.json", `model "m": cache_creation_input_token_cost is {"default": 1e-06}`}},
		{write("unpriced.json", `{"sample_spec": {"input_cost_per_token": 0}, "dall-e-3": {"output_cost_per_image": 0.04}, "n": {"input_cost_per_token": null}}`),
			[]string{"unpriced.json", "no priced model"}},
		{write("empty.json", `{}`), []string{"empty.json", "no priced model"}},
		{dir, []string{dir}},
	} {
		p, err := LoadLLMPrices(tc.path)
		if err == nil || p != nil {
			t.Errorf("%s: %v, %v; want an error", tc.path, p, err)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", filepath.Base(tc.path), err, w)
			}
		}
	}
}

// TestWithLLMPricesErrors: a nil table is refused, and so is a second
// instance on one registry that prices with another table.
func TestWithLLMPricesErrors(t *testing.T) {
	if _, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithLLMPrices(nil)); err == nil || !strings.Contains(err.Error(), "WithLLMPrices(nil)") {
		t.Errorf("WithLLMPrices(nil): %v", err)
	}
	p, err := LoadLLMPrices("testdata/llmprices-small.json")
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	if _, err := New("demobot", "dev", WithRegistry(reg), WithLLMPrices(p)); err != nil {
		t.Fatal(err)
	}
	if _, err := New("demobot", "dev", WithRegistry(reg), WithLLMPrices(p)); err != nil {
		t.Errorf("the same table again: %v", err)
	}
	if _, err := New("demobot", "dev", WithRegistry(reg)); err == nil || !strings.Contains(err.Error(), "llmprices-small.json") {
		t.Errorf("another table on the same registry: %v", err)
	}
	if (*Metrics)(nil).LLMPrices() != nil {
		t.Error("a nil instance has a table")
	}
}

// TestLLMUsageRejected: usage with a count out of bounds records nothing
// but its rejection; the transport's own reasons are recorded as given,
// any other as "other".
func TestLLMUsageRejected(t *testing.T) {
	m := newTest(t)
	ctx := context.Background()
	for _, u := range []LLMUsage{
		{Input: -1, Output: 5}, {Input: 5, Reasoning: -1}, {Input: 5, CacheCreationInput: -3},
		{Input: MaxLLMTokens + 1}, {Output: 1 << 62}, {Input: -1, Output: MaxLLMTokens + 1}, // negative wins
	} {
		m.RecordLLMUsage(ctx, gpt, u)
	}
	m.RecordLLMUsageRejected(ctx, gpt, LLMRejectNotInteger)
	m.RecordLLMUsageRejected(ctx, gpt, LLMRejectNotANumber)
	m.RecordLLMUsageRejected(ctx, gpt, LLMRejectNotANumber)
	m.RecordLLMUsageRejected(ctx, gpt, "made up")
	m.RecordLLMUsageRejected(ctx, gpt, "")
	e := scrape(t, m)
	for reason, want := range map[string]float64{"negative": 4, "too_large": 2, "not_integer": 1, "not_a_number": 2, "other": 2} {
		if got := e.Counter(t, llmRejectedName, llmLabelsOf(gpt, "reason", reason)); got != want {
			t.Errorf("rejected{%s} = %v, want %v", reason, got, want)
		}
	}
	for _, family := range []string{llmTokensName, llmTypeTokName, llmAllTokensName, llmCostName, llmUnpricedName} {
		if n := e.Series(family); n != 0 {
			t.Errorf("%s: %d series from rejected usage", family, n)
		}
	}
	if _, ok := m.LLMPrices().Cost("gpt-4o-mini", LLMUsage{Input: -1}); ok {
		t.Error("Cost priced negative usage")
	}

	// The bound itself is usage.
	m.RecordLLMUsage(ctx, gpt, LLMUsage{Input: MaxLLMTokens, Output: MaxLLMTokens})
	if _, sum := scrape(t, m).Histogram(t, llmAllTokensName, llmLabelsOf(gpt)); sum != 2*MaxLLMTokens {
		t.Errorf("all tokens sum %v, want %v", sum, 2*MaxLLMTokens)
	}
}

// TestLLMCacheCreationTokens: cache_creation_input is a part of input,
// recorded like cached_input only when reported.
func TestLLMCacheCreationTokens(t *testing.T) {
	m := newTest(t)
	ctx := context.Background()
	m.RecordLLMUsage(ctx, gpt, LLMUsage{Input: 1000, Output: 10, CacheCreationInput: 700})
	m.RecordLLMUsage(ctx, gpt, LLMUsage{Input: 20, Output: 10})
	e := scrape(t, m)
	if got := e.Counter(t, llmTokensName, llmLabelsOf(gpt, "token_type", TokenCacheCreationInput)); got != 700 {
		t.Errorf("tokens{cache_creation_input} = %v, want 700", got)
	}
	if count, sum := e.Histogram(t, llmTypeTokName, llmLabelsOf(gpt, "token_type", TokenCacheCreationInput)); count != 1 || sum != 700 {
		t.Errorf("request_tokens{cache_creation_input} = %d, %v; want 1, 700", count, sum)
	}
	if _, sum := e.Histogram(t, llmAllTokensName, llmLabelsOf(gpt)); sum != 1040 {
		t.Errorf("all tokens sum %v, want 1040: parts are not added", sum)
	}
	if got := e.LabelValues(llmTokensName, "token_type"); !slices.Equal(got, []string{"cache_creation_input", "input", "output"}) {
		t.Errorf("token types %v", got)
	}
}

// TestLLMRateLimit: the gauges of each model and limit hold the last value
// given; a negative value leaves its gauge as it was; an unknown limit
// records nothing; agent, tool and fallback are not labels.
func TestLLMRateLimit(t *testing.T) {
	m := newTest(t)
	ctx := WithLLMAgent(context.Background(), "support_agent")
	mini := gpt
	mini.Tool, mini.Fallback = "search_tool", true
	big := gpt
	big.Model = "gpt-4.1"
	m.RecordLLMRateLimit(ctx, mini, LLMLimitRequests, 499, 500)
	m.RecordLLMRateLimit(ctx, mini, LLMLimitRequests, 498, -1) // no limit header this time
	m.RecordLLMRateLimit(ctx, mini, LLMLimitTokens, -1, 200_000)
	m.RecordLLMRateLimit(ctx, mini, LLMLimitTokens, 150_000, -1)
	m.RecordLLMRateLimit(ctx, big, LLMLimitInputTokens, 30_000, 40_000)
	m.RecordLLMRateLimit(ctx, big, LLMLimitOutputTokens, 7_000, 8_000)
	m.RecordLLMRateLimit(ctx, big, "images", 1, 2)
	m.RecordLLMRateLimit(ctx, big, LLMLimitRequests, -1, -1)

	e := scrape(t, m)
	labels := func(c LLMCall, limit string) L {
		return L{"env": "dev", "app": "demobot", "provider_name": c.Provider, "base_url": c.BaseURL, "model_name": c.Model, "limit": limit}
	}
	for _, tc := range []struct {
		family string
		c      LLMCall
		limit  string
		want   float64
	}{
		{llmRemainingName, mini, LLMLimitRequests, 498}, {llmLimitName, mini, LLMLimitRequests, 500},
		{llmRemainingName, mini, LLMLimitTokens, 150_000}, {llmLimitName, mini, LLMLimitTokens, 200_000},
		{llmRemainingName, big, LLMLimitInputTokens, 30_000}, {llmLimitName, big, LLMLimitInputTokens, 40_000},
		{llmRemainingName, big, LLMLimitOutputTokens, 7_000}, {llmLimitName, big, LLMLimitOutputTokens, 8_000},
	} {
		s := e.One(t, tc.family, labels(tc.c, tc.limit))
		if got := s.GetGauge().GetValue(); got != tc.want {
			t.Errorf("%s{%s, %s} = %v, want %v", tc.family, tc.c.Model, tc.limit, got, tc.want)
		}
		if n := len(s.GetLabel()); n != 6 {
			t.Errorf("%s: %d labels, want env, app, provider_name, base_url, model_name, limit", tc.family, n)
		}
	}
	for _, family := range []string{llmRemainingName, llmLimitName} {
		if n := e.Series(family); n != 4 {
			t.Errorf("%s: %d series, want 4", family, n)
		}
	}
}

// TestLLMTimePerOutputToken: one observation per answer, in OpenTelemetry's
// buckets extended down to 1 ms.
func TestLLMTimePerOutputToken(t *testing.T) {
	m := newTest(t)
	ctx := context.Background()
	m.RecordLLMTimePerOutputToken(ctx, gpt, 20*time.Millisecond)
	m.RecordLLMTimePerOutputToken(ctx, gpt, -time.Millisecond)
	s := scrape(t, m).One(t, llmTPOTName, llmLabelsOf(gpt))
	h := s.GetHistogram()
	if h.GetSampleCount() != 2 || h.GetSampleSum() != 0.02 {
		t.Errorf("count, sum = %d, %v; want 2, 0.02", h.GetSampleCount(), h.GetSampleSum())
	}
	var bounds []float64
	for _, b := range h.GetBucket() {
		bounds = append(bounds, b.GetUpperBound())
	}
	if want := []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5, math.Inf(1)}; !slices.Equal(bounds, want) {
		t.Errorf("buckets %v, want %v", bounds, want)
	}
	if got := h.GetBucket()[0].GetCumulativeCount(); got != 1 {
		t.Errorf("le=0.001: %d, want 1 (the negative one as 0)", got)
	}
}

// TestLLMExtensionsBounded: the new families stay within the series limit
// however many models are made up, folding into {overflow} and counting
// each folded observation once.
func TestLLMExtensionsBounded(t *testing.T) {
	const limit, distinct = 20, 500
	m := quietTest(t, WithMaxSeries(limit))
	ctx := context.Background()
	for i := range distinct {
		c := gpt
		c.Model = "model-" + strconv.Itoa(i)
		m.RecordLLMUsage(ctx, c, LLMUsage{Input: 3, Output: 2, CachedInput: 1, Reasoning: 1, CacheCreationInput: 1})
		m.RecordLLMUsageRejected(ctx, c, "x")
		m.RecordLLMTimePerOutputToken(ctx, c, time.Millisecond)
		for _, l := range rateLimitNames {
			m.RecordLLMRateLimit(ctx, c, l, 1, 2)
		}
	}
	long := gpt
	long.Model = strings.Repeat("m", MaxLabelLen+1)
	m.RecordLLMRateLimit(ctx, long, LLMLimitTokens, 1, 2)

	e := scrape(t, m)
	for _, family := range []string{llmUnpricedName, llmRejectedName, llmTPOTName, llmRemainingName, llmLimitName} {
		if n := e.Series(family); n == 0 || n > limit {
			t.Errorf("%s: %d series, want 1 to %d", family, n, limit)
		}
	}
	if got := e.Sum(llmUnpricedName, L{"token_type": TokenInput}); got != 3*distinct {
		t.Errorf("unpriced input tokens %v, want %d: none lost", got, 3*distinct)
	}
	overflow := L{"model_name": OverflowValue, "provider_name": OverflowValue, "base_url": OverflowValue, "limit": LLMLimitTokens}
	if got := e.One(t, llmRemainingName, overflow).GetGauge().GetValue(); got != 1 {
		t.Errorf("overflow remaining = %v, want 1", got)
	}
	keptCalls, keptLimits := m.f.llmKeyLimit(), (limit-rateLimits)/rateLimits
	// Per model: usage, rejection and time per token fold once each past
	// the kept calls, each of the four limits past the kept models; and
	// the over-long model once.
	want := 3*(distinct-keptCalls) + rateLimits*(distinct-keptLimits) + 1
	if got := e.Counter(t, "genapp_series_overflow_total", L{"label": "llm"}); got != float64(want) {
		t.Errorf("folded %v observations, want %d", got, want)
	}
}

// TestLLMCommon22NoExtensions: in the 2.2.0 mode the new functions record
// nothing, and no genapp_llm_* family is exposed.
func TestLLMCommon22NoExtensions(t *testing.T) {
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithCompatibility(LLMCommon22))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	m.RecordLLMUsage(ctx, gpt, LLMUsage{Input: 1, Output: 1})
	m.RecordLLMUsage(ctx, gpt, LLMUsage{Input: -1})
	m.RecordLLMUsageRejected(ctx, gpt, LLMRejectNotANumber)
	m.RecordLLMRateLimit(ctx, gpt, LLMLimitRequests, 1, 2)
	m.RecordLLMTimePerOutputToken(ctx, gpt, time.Millisecond)
	for name := range scrape(t, m).Families {
		if strings.HasPrefix(name, "genapp_llm_") {
			t.Errorf("%s exposed in the 2.2.0 mode", name)
		}
	}
}

// TestLLMNewFunctionsDefault: before Init the package-level functions
// record nothing and do not panic; after it they record in the default.
func TestLLMNewFunctionsDefault(t *testing.T) {
	ctx := context.Background()
	if Default() == nil {
		RecordLLMUsageRejected(ctx, gpt, LLMRejectNegative)
		RecordLLMRateLimit(ctx, gpt, LLMLimitRequests, 1, 2)
		RecordLLMTimePerOutputToken(ctx, gpt, time.Millisecond)
	}
	m := initTest(t)
	RecordLLMUsageRejected(ctx, gpt, LLMRejectNegative)
	RecordLLMRateLimit(ctx, gpt, LLMLimitRequests, 1, 2)
	RecordLLMTimePerOutputToken(ctx, gpt, time.Millisecond)
	e := scrape(t, m)
	for _, family := range []string{llmRejectedName, llmRemainingName, llmLimitName, llmTPOTName} {
		if n := e.Series(family); n != 1 {
			t.Errorf("%s: %d series, want 1", family, n)
		}
	}
}

// writeFile writes content to the file name of dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
