package httpclient

import (
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
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
	{"anthropic_stream.sse", "/v1/messages", "claude-haiku-4-5-20251001", metrics.LLMUsage{Input: 622, Output: 89, CachedInput: 50, CacheCreationInput: 100}, true},
	{"gemini.json", "/v1beta/models/gemini-2.5-flash:generateContent?key=" + GeminiKey, "gemini-2.5-flash",
		metrics.LLMUsage{Input: 12, Output: 88, CachedInput: 4, Reasoning: 58}, false},
	{"gemini_stream.sse", "/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse&key=" + GeminiKey, "gemini-2.0-flash",
		metrics.LLMUsage{Input: 9, Output: 12}, true},
	{"gemini_stream_array.json", "/v1beta/models/gemini-2.0-flash-lite:streamGenerateContent?key=" + GeminiKey, "gemini-2.0-flash-lite",
		metrics.LLMUsage{Input: 9, Output: 3}, true},
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

// frameOf is the framing of a test file, by its extension.
func frameOf(file string) frame {
	switch filepath.Ext(file) {
	case ".sse":
		return frameSSE
	case ".ndjson":
		return frameNDJSON
	}
	return frameJSON
}

// formatOf is the format of the answers to a POST to path.
func formatOf(t testing.TB, path string) *llmFormat {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, "https://llm.test"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	f, _, ok := generation(req)
	if !ok {
		t.Fatalf("POST %s: not a call that generates", path)
	}
	return f
}

// feed gives body to a new reader in pieces of the sizes next returns.
func feed(f *llmFormat, fr frame, body []byte, next func() int) *usageReader {
	r := newUsageReader(f, fr)
	for len(body) > 0 {
		n := min(max(next(), 1), len(body))
		if hold := r.scan(body[:n]); hold != 0 {
			panic("the usage reader held bytes back")
		}
		body = body[n:]
	}
	return &r
}

func whole(f *llmFormat, fr frame, body string) *usageReader {
	return feed(f, fr, []byte(body), func() int { return len(body) })
}

// splits are the ways TestUsageReader cuts a body: pieces of every small
// size, of the whole body, and random ones.
func splits(body []byte) map[string]func() int {
	rnd := rand.New(rand.NewPCG(1, uint64(len(body))))
	s := map[string]func() int{"random": func() int { return 1 + rnd.IntN(40) }}
	for _, size := range []int{1, 2, 3, 5, 7, 11, 13, 64, len(body)} {
		s[strconv.Itoa(size)] = func() int { return size }
	}
	return s
}

// TestUsageReader: every format, cut in pieces of every size from 1 byte
// to the whole body and at random places, gives the same model and usage.
func TestUsageReader(t *testing.T) {
	for _, a := range ProviderAnswers {
		t.Run(a.File, func(t *testing.T) {
			body := ReadAnswer(t, a.File)
			f := formatOf(t, a.Path)
			for name, next := range splits(body) {
				r := feed(f, frameOf(a.File), body, next)
				if r.model != a.Model {
					t.Errorf("pieces %s: model %q, want %q", name, r.model, a.Model)
				}
				if !r.sawUsage || r.rejected != "" || f.tokens(&r.usage) != a.Usage {
					t.Errorf("pieces %s: usage %+v (seen %v, rejected %q), want %+v", name, f.tokens(&r.usage), r.sawUsage, r.rejected, a.Usage)
				}
				if r.sawOutput != a.Output {
					t.Errorf("pieces %s: first output seen %v, want %v", name, r.sawOutput, a.Output)
				}
			}
		})
	}
}

// TestGeneration: only a POST to a generation endpoint is a call whose
// answer is read; the format comes from the endpoint.
func TestGeneration(t *testing.T) {
	for _, tc := range []struct {
		method, path string
		want         *llmFormat
		prefix       string
	}{
		{"POST", "/v1/chat/completions", chatCompletions, "/v1"},
		{"POST", "/openai/deployments/gpt4o/chat/completions", chatCompletions, "/openai/deployments/gpt4o"},
		{"POST", "/v1/completions", chatCompletions, "/v1"},
		{"POST", "/v1/fim/completions", chatCompletions, "/v1/fim"},
		{"POST", "/v1/embeddings", chatCompletions, "/v1"},
		{"POST", "/v1/responses", responses, "/v1"},
		{"POST", "/v1/messages", anthropicMessages, "/v1"},
		{"POST", "/v1beta/models/gemini-2.5-flash:generateContent", gemini, "/v1beta"},
		{"POST", "/v1/projects/p/locations/us-central1/publishers/google/models/gemini-2.0-flash:streamGenerateContent", gemini,
			"/v1/projects/p/locations/us-central1/publishers/google"},
		{"POST", "/v1/projects/p/locations/us-east5/publishers/anthropic/models/claude-sonnet-4-5@20250929:streamRawPredict", anthropicMessages,
			"/v1/projects/p/locations/us-east5/publishers/anthropic"},
		{"POST", "/v1beta/tunedModels/my-model-1:generateContent", gemini, "/v1beta"},
		{"POST", "/v1/projects/p/locations/us-central1/endpoints/1234:generateContent", gemini, "/v1/projects/p/locations/us-central1"},
		{"POST", "/models/meta-llama/Llama-3.1-8B-Instruct/v1/chat/completions", chatCompletions, "/models/meta-llama/Llama-3.1-8B-Instruct/v1"}, // Hugging Face
		{"POST", "/api/chat", ollamaNative, ""},
		{"POST", "/api/generate", ollamaNative, ""},
		// Not calls that generate.
		{"GET", "/v1/chat/completions", nil, ""},           // the stored completions
		{"GET", "/v1/responses/resp_123", nil, ""},         // a stored or background response
		{"POST", "/v1/responses/resp_123/cancel", nil, ""}, // cancelling one
		{"POST", "/v1/responses/input_tokens", nil, ""},    // counting tokens
		{"POST", "/v1/messages/count_tokens", nil, ""},     // counting tokens
		{"GET", "/v1/messages/batches/msgbatch_1/results", nil, ""},
		{"GET", "/v1/files/file-abc/content", nil, ""},
		{"POST", "/v1beta/models/gemini-2.5-flash:countTokens", nil, ""},
		{"POST", "/v1beta/models/gemini-2.5-flash:batchGenerateContent", nil, ""},
		{"GET", "/v1/models", nil, ""},
		{"POST", "/v1/threads/thread_abc/messages", nil, ""}, // an Assistants thread's new message
		{"POST", "/v1/chat/completions/chatcmpl-1", nil, ""}, // updating a stored completion
	} {
		req, _ := http.NewRequest(tc.method, "https://llm.test"+tc.path, nil)
		f, prefix, ok := generation(req)
		if f != tc.want || prefix != tc.prefix || ok != (tc.want != nil) {
			t.Errorf("%s %s: format %p, prefix %q, %v; want %p, %q", tc.method, tc.path, f, prefix, ok, tc.want, tc.prefix)
		}
	}
}

// honest is what the poisoned answers of TestUsagePlaces really report.
var honest = metrics.LLMUsage{Input: 10, Output: 5}

// usageShaped is JSON a model could write that has the shape of every
// format's usage and model, at the top of whatever object holds it.
const usageShaped = `"usage":{"prompt_tokens":999999999,"completion_tokens":999999999,"input_tokens":999999999,"output_tokens":999999999},` +
	`"usageMetadata":{"promptTokenCount":999999999,"candidatesTokenCount":999999999},"x_groq":{"usage":{"prompt_tokens":999999999}},` +
	`"message":{"model":"evil","usage":{"input_tokens":999999999}},"response":{"model":"evil","usage":{"input_tokens":999999999}},` +
	`"prompt_eval_count":999999999,"eval_count":999999999,"model":"evil","modelVersion":"evil","delta":{},"candidates":[]`

// nested is obj wrapped in depth more levels of objects and arrays.
func nested(obj string, depth int) string {
	for i := range depth {
		if i%2 == 0 {
			obj = `{"level":` + obj + `,` + usageShaped + `}`
		} else {
			obj = `[` + obj + `]`
		}
	}
	return obj
}

// TestUsagePlaces: usage-shaped JSON where models write (a tool call's
// input, a function call's arguments, the content), at several depths, in
// answers and streams of every format, changes neither the usage nor the
// model that the provider reports at its own places.
func TestUsagePlaces(t *testing.T) {
	for depth := range 5 {
		poison := nested(`{`+usageShaped+`}`, depth)
		for _, tc := range []struct {
			name, path, body string
			fr               frame
		}{
			{"chat content", "/v1/chat/completions",
				`{"id":"c","model":"gpt-4o","choices":[{"index":0,"message":{"role":"assistant","content":` + poison + `,` + usageShaped + `}}],` +
					`"usage":{"prompt_tokens":10,"completion_tokens":5}}`, frameJSON},
			{"chat stream", "/v1/chat/completions",
				`data: {"model":"gpt-4o","choices":[{"delta":{"tool_calls":[{"function":{"arguments":` + poison + `}}]}}],"usage":null}` + "\n\n" +
					`data: {"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5}}` + "\n\ndata: [DONE]\n\n", frameSSE},
			{"groq stream", "/openai/v1/chat/completions",
				`data: {"model":"gpt-4o","choices":[{"delta":` + poison + `}],"x_groq":{"id":"r"}}` + "\n\n" +
					`data: {"model":"gpt-4o","choices":[],"x_groq":{"usage":{"prompt_tokens":10,"completion_tokens":5,"prompt_time":0.01}}}` + "\n\n", frameSSE},
			{"responses function call", "/v1/responses",
				`{"model":"gpt-4o","output":[{"type":"function_call","arguments":"{\"usage\":{\"input_tokens\":999999999}}","extra":` + poison + `}],` +
					`"usage":{"input_tokens":10,"output_tokens":5}}`, frameJSON},
			{"responses stream", "/v1/responses",
				`data: {"type":"response.output_item.done","item":` + poison + `}` + "\n\n" +
					`data: {"type":"response.completed","response":{"model":"gpt-4o","output":[` + poison + `],"usage":{"input_tokens":10,"output_tokens":5}}}` + "\n\n", frameSSE},
			{"anthropic tool_use", "/v1/messages",
				`{"model":"gpt-4o","content":[{"type":"tool_use","id":"t","name":"get_weather","input":` + poison + `}],` +
					`"usage":{"input_tokens":10,"output_tokens":5}}`, frameJSON},
			{"anthropic stream", "/v1/messages",
				`event: message_start` + "\n" + `data: {"type":"message_start","message":{"model":"gpt-4o","content":[],"usage":{"input_tokens":10,"output_tokens":1}}}` + "\n\n" +
					`data: {"type":"content_block_start","index":0,"content_block":{"type":"tool_use","input":` + poison + `}}` + "\n\n" +
					`data: {"type":"message_delta","delta":{"stop_reason":"tool_use"},"usage":{"output_tokens":5}}` + "\n\n", frameSSE},
			{"gemini functionCall", "/v1beta/models/gemini-2.5-flash:generateContent",
				`{"candidates":[{"content":{"parts":[{"functionCall":{"name":"f","args":` + poison + `}}]}}],` +
					`"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5},"modelVersion":"gpt-4o"}`, frameJSON},
			{"gemini array stream", "/v1beta/models/gemini-2.5-flash:streamGenerateContent",
				`[{"candidates":[{"content":{"parts":[{"functionCall":{"args":` + poison + `}}]}}],"modelVersion":"gpt-4o"},` +
					`{"candidates":[],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5},"modelVersion":"gpt-4o"}]`, frameJSON},
			{"ollama tool call", "/api/chat",
				`{"model":"gpt-4o","message":{"role":"assistant","tool_calls":[{"function":{"name":"f","arguments":` + poison + `}}]},"done":false}` + "\n" +
					`{"model":"gpt-4o","message":{"role":"assistant","content":""},"done":true,"prompt_eval_count":10,"eval_count":5}` + "\n", frameNDJSON},
		} {
			f := formatOf(t, tc.path)
			for name, next := range splits([]byte(tc.body)) {
				r := feed(f, tc.fr, []byte(tc.body), next)
				if got := f.tokens(&r.usage); !r.sawUsage || r.rejected != "" || got != honest || r.model != "gpt-4o" {
					t.Fatalf("%s, depth %d, pieces %s: usage %+v (seen %v, rejected %q), model %q; want %+v, gpt-4o",
						tc.name, depth, name, got, r.sawUsage, r.rejected, r.model, honest)
				}
			}
		}
	}
}

// TestUsageCounts: a usage object's mapped counts are read; everything
// else in it is skipped; a count no answer can have rejects the answer's
// usage, with the reason.
func TestUsageCounts(t *testing.T) {
	for _, tc := range []struct {
		usage    string
		want     metrics.LLMUsage
		rejected string
	}{
		// OpenRouter: a float cost, a boolean, nested cost details.
		{`{"prompt_tokens":10,"completion_tokens":5,"total_tokens":15,"cost":0.00014,"is_byok":false,` +
			`"prompt_tokens_details":{"cached_tokens":2,"audio_tokens":0},"cost_details":{"upstream_inference_cost":null,"upstream_inference_prompt_cost":0.0001},` +
			`"completion_tokens_details":{"reasoning_tokens":1,"image_tokens":0}}`, metrics.LLMUsage{Input: 10, Output: 5, CachedInput: 2, Reasoning: 1}, ""},
		// Groq: float timings.
		{`{"queue_time":0.0173,"prompt_tokens":10,"prompt_time":0.0012,"completion_tokens":5,"completion_time":0.01,"total_tokens":15,"total_time":0.0112}`,
			metrics.LLMUsage{Input: 10, Output: 5}, ""},
		// DeepSeek: the cached part under its own name.
		{`{"prompt_tokens":10,"completion_tokens":5,"prompt_cache_hit_tokens":4,"prompt_cache_miss_tokens":6}`, metrics.LLMUsage{Input: 10, Output: 5, CachedInput: 4}, ""},
		{`{"prompt_tokens":10,"completion_tokens":null,"prompt_tokens_details":null}`, metrics.LLMUsage{Input: 10}, ""},
		{`{ "prompt_tokens" : 10 , "x" : [ { "prompt_tokens" : 99 } , "a\"b\\" , [ ] , { } ] , "completion_tokens" : 5 }`, metrics.LLMUsage{Input: 10, Output: 5}, ""},
		{`{"cached_tokens":3,"prompt_tokens":10,"x":{"cached_tokens":4}}`, metrics.LLMUsage{Input: 10}, ""}, // by path, not by name
		{`{"Prompt_tokens":10,"prompt_tokens":1}`, metrics.LLMUsage{Input: 1}, ""},                          // names are exact
		{`{"total_tokens":15}`, metrics.LLMUsage{}, ""},                                                     // neither input nor output: no usage
		{`{"prompt_tokens":-5,"completion_tokens":5}`, metrics.LLMUsage{}, metrics.LLMRejectNegative},
		{`{"prompt_tokens":1.5}`, metrics.LLMUsage{}, metrics.LLMRejectNotInteger},
		{`{"prompt_tokens":1e3}`, metrics.LLMUsage{}, metrics.LLMRejectNotInteger},
		{`{"prompt_tokens":"5"}`, metrics.LLMUsage{}, metrics.LLMRejectNotANumber},
		{`{"prompt_tokens":true}`, metrics.LLMUsage{}, metrics.LLMRejectNotANumber},
		{`{"prompt_tokens":{"a":1}}`, metrics.LLMUsage{}, metrics.LLMRejectNotANumber},
		{`{"prompt_tokens":[1]}`, metrics.LLMUsage{}, metrics.LLMRejectNotANumber},
		{`{"prompt_tokens_details":{"cached_tokens":"x"},"prompt_tokens":1}`, metrics.LLMUsage{}, metrics.LLMRejectNotANumber},
		{fmt.Sprintf(`{"prompt_tokens":%d}`, metrics.MaxLLMTokens+1), metrics.LLMUsage{}, metrics.LLMRejectTooLarge},
		{fmt.Sprintf(`{"prompt_tokens":%d}`, metrics.MaxLLMTokens), metrics.LLMUsage{Input: metrics.MaxLLMTokens}, ""},
		{`{"prompt_tokens":1000000000000000000000000000000000000}`, metrics.LLMUsage{}, metrics.LLMRejectTooLarge},
		{`{"prompt_tokens":007,"completion_tokens":2}`, metrics.LLMUsage{}, metrics.LLMRejectNotANumber}, // not JSON
		{`{"prompt_tokens":-0,"completion_tokens":2}`, metrics.LLMUsage{Output: 2}, ""},
		{`{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3.0}`, metrics.LLMUsage{Input: 1, Output: 2}, ""}, // a check, not a count
		{`{"prompt_tokens":1,"completion_tokens":2,}`, metrics.LLMUsage{}, ""},                                      // not JSON: nothing read
	} {
		body := `{"model":"m","usage":` + tc.usage + `}`
		r := whole(chatCompletions, frameJSON, body)
		if got := chatCompletions.tokens(&r.usage); got != tc.want || r.rejected != tc.rejected || r.sawUsage != (tc.want != metrics.LLMUsage{}) {
			t.Errorf("%s: usage %+v (seen %v), rejected %q; want %+v, %q", tc.usage, got, r.sawUsage, r.rejected, tc.want, tc.rejected)
		}
	}
}

// TestUsageCutOff: a usage object cut off by the end of an event, of a
// line of NDJSON or of the body counts nothing; the next documents are
// read.
func TestUsageCutOff(t *testing.T) {
	for _, tc := range []struct {
		body string
		fr   frame
		want metrics.LLMUsage
	}{
		{"data: {\"usage\":{\"prompt_tokens\":5\n\ndata: {\"usage\":{\"prompt_tokens\":6,\"completion_tokens\":1}}\n\n", frameSSE, metrics.LLMUsage{Input: 6, Output: 1}},
		{"data: {\"usage\":{\"prompt_tokens\":7,\ndata: \"completion_tokens\":2}}\n\n", frameSSE, metrics.LLMUsage{Input: 7, Output: 2}}, // lines of one event
		{"data: {\"usage\":{\"prompt_tokens\":\"7\ndata: \"}}\n\n", frameSSE, metrics.LLMUsage{}},                                        // no line break in a string
		{"{\"usage\":{\"prompt_tokens\":5,\"x\":tru}}\n{\"usage\":{\"prompt_tokens\":6}}", frameNDJSON, metrics.LLMUsage{Input: 6}},
		{`{"usage":{"prompt_tokens":5,"completion_tokens":1`, frameJSON, metrics.LLMUsage{}},
		{"{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7\n}}\n", frameNDJSON, metrics.LLMUsage{}}, // a line ends a document
		{"{\"usage\":{\"prompt_tokens\":999\n{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7}}\n", frameNDJSON, metrics.LLMUsage{Input: 5, Output: 7}},
		{"{\"x\":[1,\n{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7}}\n", frameNDJSON, metrics.LLMUsage{Input: 5, Output: 7}},
		{"{\"x\":\"a\n{\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7}}\n", frameNDJSON, metrics.LLMUsage{Input: 5, Output: 7}},
		{`{"a":"unterminated}, "usage":{"prompt_tokens":5}}`, frameJSON, metrics.LLMUsage{}},
	} {
		r := whole(chatCompletions, tc.fr, tc.body)
		if got := chatCompletions.tokens(&r.usage); got != tc.want || r.sawUsage != (tc.want != metrics.LLMUsage{}) {
			t.Errorf("%q: usage %+v (seen %v), want %+v", tc.body, got, r.sawUsage, tc.want)
		}
	}
}

// TestEventFraming: SSE comments, other fields, CR and CRLF line ends,
// "data:" without its space and a stream labelled as JSON are read as
// servers send them.
func TestEventFraming(t *testing.T) {
	const chunk = `{"model":"m","choices":[{"delta":{"content":"x"}}],"usage":{"prompt_tokens":3,"completion_tokens":2}}`
	for name, body := range map[string]string{
		"openrouter comments": ": OPENROUTER PROCESSING\n\n: OPENROUTER PROCESSING\n\ndata: " + chunk + "\n\ndata: [DONE]\n\n",
		"crlf":                "event: x\r\nid: 1\r\ndata: " + chunk + "\r\n\r\n",
		"cr":                  "retry: 100\rdata: " + chunk + "\r\r",
		"no space":            "data:" + chunk + "\n\n",
		"two spaces":          "data:  " + chunk + "\n\n",
	} {
		for pieces, next := range splits([]byte(body)) {
			for _, fr := range []frame{frameSSE, frameJSON} { // sniffed as an event stream
				r := feed(chatCompletions, fr, []byte(body), next)
				if got := chatCompletions.tokens(&r.usage); got != (metrics.LLMUsage{Input: 3, Output: 2}) || r.model != "m" || !r.sawOutput {
					t.Errorf("%s, pieces %s, frame %d: usage %+v, model %q, output %v", name, pieces, fr, got, r.model, r.sawOutput)
				}
			}
		}
	}
}

// TestModelName: the model is taken at its place, unescaped; a name of any
// length costs one label value.
func TestModelName(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`{"model":"gpt-4o","usage":null}`, "gpt-4o"},
		{`{"model":"a\"b\u0041","usage":null}`, `a"bA`},
		{`{"model":"` + strings.Repeat("x", maxModelLen+1) + `"}`, metrics.OverflowValue},
		{`{"model":"` + strings.Repeat("x", maxModelLen) + `"}`, strings.Repeat("x", maxModelLen)},
		{`{"model":""}`, ""},
		{`{"model":5,"choices":[{"message":{"model":"evil"}}]}`, ""},
		{`{"x":{"model":"evil"},"model":"m"}`, "m"},
		{"\xEF\xBB\xBF{\"model\":\"bom\"}", "bom"}, // a byte order mark first
	} {
		if r := whole(chatCompletions, frameJSON, tc.body); r.model != tc.want {
			t.Errorf("%.60s: model %q, want %q", tc.body, r.model, tc.want)
		}
	}
}

// BenchmarkUsageReader is the reader alone over a 200 KB Chat Completions
// stream, one event per call, as a provider's flushed events arrive.
func BenchmarkUsageReader(b *testing.B) {
	var events [][]byte
	size := 0
	for n := 0; size < 200<<10; n++ {
		ev := fmt.Appendf(nil, `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1741569952,`+
			`"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"tok%d "},`+
			`"logprobs":null,"finish_reason":null}],"usage":null}`+"\n\n", n)
		events = append(events, ev)
		size += len(ev)
	}
	b.SetBytes(int64(size))
	b.ReportAllocs()
	for b.Loop() {
		r := newUsageReader(chatCompletions, frameSSE)
		for _, ev := range events {
			r.scan(ev)
		}
	}
}

// TestGenerationOddPaths: a path that is one segment with a method, as a
// hand-made request may have, is no call that generates, and no panic.
func TestGenerationOddPaths(t *testing.T) {
	for _, path := range []string{"m:generateContent", ":", "", "/"} {
		req := &http.Request{Method: http.MethodPost, URL: &url.URL{Path: path}}
		if f, _, ok := generation(req); ok || f != nil {
			t.Errorf("POST %q: a call that generates", path)
		}
	}
}
