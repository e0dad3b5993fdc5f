package main

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
)

// askChat is a chat whose message is "/ask ..." and which keeps what the
// handler sends and edits.
type askChat struct {
	text  string
	sent  []string
	edits []string
}

func (c *askChat) ChatID() int64        { return 1001 }
func (c *askChat) Text() string         { return c.text }
func (c *askChat) Payload() string      { return "" }
func (c *askChat) Respond(string) error { return nil }
func (c *askChat) Edit(string) error    { return nil }
func (c *askChat) Send(t string, _ bool) error {
	c.sent = append(c.sent, t)
	return nil
}
func (c *askChat) SendEditable(t string) (func(string) error, error) {
	c.sent = append(c.sent, t)
	return func(t string) error { c.edits = append(c.edits, t); return nil }, nil
}

// TestAsk: /ask streams the fake LLM's answer into one message through
// openai-go and NewLLM, and the call is in genapp_llm_* with the fake's
// exact usage.
func TestAsk(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	defer wg.Wait()
	defer cancel()
	url, err := startFakeLLM(ctx, &wg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	m, err := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	d := newDemo(nil) // /ask does not touch the sessions
	d.llm = newAsker(url, m)

	want := `You asked: "what does the bot cost?". A bot that calls a model through httpclient.NewLLM has every ` +
		`call's tokens, model and time to first token on /prometheus, read from the stream itself.`
	words := strings.Fields(want)
	cut := strings.Join(words[:len(words)/2], " ") + " … (cut short by the token limit)"
	for i := range truncateEvery {
		c := &askChat{text: "/ask what does the bot cost?"}
		if err := d.ask(ctx, c); err != nil {
			t.Fatal(err)
		}
		final := want
		if i == truncateEvery-1 {
			final = cut
		}
		if len(c.sent) != 1 || len(c.edits) < 2 || c.edits[len(c.edits)-1] != final {
			t.Fatalf("answer %d: sent %q, then %d edits ending with %q; want a placeholder, the answer growing, then %q",
				i, c.sent, len(c.edits), c.edits[len(c.edits)-1], final)
		}
		for _, e := range c.edits[:len(c.edits)-1] {
			if !strings.HasPrefix(want, strings.TrimSuffix(e, " …")) {
				t.Errorf("an intermediate edit %q is not a beginning of the answer", e)
			}
		}
	}

	e := promtest.Scrape(t, m.Handler())
	l := promtest.Labels{"model_name": llmVersion, "provider_name": llmProvider, "agent_name": llmAgent,
		"base_url": url, "tool_name": "", "is_fallback": "false"}
	with := func(typ string) promtest.Labels {
		out := promtest.Labels{"token_type": typ}
		for k, v := range l {
			out[k] = v
		}
		return out
	}
	if got := e.Counter(t, "genapp_llm_requests_total", l); got != truncateEvery {
		t.Errorf("requests %v, want %d", got, truncateEvery)
	}
	if got := e.Counter(t, "genapp_llm_tokens_total", with("input")); got != truncateEvery*(12+5) {
		t.Errorf("input tokens %v, want %d", got, truncateEvery*(12+5))
	}
	if got, n := e.Counter(t, "genapp_llm_tokens_total", with("output")), (truncateEvery-1)*len(words)+len(words)/2; got != float64(n) {
		t.Errorf("output tokens %v, want %d", got, n)
	}
	if count, _ := e.Histogram(t, "genapp_llm_time_to_first_token_sec", l); count != truncateEvery {
		t.Errorf("time to first token: %d observations, want %d", count, truncateEvery)
	}
	errLabels := promtest.Labels{"name": "truncated"}
	for k, v := range l {
		errLabels[k] = v
	}
	if got := e.Counter(t, "genapp_llm_errors_total", errLabels); got != 1 {
		t.Errorf("truncated answers %v, want 1", got)
	}

	c := &askChat{text: "/ask"}
	if err := d.ask(ctx, c); err != nil || len(c.sent) != 1 || !strings.HasPrefix(c.sent[0], "Ask me something") {
		t.Errorf("/ask without a question: %v, sent %q", err, c.sent)
	}
}
