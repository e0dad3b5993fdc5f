package httpclient

import (
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/genapp-go/genapp/metrics"
)

// ProviderAnswer is an answer of a provider in testdata/llm, the path it
// answers and what it reports. (Exported for the tests of package
// httpclient_test.)
type ProviderAnswer struct {
	File   string
	Path   string // of the request, query string included
	Model  string
	Usage  metrics.LLMUsage
	Output bool // a stream whose first output the reader sees
}

// GeminiKey is the API key of the Gemini paths, which no label may hold.
const GeminiKey = "AIzaSyFAKE-gemini-key-0123456789abcdefg"

var ProviderAnswers = []ProviderAnswer{
	{"openai_chat.json", "/v1/chat/completions", "gpt-4o-2024-08-06", metrics.LLMUsage{Input: 1117, Output: 46, CachedInput: 1024}, false},
	{"openai_chat_stream.sse", "/v1/chat/completions", "gpt-4o-mini-2024-07-18", metrics.LLMUsage{Input: 19, Output: 10}, true},
	{"openai_responses.json", "/v1/responses", "o4-mini-2025-04-16", metrics.LLMUsage{Input: 36, Output: 87, CachedInput: 16, Reasoning: 64}, false},
	{"openai_responses_stream.sse", "/v1/responses", "gpt-4.1-2025-04-14", metrics.LLMUsage{Input: 37, Output: 11}, true},
	{"anthropic.json", "/v1/messages", "claude-sonnet-4-5-20250929", metrics.LLMUsage{Input: 3895, Output: 503, CachedInput: 1800}, false},
	{"anthropic_stream.sse", "/v1/messages", "claude-haiku-4-5-20251001", metrics.LLMUsage{Input: 622, Output: 89, CachedInput: 50}, true},
	{"gemini.json", "/v1beta/models/gemini-2.5-flash:generateContent?key=" + GeminiKey, "gemini-2.5-flash",
		metrics.LLMUsage{Input: 12, Output: 88, CachedInput: 4, Reasoning: 58}, false},
	{"gemini_stream.sse", "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=" + GeminiKey, "gemini-2.0-flash",
		metrics.LLMUsage{Input: 9, Output: 12}, true},
	{"gemini_stream_array.json", "/v1beta/models/gemini-2.0-flash-lite:streamGenerateContent?key=" + GeminiKey, "gemini-2.0-flash-lite",
		metrics.LLMUsage{Input: 9, Output: 3}, false},
}

// ReadAnswer returns the body of a file of testdata/llm.
func ReadAnswer(t testing.TB, file string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "llm", file))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// feed gives body to a new reader in pieces of the sizes next returns.
func feed(body []byte, sse bool, next func() int) *usageReader {
	r := newUsageReader(sse)
	for len(body) > 0 {
		n := min(max(next(), 1), len(body))
		if hold := r.scan(body[:n]); hold != 0 {
			panic("the usage reader held bytes back")
		}
		body = body[n:]
	}
	return &r
}

// TestUsageReader: every format, cut in pieces of every size from 1 byte
// to the whole body and at random places, gives the same model and usage.
func TestUsageReader(t *testing.T) {
	for _, a := range ProviderAnswers {
		t.Run(a.File, func(t *testing.T) {
			body := ReadAnswer(t, a.File)
			sse := strings.HasSuffix(a.File, ".sse")
			rnd := rand.New(rand.NewPCG(1, uint64(len(body))))
			splits := map[string]func() int{"random": func() int { return 1 + rnd.IntN(40) }}
			for _, size := range []int{1, 2, 3, 5, 7, 11, 13, 64, len(body)} {
				splits[strconv.Itoa(size)] = func() int { return size }
			}
			for name, next := range splits {
				r := feed(body, sse, next)
				if r.model != a.Model {
					t.Errorf("pieces %s: model %q, want %q", name, r.model, a.Model)
				}
				if !r.sawUsage || r.usage.tokens() != a.Usage {
					t.Errorf("pieces %s: usage %+v (seen %v), want %+v", name, r.usage.tokens(), r.sawUsage, a.Usage)
				}
				if r.sawOutput != a.Output {
					t.Errorf("pieces %s: first output seen %v, want %v", name, r.sawOutput, a.Output)
				}
			}
		})
	}
}

// TestParseUsage: the counts of a usage object, by path; anything that is
// not an integer where a count is expected voids the object.
func TestParseUsage(t *testing.T) {
	for _, tc := range []struct {
		in   string
		ok   bool
		want func(u *rawUsage) bool
	}{
		{`{"prompt_tokens":5,"completion_tokens":7,"prompt_tokens_details":{"cached_tokens":3,"audio_tokens":1},"completion_tokens_details":{"reasoning_tokens":2}}`, true,
			func(u *rawUsage) bool {
				return u.PromptTokens == 5 && u.CompletionTokens == 7 && u.PromptTokensDetails.CachedTokens == 3 && u.CompletionTokensDetails.ReasoningTokens == 2
			}},
		{`{ "promptTokenCount" : 9 , "promptTokensDetails" : [ { "modality" : "TEXT" , "tokenCount" : 99 } ] , "thoughtsTokenCount" : 4 }`, true,
			func(u *rawUsage) bool {
				return u.PromptTokenCount == 9 && u.ThoughtsTokenCount == 4 && u.CandidatesTokenCount == -1
			}},
		{`{"input_tokens":1,"cache_creation":{"ephemeral_5m_input_tokens":0},"server_tool_use":{"web_search_requests":0},"service_tier":"standard","output_tokens":null}`, true,
			func(u *rawUsage) bool { return u.InputTokens == 1 && u.OutputTokens == -1 }},
		{`{"Completion_tokens":10}`, true, func(u *rawUsage) bool { return u.CompletionTokens == -1 }}, // names are exact
		{`{"cached_tokens":3,"x":{"cached_tokens":4}}`, true, func(u *rawUsage) bool { return u.PromptTokensDetails.CachedTokens == -1 }},
		{`{"input_tokens":-5}`, true, func(u *rawUsage) bool { return u.InputTokens == -5 }},
		{`{"prompt_tokens":"5"}`, false, nil},
		{`{"prompt_tokens":1.5}`, false, nil},
		{`{"prompt_tokens":1e3}`, false, nil},
		{`{"prompt_tokens":true}`, false, nil},
		{`{"prompt_tokens":{"a":1}}`, false, nil},
		{`{"prompt_tokens":1234567890123456789}`, false, nil},
		{`{"prompt_tokens":5`, false, nil},
		{`{"a":"unterminated}`, false, nil},
		{`{"a":1}}`, false, nil},
		{`{"a":1} `, false, nil},
		{`{"a":tru}`, false, nil},
	} {
		u := newRawUsage()
		ok := parseUsage([]byte(tc.in), &u)
		if ok != tc.ok || ok && !tc.want(&u) {
			t.Errorf("parseUsage(%s) = %v, %+v", tc.in, ok, u)
		}
	}
}
