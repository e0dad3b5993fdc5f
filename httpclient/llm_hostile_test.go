package httpclient_test

import (
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
)

// memProvider is a base transport that answers from body, a fresh reader
// per request, as contentType.
func memProvider(contentType string, body func() io.Reader) http.RoundTripper {
	return roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {contentType}},
			Body: io.NopCloser(body()), Request: r}, nil
	})
}

// repeatReader is n bytes of b, without holding them.
type repeatReader struct {
	b byte
	n int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n <= 0 {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), r.n)]
	for i := range p {
		p[i] = r.b
	}
	r.n -= int64(len(p))
	return len(p), nil
}

// readCounting reads resp's body to the end, returning how many bytes it
// had, and its last 200.
func readCounting(t *testing.T, c *http.Client, url string) (int64, string) {
	t.Helper()
	resp, err := c.Post(url, "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var tail bytes.Buffer
	n, err := io.Copy(writerFunc(func(p []byte) {
		tail.Write(p)
		if tail.Len() > 400 {
			tail.Next(tail.Len() - 200)
		}
	}), resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	s := tail.String()
	return n, s[max(len(s)-200, 0):]
}

type writerFunc func([]byte)

func (w writerFunc) Write(p []byte) (int, error) { w(p); return len(p), nil }

// TestLLMHugeBodies: a 100 MB answer (one string of 100 MB) and an event
// stream with a 1 MB line reach the caller whole, their usage is read, and
// reading costs the same memory as for a small answer.
func TestLLMHugeBodies(t *testing.T) {
	const huge = 100 << 20
	const usage = `"}}],"usage":{"prompt_tokens":7,"completion_tokens":9}}`
	jsonBody := func() io.Reader {
		return io.MultiReader(strings.NewReader(`{"model":"gpt-huge","choices":[{"message":{"content":"`),
			&repeatReader{'a', huge}, strings.NewReader(usage))
	}
	line := `data: {"model":"gpt-line","choices":[{"delta":{"content":"`
	sseBody := func() io.Reader {
		return io.MultiReader(strings.NewReader(line), &repeatReader{'b', 1 << 20}, strings.NewReader(`"}}]}`+"\n\n"),
			strings.NewReader(`data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}`+"\n\ndata: [DONE]\n\n"))
	}
	m := newMetrics(t)
	for _, tc := range []struct {
		name, contentType, model string
		body                     func() io.Reader
		size                     int64
		in, out                  float64
	}{
		{"100 MB JSON", "application/json", "gpt-huge", jsonBody, int64(len(`{"model":"gpt-huge","choices":[{"message":{"content":"`)) + huge + int64(len(usage)), 7, 9},
		{"1 MB line", "text/event-stream", "gpt-line", sseBody, -1, 3, 4},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithBase(memProvider(tc.contentType, tc.body)))
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			n, tail := readCounting(t, c, "http://llm.test/v1/chat/completions")
			runtime.ReadMemStats(&after)
			if tc.size >= 0 && n != tc.size {
				t.Errorf("the caller read %d bytes, want %d", n, tc.size)
			}
			if !strings.HasSuffix(tail, "}") && !strings.HasSuffix(tail, "\n\n") {
				t.Errorf("the answer's end is not what the server sent: %q", tail)
			}
			// The caller's own io.Copy buffer and the exchange: well under
			// a megabyte, whatever the body's size.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
				t.Errorf("reading a %d-byte answer allocated %d bytes", n, alloc)
			}
			e := scrape(t, m)
			l := llmLabels(tc.model, "llm.test", "http://llm.test/v1")
			if got := e.Counter(t, "genapp_llm_tokens_total", with(l, "token_type", "input")); got != tc.in {
				t.Errorf("input tokens %v, want %v", got, tc.in)
			}
			if got := e.Counter(t, "genapp_llm_tokens_total", with(l, "token_type", "output")); got != tc.out {
				t.Errorf("output tokens %v, want %v", got, tc.out)
			}
		})
	}
}

// TestLLMMalformedAnswers: broken usage objects, truncated answers, a model
// name of a megabyte and invalid UTF-8 never panic, reach the caller as
// sent, and record no token count that was not reported whole.
func TestLLMMalformedAnswers(t *testing.T) {
	for _, tc := range []struct {
		name, body string
		model      string // "" when no request is recorded
		input      float64
		tokens     bool
		rejected   string // the reason the usage is rejected
	}{
		{"usage not numbers", `{"model":"m1","usage":{"prompt_tokens":"many","completion_tokens":2}}`, "m1", 0, false, metrics.LLMRejectNotANumber},
		{"usage out of range", `{"model":"m2","usage":{"prompt_tokens":1e400,"completion_tokens":2}}`, "m2", 0, false, metrics.LLMRejectNotInteger},
		{"usage an array", `{"model":"m3","usage":[1,2]}`, "m3", 0, false, ""},
		{"usage unbalanced", `{"model":"m4","usage":{"prompt_tokens":5,"x":{{{{{`, "m4", 0, false, ""},
		{"usage truncated", `{"model":"m5","usage":{"prompt_tokens":5,"completion_tok`, "m5", 0, false, ""},
		{"usage nested 100k deep", `{"model":"m6","usage":{"a":` + strings.Repeat("[", 100_000), "m6", 0, false, ""},
		{"negative counts", `{"model":"m7","usage":{"prompt_tokens":-5,"completion_tokens":3}}`, "m7", 0, false, metrics.LLMRejectNegative},
		{"10^18 tokens", `{"model":"m8","usage":{"prompt_tokens":1000000000000000000,"completion_tokens":3}}`, "m8", 0, false, metrics.LLMRejectTooLarge},
		{"a megabyte of model name", `{"model":"` + strings.Repeat("x", 1<<20) + `","usage":{"prompt_tokens":1,"completion_tokens":1}}`, metrics.OverflowValue, 1, true, ""},
		{"invalid UTF-8", "{\"model\":\"gpt\xff\xfe\",\"usage\":{\"prompt_tokens\":2,\"completion_tokens\":1}}", "gpt\uFFFD", 2, true, ""},
		{"not JSON at all", "\x00\x01\xff<html>usage model</html>", "", 0, false, ""},
		{"a key inside a string", `{"text":"\"usage\":{\"prompt_tokens\":5}, \"model\":\"fake\""}`, "", 0, false, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMetrics(t)
			c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithBase(
				memProvider("application/json", func() io.Reader { return strings.NewReader(tc.body) })))
			_, got := post(t, c, "http://llm.test/v1/chat/completions")
			if got != tc.body {
				t.Fatalf("the caller read %d bytes that differ from the %d sent", len(got), len(tc.body))
			}
			e := scrape(t, m)
			if tc.model == "" {
				if n := e.Series("genapp_llm_requests_total"); n != 0 {
					t.Fatalf("recorded an answer with no model and no usage:\n%s", e.Text)
				}
				return
			}
			l := llmLabels(tc.model, "llm.test", "http://llm.test/v1")
			if got := e.Counter(t, "genapp_llm_requests_total", l); got != 1 {
				t.Errorf("requests %v, want 1", got)
			}
			if n := len(e.Find("genapp_llm_tokens_total", nil)); (n > 0) != tc.tokens {
				t.Fatalf("%d token series, want tokens recorded: %v\n%s", n, tc.tokens, e.Text)
			}
			if tc.tokens {
				if got := e.Counter(t, "genapp_llm_tokens_total", with(l, "token_type", "input")); got != tc.input {
					t.Errorf("input tokens %v, want %v", got, tc.input)
				}
			}
			if tc.rejected == "" {
				if n := e.Series("genapp_llm_usage_rejected_total"); n != 0 {
					t.Errorf("usage rejected:\n%s", e.Text)
				}
			} else if got := e.Counter(t, "genapp_llm_usage_rejected_total", with(l, "reason", tc.rejected)); got != 1 {
				t.Errorf("usage rejected %v times for %s, want 1", got, tc.rejected)
			}
		})
	}
}

// TestLLMTruncatedStreams: an Anthropic stream cut at every byte, by a
// connection that closes, is recorded with no count above the whole
// stream's and, once message_delta arrived whole, exactly.
func TestLLMTruncatedStreams(t *testing.T) {
	body := httpclient.ReadAnswer(t, "anthropic_stream.sse")
	delta := bytes.Index(body, []byte("event: message_delta"))
	complete := delta + bytes.Index(body[delta:], []byte("}}\n")) + 2
	for cut := range len(body) + 1 {
		m := newMetrics(t)
		base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/event-stream"}},
				Body: io.NopCloser(io.MultiReader(bytes.NewReader(body[:cut]), errReader{io.ErrUnexpectedEOF})), Request: r}, nil
		})
		c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithBase(base))
		resp, err := c.Post("http://llm.test/v1/messages", "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != io.ErrUnexpectedEOF || !bytes.Equal(got, body[:cut]) {
			t.Fatalf("cut at %d: read %d bytes and %v, want %d bytes and the base's error", cut, len(got), err, cut)
		}
		e := scrape(t, m)
		for typ, whole := range map[string]float64{"input": 622, "output": 89} {
			s := e.Find("genapp_llm_tokens_total", promtest.Labels{"token_type": typ})
			if len(s) > 1 {
				t.Fatalf("cut at %d: %d series", cut, len(s))
			}
			v := 0.0
			if len(s) == 1 {
				v = s[0].GetCounter().GetValue()
			}
			if v > whole || cut >= complete && v != whole {
				t.Fatalf("cut at %d: %s tokens %v, the whole stream has %v", cut, typ, v, whole)
			}
		}
	}
}

type errReader struct{ err error }

func (r errReader) Read([]byte) (int, error) { return 0, r.err }

// TestLLMEndlessStream: a stream that never ends is read as far as the
// caller wants, and recorded once when the caller closes it.
func TestLLMEndlessStream(t *testing.T) {
	event := []byte(`data: {"model":"gpt-endless","choices":[{"delta":{"content":"x"}}],"usage":null}` + "\n\n")
	m := newMetrics(t)
	c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithBase(memProvider("text/event-stream", func() io.Reader {
		return &endless{event: event}
	})))
	resp, err := c.Post("http://llm.test/v1/chat/completions", "application/json", strings.NewReader(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := io.CopyN(io.Discard, resp.Body, 10<<20); n != 10<<20 || err != nil {
		t.Fatalf("read %d bytes: %v", n, err)
	}
	resp.Body.Close()
	resp.Body.Close()
	e := scrape(t, m)
	l := llmLabels("gpt-endless", "llm.test", "http://llm.test/v1")
	if got := e.Counter(t, "genapp_llm_requests_total", l); got != 1 {
		t.Errorf("requests %v, want 1", got)
	}
	if count, _ := e.Histogram(t, "genapp_llm_time_to_first_token_sec", l); count != 1 {
		t.Errorf("time to first token: %d observations, want 1", count)
	}
}

type endless struct {
	event []byte
	off   int
}

func (e *endless) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		c := copy(p[n:], e.event[e.off:])
		n += c
		e.off = (e.off + c) % len(e.event)
	}
	return n, nil
}

// TestLLMManyModels: a provider that makes up a model name per answer
// leaves every genapp_llm_* family within the series limit, and no token
// uncounted.
func TestLLMManyModels(t *testing.T) {
	const limit, answers = 100, 10_000
	m, err := metrics.New("testapp", "dev", metrics.WithRegistry(prometheus.NewRegistry()), metrics.WithMaxSeries(limit),
		metrics.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	next := 0
	c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithBase(memProvider("application/json", func() io.Reader {
		mu.Lock()
		defer mu.Unlock()
		next++
		return strings.NewReader(fmt.Sprintf(`{"model":"model-%d","usage":{"prompt_tokens":3,"completion_tokens":2}}`, next))
	})))
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for range answers / 4 {
				post(t, c, "http://llm.test/v1/chat/completions?worker="+strconv.Itoa(w))
			}
		})
	}
	wg.Wait()
	e := scrape(t, m)
	for name := range e.Families {
		if strings.HasPrefix(name, "genapp_llm_") && e.Series(name) > limit {
			t.Errorf("%s: %d series, limit %d", name, e.Series(name), limit)
		}
	}
	if got := e.Sum("genapp_llm_tokens_total", promtest.Labels{"token_type": "input"}); got != 3*answers {
		t.Errorf("input tokens over all series %v, want %d", got, 3*answers)
	}
	if got := e.Sum("genapp_llm_requests_total", nil); got != answers {
		t.Errorf("requests over all series %v, want %d", got, answers)
	}
}

// TestLLMAllocationsFlat: reading usage allocates per answer the same for a
// 20 KB and a 200 KB stream, of OpenAI (usage once) and of Gemini (usage in
// every chunk).
func TestLLMAllocationsFlat(t *testing.T) {
	m := newMetrics(t)
	for url, stream := range map[string]func(int) [][]byte{
		"http://llm.test/v1/chat/completions":                                          openAIStream,
		"http://llm.test/v1beta/models/gemini-2.0-flash:streamGenerateContent?alt=sse": geminiStream,
	} {
		allocs := map[int]float64{}
		for _, size := range []int{20 << 10, 200 << 10} {
			events := stream(size)
			c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithBase(roundTripFunc(func(r *http.Request) (*http.Response, error) {
				return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"text/event-stream"}},
					Body: &eventsBody{events: events}, Request: r}, nil
			})))
			buf := make([]byte, 32<<10)
			allocs[size] = testing.AllocsPerRun(20, func() {
				resp, err := c.Post(url, "application/json", strings.NewReader(`{}`))
				if err != nil {
					t.Fatal(err)
				}
				io.CopyBuffer(io.Discard, resp.Body, buf)
				resp.Body.Close()
			})
		}
		// The 200 KB answer has ten times the events of the 20 KB one: a
		// cost per event or per byte would show as hundreds of allocations.
		// The slack of 2 is the race detector's, which drops sync.Pool
		// items at random.
		if allocs[200<<10] > allocs[20<<10]+2 {
			t.Errorf("%s: allocations per answer: %v for 20 KB, %v for 200 KB", url, allocs[20<<10], allocs[200<<10])
		}
	}
}
