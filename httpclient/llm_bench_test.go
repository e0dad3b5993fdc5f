package httpclient_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/genapp-go/genapp/httpclient"
)

// openAIStream is a Chat Completions stream of about size bytes: chunks of
// one short token each, then the usage chunk and [DONE], as a server sends
// it with stream_options.include_usage. It returns the events one by one.
func openAIStream(size int) [][]byte {
	var events [][]byte
	for n, total := 0, 0; total < size; n++ {
		ev := fmt.Appendf(nil, `data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1741569952,`+
			`"model":"gpt-4o-mini-2024-07-18","system_fingerprint":"fp_1","choices":[{"index":0,"delta":{"content":"tok%d "},`+
			`"logprobs":null,"finish_reason":null}],"usage":null}`+"\n\n", n)
		events = append(events, ev)
		total += len(ev)
	}
	return append(events,
		[]byte(`data: {"id":"chatcmpl-bench","object":"chat.completion.chunk","created":1741569952,"model":"gpt-4o-mini-2024-07-18",`+
			`"choices":[],"usage":{"prompt_tokens":19,"completion_tokens":800,"total_tokens":819}}`+"\n\n"),
		[]byte("data: [DONE]\n\n"))
}

// geminiStream is a streamGenerateContent answer (alt=sse) of about size
// bytes, with usageMetadata in every chunk, as Gemini sends it.
func geminiStream(size int) [][]byte {
	var events [][]byte
	for n, total := 0, 0; total < size; n++ {
		ev := fmt.Appendf(nil, `data: {"candidates": [{"content": {"parts": [{"text": "tok%d "}],"role": "model"},"index": 0}],`+
			`"usageMetadata": {"promptTokenCount": 9,"candidatesTokenCount": %d,"totalTokenCount": %d},"modelVersion": "gemini-2.0-flash"}`+"\r\n\r\n",
			n, n+1, n+10)
		events = append(events, ev)
		total += len(ev)
	}
	return events
}

// rateLimitHeaders are the rate-limit headers OpenAI sends with every
// answer.
var rateLimitHeaders = map[string]string{
	"X-Ratelimit-Limit-Requests": "10000", "X-Ratelimit-Remaining-Requests": "9999",
	"X-Ratelimit-Limit-Tokens": "30000000", "X-Ratelimit-Remaining-Tokens": "29999000",
	"X-Ratelimit-Reset-Requests": "6ms", "X-Ratelimit-Reset-Tokens": "0s",
}

// streamHeader is the header of a streamed answer.
func streamHeader() http.Header {
	h := http.Header{"Content-Type": {"text/event-stream"}}
	for k, v := range rateLimitHeaders {
		h.Set(k, v)
	}
	return h
}

// streamServer writes events as a provider streams them: each one flushed.
func streamServer(tb testing.TB, events [][]byte) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range streamHeader() {
			w.Header()[k] = v
		}
		for _, ev := range events {
			if _, err := w.Write(ev); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		}
	}))
	tb.Cleanup(srv.Close)
	return srv
}

// BenchmarkLLMStream is a 200 KB streamed answer over loopback HTTP through
// NewLLM, with usage reading on and off: the cost of reading it, pricing
// it (the model is in the embedded price table) and reading the rate-limit
// headers.
func BenchmarkLLMStream(b *testing.B) {
	srv := streamServer(b, openAIStream(200<<10))
	for _, on := range []bool{true, false} {
		b.Run("usage="+onOff(on), func(b *testing.B) {
			c := httpclient.NewLLM(httpclient.WithMetrics(newMetrics(b)), httpclient.WithLLMUsage(on))
			b.ReportAllocs()
			for b.Loop() {
				resp, err := c.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"gpt-4o-mini","stream":true}`))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := io.Copy(io.Discard, resp.Body); err != nil {
					b.Fatal(err)
				}
				resp.Body.Close()
			}
		})
	}
}

// eventsBody returns the events one per Read, as a stream delivers them.
type eventsBody struct {
	events [][]byte
	i, off int
}

func (e *eventsBody) Read(p []byte) (int, error) {
	if e.i == len(e.events) {
		return 0, io.EOF
	}
	n := copy(p, e.events[e.i][e.off:])
	if e.off += n; e.off == len(e.events[e.i]) {
		e.i, e.off = e.i+1, 0
	}
	return n, nil
}

func (e *eventsBody) Close() error { return nil }

// BenchmarkLLMStreamCPU is the same answer from memory, one event per Read:
// the CPU that reading usage costs without the network, and the
// allocations per response, for 20 KB and 200 KB.
func BenchmarkLLMStreamCPU(b *testing.B) {
	for _, size := range []int{20 << 10, 200 << 10} {
		events := openAIStream(size)
		base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusOK, Header: streamHeader(), Body: &eventsBody{events: events}, Request: r}, nil
		})
		for _, on := range []bool{true, false} {
			b.Run(fmt.Sprintf("size=%dKB/usage=%s", size>>10, onOff(on)), func(b *testing.B) {
				c := httpclient.NewLLM(httpclient.WithBase(base), httpclient.WithMetrics(newMetrics(b)), httpclient.WithLLMUsage(on))
				b.ReportAllocs()
				for b.Loop() {
					resp, err := c.Post("http://llm.test/v1/chat/completions", "application/json", strings.NewReader(`{"model":"gpt-4o-mini","stream":true}`))
					if err != nil {
						b.Fatal(err)
					}
					if _, err := io.Copy(io.Discard, resp.Body); err != nil {
						b.Fatal(err)
					}
					resp.Body.Close()
				}
			})
		}
	}
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
