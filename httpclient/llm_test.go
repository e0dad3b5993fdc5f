package httpclient_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
)

// writePieces writes body in pieces of 1 to 17 bytes, flushing each, so
// that the client reads keys and values cut at arbitrary places.
func writePieces(w http.ResponseWriter, body []byte, seed uint64) {
	rnd := rand.New(rand.NewPCG(seed, 7))
	f := w.(http.Flusher)
	for len(body) > 0 {
		n := min(1+rnd.IntN(17), len(body))
		if _, err := w.Write(body[:n]); err != nil {
			return
		}
		f.Flush()
		body = body[n:]
	}
}

// fakeProvider answers every request with body, as contentType, in small
// pieces.
func fakeProvider(t *testing.T, contentType string, body []byte) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", contentType)
		writePieces(w, body, uint64(len(r.URL.Path)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

func contentTypeOf(file string) string {
	if strings.HasSuffix(file, ".sse") {
		return "text/event-stream; charset=utf-8"
	}
	return "application/json"
}

// llmLabels are the shared labels of the series of a call.
func llmLabels(model, provider, baseURL string) promtest.Labels {
	return promtest.Labels{"app": "testapp", "env": "dev", "agent_name": "", "tool_name": "", "is_fallback": "false",
		"model_name": model, "provider_name": provider, "base_url": baseURL}
}

func with(l promtest.Labels, k, v string) promtest.Labels {
	out := promtest.Labels{k: v}
	for lk, lv := range l {
		out[lk] = lv
	}
	return out
}

// checkUsage asserts the exact counts of one recorded answer with usage u.
func checkUsage(t *testing.T, e *promtest.Exposition, l promtest.Labels, u metrics.LLMUsage, streamed bool) {
	t.Helper()
	if got := e.Counter(t, "genapp_llm_requests_total", l); got != 1 {
		t.Errorf("requests = %v, want 1", got)
	}
	types := map[string]int64{"input": u.Input, "output": u.Output, "cached_input": u.CachedInput, "reasoning": u.Reasoning}
	for typ, n := range types {
		if n == 0 && (typ == "cached_input" || typ == "reasoning") {
			if s := e.Find("genapp_llm_tokens_total", with(l, "token_type", typ)); len(s) != 0 {
				t.Errorf("tokens{%s} recorded, the answer reports none", typ)
			}
			continue
		}
		if got := e.Counter(t, "genapp_llm_tokens_total", with(l, "token_type", typ)); got != float64(n) {
			t.Errorf("tokens{%s} = %v, want %d", typ, got, n)
		}
		if count, sum := e.Histogram(t, "genapp_llm_request_tokens", with(l, "token_type", typ)); count != 1 || sum != float64(n) {
			t.Errorf("request_tokens{%s} = %d, %v; want 1, %d", typ, count, sum, n)
		}
	}
	if count, sum := e.Histogram(t, "genapp_llm_request_all_tokens", l); count != 1 || sum != float64(u.Input+u.Output) {
		t.Errorf("request_all_tokens = %d, %v; want 1, %d", count, sum, u.Input+u.Output)
	}
	ttft := e.Find("genapp_llm_time_to_first_token_sec", l)
	if streamed != (len(ttft) == 1 && ttft[0].GetHistogram().GetSampleCount() == 1) {
		t.Errorf("time to first token: %d series, want one observation: %v", len(ttft), streamed)
	}
}

// TestLLMUsageOverHTTP: each format of each provider, written by a server in
// pieces of 1 to 17 bytes, is read by the caller byte for byte and recorded
// with its exact counts; the Gemini key in the query string is in no label.
func TestLLMUsageOverHTTP(t *testing.T) {
	for _, a := range httpclient.ProviderAnswers {
		t.Run(a.File, func(t *testing.T) {
			body := httpclient.ReadAnswer(t, a.File)
			srv := fakeProvider(t, contentTypeOf(a.File), body)
			m := newMetrics(t)
			c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMProvider("fake"))
			req, _ := http.NewRequest(http.MethodPost, srv.URL+a.Path, strings.NewReader(`{"model":"requested"}`))
			readWhole(t, c, req, body)
			e := scrape(t, m)
			base := srv.URL + a.Path[:strings.Index(a.Path[1:], "/")+1]
			checkUsage(t, e, llmLabels(a.Model, "fake", base), a.Usage, a.Output)
			if strings.Contains(e.Text, httpclient.GeminiKey) {
				t.Errorf("the API key is in the exposition:\n%s", e.Text)
			}
			if n := e.Series(requestsTotal); n != 1 {
				t.Errorf("%d genapp_http_requests_total series, want 1", n)
			}
		})
	}
}

// TestLLMLabelsFromContext: agent, tool and fallback of the request's
// context; known providers named by host, others by WithLLMProvider;
// base_url without user info, query string, ids or a key in the path.
func TestLLMLabelsFromContext(t *testing.T) {
	body := httpclient.ReadAnswer(t, "openai_chat.json")
	srv := fakeProvider(t, "application/json", body)
	m := newMetrics(t)
	// The base transport sends every request to srv, whatever its host.
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		r2 := r.Clone(r.Context())
		r2.URL.Scheme, r2.URL.Host, r2.Host = "http", strings.TrimPrefix(srv.URL, "http://"), ""
		return http.DefaultTransport.RoundTrip(r2)
	})
	c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithBase(base), httpclient.WithLLMProvider("unused"))
	ctx := metrics.WithLLMFallback(metrics.WithLLMTool(metrics.WithLLMAgent(context.Background(), "support_agent"), "search_tool"), true)
	for _, url := range []string{
		"https://user:pass@api.openai.com/v1/chat/completions",
		"https://my-res.openai.azure.com/openai/deployments/gpt4o/chat/completions?api-version=2024-10-21",
		"https://gateway.test/v1/users/42/sk-proj-Abc123def456GHI789jkl0/chat/completions",
		"https://gateway.test/key/sk-proj-9aK3bX7qLm2Zp8Rt4Wv6Yc1Nd5Hf0Gj/v1/chat/completions",
	} {
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, url, strings.NewReader(`{}`))
		exchange(t, c, req)
	}
	e := scrape(t, m)
	for provider, baseURL := range map[string]string{
		"openai":       "https://api.openai.com/v1",
		"azure_openai": "https://my-res.openai.azure.com/openai/deployments/gpt4o",
		"unused":       "https://gateway.test/v1/users/{int}/{key}", // a key in the path is not a label
	} {
		if provider == "unused" {
			l := llmLabels("gpt-4o-2024-08-06", provider, "https://gateway.test/key/{key}/v1")
			l["agent_name"], l["tool_name"], l["is_fallback"] = "support_agent", "search_tool", "true"
			checkUsage(t, e, l, metrics.LLMUsage{Input: 1117, Output: 46, CachedInput: 1024}, false)
		}
		l := llmLabels("gpt-4o-2024-08-06", provider, baseURL)
		l["agent_name"], l["tool_name"], l["is_fallback"] = "support_agent", "search_tool", "true"
		checkUsage(t, e, l, metrics.LLMUsage{Input: 1117, Output: 46, CachedInput: 1024}, false)
	}
	if strings.Contains(e.Text, "pass") || strings.Contains(e.Text, "api-version") || strings.Contains(e.Text, "def456") ||
		strings.Contains(e.Text, "Zp8Rt4") || strings.Contains(e.Text, "sk-proj") {
		t.Errorf("user info or query string in the exposition:\n%s", e.Text)
	}
}

// TestLLMNothingToRead: an answer in no known format, an error status, a
// call that does not generate (a GET of a stored answer, a POST elsewhere)
// and a client with usage reading off record nothing in genapp_llm_* and
// everything in genapp_http_*; WithLLMUsage(true) turns reading on for
// another app type.
func TestLLMNothingToRead(t *testing.T) {
	known := httpclient.ReadAnswer(t, "openai_chat.json")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/unknown/"):
			io.WriteString(w, `{"answer":"42","tokens":7}`)
		case strings.HasPrefix(r.URL.Path, "/error/"):
			w.WriteHeader(http.StatusTooManyRequests)
			w.Write(known) // a success's body with an error status is not an answer
		default:
			w.Write(known)
		}
	}))
	defer srv.Close()
	m := newMetrics(t)
	for _, c := range []*http.Client{
		httpclient.NewLLM(httpclient.WithMetrics(m)),
		httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMUsage(false)),
	} {
		post(t, c, srv.URL+"/unknown/v1/chat/completions")
		post(t, c, srv.URL+"/error/v1/chat/completions")
		get(t, c, srv.URL+"/v1/chat/completions") // the list of stored completions
		get(t, c, srv.URL+"/v1/responses/resp_1") // a stored response
		post(t, c, srv.URL+"/v1/messages/count_tokens")
	}
	post(t, httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMUsage(false)), srv.URL+"/v1/chat/completions")
	post(t, httpclient.New(httpclient.WithMetrics(m)), srv.URL+"/v1/chat/completions")
	e := scrape(t, m)
	checkNoLLM(t, e)
	if got := e.Sum(requestsTotal, nil); got != 12 {
		t.Errorf("%v HTTP exchanges recorded, want 12", got)
	}

	post(t, httpclient.New(httpclient.WithMetrics(m), httpclient.WithLLMUsage(true)), srv.URL+"/v1/chat/completions")
	e = scrape(t, m)
	if got := e.Counter(t, "genapp_llm_requests_total", nil); got != 1 {
		t.Errorf("WithLLMUsage(true): %v requests, want 1", got)
	}
}

// TestLLMCloseMidStream: a stream closed by another goroutine while the
// caller reads records once, what was read until then, race-free.
func TestLLMCloseMidStream(t *testing.T) {
	body := httpclient.ReadAnswer(t, "anthropic_stream.sse")
	cut := bytes.Index(body, []byte("event: content_block_delta"))
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Write(body[:cut])
		w.(http.Flusher).Flush()
		blockUntilDone(r)
	}))
	defer srv.Close()
	m := newMetrics(t)
	resp, err := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMProvider("fake")).
		Post(srv.URL+"/v1/messages", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.ReadFull(resp.Body, make([]byte, cut)); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		io.Copy(io.Discard, resp.Body) // fails once the body is closed
	}()
	resp.Body.Close()
	<-done
	e := scrape(t, m)
	l := llmLabels("claude-haiku-4-5-20251001", "fake", srv.URL+"/v1")
	if got := e.Counter(t, "genapp_llm_requests_total", l); got != 1 {
		t.Errorf("requests = %v, want 1", got)
	}
	if got := e.Counter(t, "genapp_llm_tokens_total", with(l, "token_type", "input")); got != 622 {
		t.Errorf("input tokens = %v, want the 622 of message_start", got)
	}
	if got := e.Counter(t, "genapp_llm_tokens_total", with(l, "token_type", "output")); got != 2 {
		t.Errorf("output tokens = %v, want the 2 of message_start", got)
	}
	if n := e.Series("genapp_llm_time_to_first_token_sec"); n != 0 {
		t.Errorf("time to first token recorded before any output")
	}
}

// TestLLMRequestedModel: an answer that names no model (some compatible
// servers) is recorded under the model its request named: the top-level
// "model" of the body, read as the transport sends it, after a megabyte of
// messages too, with GetBody or without; never a "model" inside a message
// or a tool's schema.
func TestLLMRequestedModel(t *testing.T) {
	srv := fakeProvider(t, "application/json", []byte(`{"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1}}`))
	m := newMetrics(t)
	c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMProvider("fake"))
	image := strings.Repeat("A", 2<<20)
	body := `{"messages":[{"role":"user","content":[{"type":"text","text":"say \"model\": \"fake\""},` +
		`{"type":"image_url","image_url":{"url":"data:image/png;base64,` + image + `"}}]}],` +
		`"tools":[{"parameters":{"model":{"type":"string"}}}],"model":"qwen2.5-7b"}`
	for _, r := range []io.Reader{strings.NewReader(body), opaqueReader{strings.NewReader(body)}} {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/chat/completions", r)
		exchange(t, c, req)
	}
	e := scrape(t, m)
	if got := e.Counter(t, "genapp_llm_requests_total", llmLabels("qwen2.5-7b", "fake", srv.URL+"/v1")); got != 2 {
		t.Errorf("%v requests of qwen2.5-7b, want 2:\n%s", got, e.Text)
	}
}

// TestLLMRequestedModelRewound: a body the transport starts sending, then
// sends again whole on a new connection, is read again from its start.
func TestLLMRequestedModelRewound(t *testing.T) {
	const answer = `{"choices":[],"usage":{"prompt_tokens":4,"completion_tokens":1}}`
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		io.ReadFull(r.Body, make([]byte, 11)) // `{"model":"q`, then the connection "dies"
		r.Body.Close()
		body, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		io.Copy(io.Discard, body)
		body.Close()
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
			Body: io.NopCloser(strings.NewReader(answer)), Request: r}, nil
	})
	m := newMetrics(t)
	c := httpclient.NewLLM(httpclient.WithBase(base), httpclient.WithMetrics(m), httpclient.WithLLMProvider("fake"))
	req, _ := http.NewRequest(http.MethodPost, "http://llm.test/v1/chat/completions", strings.NewReader(`{"model":"qwen2.5-7b"}`))
	exchange(t, c, req)
	e := scrape(t, m)
	if got := e.Counter(t, "genapp_llm_requests_total", llmLabels("qwen2.5-7b", "fake", "http://llm.test/v1")); got != 1 {
		t.Errorf("%v requests of qwen2.5-7b, want 1:\n%s", got, e.Text)
	}
}

// TestLLMRateLimits: the rate-limit gauges of a model equal the headers of
// the last answer to a request for it, in the order answers arrive, an
// error's included; headers that are not counts are ignored, and a
// provider that sends none has none.
func TestLLMRateLimits(t *testing.T) {
	type answer struct {
		status  int
		headers map[string]string
		body    string
	}
	var mu sync.Mutex
	answers := map[string]answer{
		"/openai/v1/chat/completions": {200, map[string]string{
			"x-ratelimit-limit-requests": "10000", "x-ratelimit-remaining-requests": "9999",
			"x-ratelimit-limit-tokens": "30000000", "x-ratelimit-remaining-tokens": "29999000",
			"x-ratelimit-reset-requests": "6ms", "x-ratelimit-reset-tokens": "0s",
		}, `{"model":"gpt-4o-2024-08-06","usage":{"prompt_tokens":10,"completion_tokens":5}}`},
		"/openaierr/v1/chat/completions": {429, map[string]string{
			"x-ratelimit-limit-requests": "10000", "x-ratelimit-remaining-requests": "0",
			"x-ratelimit-limit-tokens": "abc", "x-ratelimit-remaining-tokens": "-5",
		}, `{"error":{"message":"Rate limit reached","type":"requests"}}`},
		"/anthropic/v1/messages": {200, map[string]string{
			"anthropic-ratelimit-requests-limit": "50", "anthropic-ratelimit-requests-remaining": "49",
			"anthropic-ratelimit-input-tokens-limit": "40000", "anthropic-ratelimit-input-tokens-remaining": "39000",
			"anthropic-ratelimit-output-tokens-limit": "8000", "anthropic-ratelimit-output-tokens-remaining": "1e3",
			"anthropic-ratelimit-tokens-remaining": "99999999999999999999",
		}, `{"model":"claude-sonnet-4-5-20250929","usage":{"input_tokens":10,"output_tokens":5}}`},
		"/gemini/v1beta/models/gemini-2.5-flash:generateContent": {200, nil,
			`{"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5},"modelVersion":"gemini-2.5-flash"}`},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		mu.Lock()
		a := answers[r.URL.Path]
		mu.Unlock()
		for k, v := range a.headers {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(a.status)
		io.WriteString(w, a.body)
	}))
	defer srv.Close()
	m := newMetrics(t)
	c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMProvider("fake"))
	call := func(path, model string) {
		req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(`{"model":"`+model+`"}`))
		exchange(t, c, req)
	}
	call("/openai/v1/chat/completions", "gpt-4o")
	call("/openaierr/v1/chat/completions", "gpt-4o")
	call("/anthropic/v1/messages", "claude-sonnet-4-5")
	call("/gemini/v1beta/models/gemini-2.5-flash:generateContent", "")
	e := scrape(t, m)
	gauge := func(name, prefix, model, limit string) []float64 {
		var v []float64
		for _, s := range e.Find(name, promtest.Labels{"base_url": srv.URL + prefix, "model_name": model, "limit": limit, "provider_name": "fake"}) {
			v = append(v, s.GetGauge().GetValue())
		}
		return v
	}
	for _, tc := range []struct {
		prefix, model, limit string
		remaining, max       []float64
	}{
		{"/openai/v1", "gpt-4o", "requests", []float64{9999}, []float64{10000}}, // the model requested, not the one that answered
		{"/openai/v1", "gpt-4o", "tokens", []float64{29999000}, []float64{30000000}},
		{"/openaierr/v1", "gpt-4o", "requests", []float64{0}, []float64{10000}},
		{"/openaierr/v1", "gpt-4o", "tokens", nil, nil},
		{"/anthropic/v1", "claude-sonnet-4-5", "requests", []float64{49}, []float64{50}},
		{"/anthropic/v1", "claude-sonnet-4-5", "input_tokens", []float64{39000}, []float64{40000}},
		{"/anthropic/v1", "claude-sonnet-4-5", "output_tokens", nil, []float64{8000}},
		{"/anthropic/v1", "claude-sonnet-4-5", "tokens", nil, nil},
	} {
		if got := gauge("genapp_llm_ratelimit_remaining", tc.prefix, tc.model, tc.limit); !slices.Equal(got, tc.remaining) {
			t.Errorf("%s %s remaining %v, want %v", tc.prefix, tc.limit, got, tc.remaining)
		}
		if got := gauge("genapp_llm_ratelimit_limit", tc.prefix, tc.model, tc.limit); !slices.Equal(got, tc.max) {
			t.Errorf("%s %s limit %v, want %v", tc.prefix, tc.limit, got, tc.max)
		}
	}
	if n := len(e.Find("genapp_llm_ratelimit_remaining", promtest.Labels{"model_name": "gemini-2.5-flash"})); n != 0 {
		t.Errorf("%d rate-limit series for a provider that sends no header", n)
	}

	// A 429 and then a success on one series: the last answer's headers.
	answers["/openaierr/v1/chat/completions"] = answers["/openai/v1/chat/completions"]
	call("/openaierr/v1/chat/completions", "gpt-4o")
	e = scrape(t, m)
	if got := gauge("genapp_llm_ratelimit_remaining", "/openaierr/v1", "gpt-4o", "requests"); !slices.Equal(got, []float64{9999}) {
		t.Errorf("remaining requests after a 429 and a success %v, want 9999", got)
	}
}

// TestLLMRateLimitsInArrivalOrder: a long stream that began before a short
// call of the same model and ends after it does not overwrite the short
// call's newer headers: the gauges are set when the headers arrive.
func TestLLMRateLimitsInArrivalOrder(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		if calls.Add(1) == 1 { // the long stream
			w.Header().Set("x-ratelimit-remaining-tokens", "100000")
			w.WriteHeader(200)
			io.WriteString(w, `data: {"model":"m","choices":[{"delta":{"content":"a"}}]}`+"\n\n")
			w.(http.Flusher).Flush()
			<-release
		} else {
			w.Header().Set("x-ratelimit-remaining-tokens", "500")
			w.WriteHeader(200)
		}
		io.WriteString(w, `data: {"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":2}}`+"\n\ndata: [DONE]\n\n")
	}))
	defer srv.Close()
	m := newMetrics(t)
	c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMProvider("fake"))
	long, err := c.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m"}`))
	if err != nil {
		t.Fatal(err)
	}
	short, _ := http.NewRequest(http.MethodPost, srv.URL+"/v1/chat/completions", strings.NewReader(`{"model":"m"}`))
	exchange(t, c, short)
	close(release)
	io.Copy(io.Discard, long.Body)
	long.Body.Close()
	e := scrape(t, m)
	if got := e.Find("genapp_llm_ratelimit_remaining", promtest.Labels{"limit": "tokens"}); len(got) != 1 || got[0].GetGauge().GetValue() != 500 {
		t.Errorf("remaining tokens %v, want the 500 of the last answer to arrive:\n%s", got, e.Text)
	}
}

// TestCaptureLLMCall: the labels a call was recorded under reach the
// caller, so that an error recorded by hand lands on the call's series.
func TestCaptureLLMCall(t *testing.T) {
	srv := fakeProvider(t, "text/event-stream", httpclient.ReadAnswer(t, "anthropic_stream.sse"))
	m := newMetrics(t)
	c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMProvider("fake"))
	ctx, call := httpclient.CaptureLLMCall(metrics.WithLLMAgent(context.Background(), "support_agent"))
	if _, ok := call(); ok {
		t.Fatal("a call captured before any was made")
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/v1/messages", strings.NewReader(`{}`))
	exchange(t, c, req)
	got, ok := call()
	want := metrics.LLMCall{Model: "claude-haiku-4-5-20251001", Provider: "fake", BaseURL: srv.URL + "/v1"}
	if !ok || got != want {
		t.Fatalf("captured %+v, %v; want %+v", got, ok, want)
	}
	m.RecordLLMError(ctx, got, "validation")
	e := scrape(t, m)
	l := llmLabels(want.Model, "fake", want.BaseURL)
	l["agent_name"] = "support_agent"
	if e.Counter(t, "genapp_llm_requests_total", l) != 1 || e.Counter(t, "genapp_llm_errors_total", with(l, "name", "validation")) != 1 {
		t.Errorf("the error is not on the call's series:\n%s", e.Text)
	}
}

// TestLLMTimePerOutputToken: a streamed answer records the time from its
// first output to its end per output token after the first, so that the
// time to first token and the 4 tokens after it span the whole answer,
// which the server's pause lengthens; a JSON answer records none.
func TestLLMTimePerOutputToken(t *testing.T) {
	const pause = 200 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/json/v1/chat/completions" {
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}`)
			return
		}
		w.Header().Set("Content-Type", "text/event-stream")
		io.WriteString(w, `data: {"model":"m","choices":[{"delta":{"content":"a"}}]}`+"\n\n")
		w.(http.Flusher).Flush()
		time.Sleep(pause)
		io.WriteString(w, `data: {"model":"m","choices":[],"usage":{"prompt_tokens":3,"completion_tokens":5}}`+"\n\ndata: [DONE]\n\n")
	}))
	defer srv.Close()
	m := newMetrics(t)
	c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMProvider("fake"))
	start := time.Now()
	post(t, c, srv.URL+"/v1/chat/completions")
	elapsed := time.Since(start)
	post(t, c, srv.URL+"/json/v1/chat/completions")
	e := scrape(t, m)
	l := llmLabels("m", "fake", srv.URL+"/v1")
	count, tpot := e.Histogram(t, "genapp_llm_time_per_output_token_sec", l)
	_, ttft := e.Histogram(t, "genapp_llm_time_to_first_token_sec", l)
	if span := ttft + 4*tpot; count != 1 || span < pause.Seconds() || span > elapsed.Seconds() {
		t.Errorf("time per output token: %d observations, %v s; with the time to first token %v s they span %v s, want one spanning %v to %v s",
			count, tpot, ttft, span, pause.Seconds(), elapsed.Seconds())
	}
	if n := len(e.Find("genapp_llm_time_per_output_token_sec", llmLabels("m", "fake", srv.URL+"/json/v1"))); n != 0 {
		t.Errorf("a JSON answer recorded a time per output token")
	}
}

// TestLLMTimePerOutputTokenCutStream: a stream closed by the caller after
// some output records the time per token until its last bytes received,
// not until the Close.
func TestLLMTimePerOutputTokenCutStream(t *testing.T) {
	const chunk = `data: {"candidates":[{"content":{"parts":[{"text":"x"}]}}],"usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":%d},"modelVersion":"g"}` + "\n\n"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "text/event-stream")
		for n := 1; n <= 3; n++ {
			fmt.Fprintf(w, chunk, n)
		}
		w.(http.Flusher).Flush()
		blockUntilDone(r)
	}))
	defer srv.Close()
	m := newMetrics(t)
	c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMProvider("fake"))
	start := time.Now()
	resp, err := c.Post(srv.URL+"/v1beta/models/g:streamGenerateContent?alt=sse", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	want := len(fmt.Sprintf(chunk, 1)) * 3
	if _, err := io.ReadFull(resp.Body, make([]byte, want)); err != nil {
		t.Fatal(err)
	}
	read := time.Since(start)
	time.Sleep(300 * time.Millisecond)
	resp.Body.Close()
	e := scrape(t, m)
	l := llmLabels("g", "fake", srv.URL+"/v1beta")
	count, tpot := e.Histogram(t, "genapp_llm_time_per_output_token_sec", l)
	_, ttft := e.Histogram(t, "genapp_llm_time_to_first_token_sec", l)
	if span := ttft + 2*tpot; count != 1 || span > read.Seconds() {
		t.Errorf("time per output token: %d observations; with the time to first token they span %v s, more than the %v s until the last bytes were read",
			count, span, read.Seconds())
	}
}
