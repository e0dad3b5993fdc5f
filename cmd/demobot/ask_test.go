package main

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
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

// answerText is the fake LLM's whole answer to "/ask what does the bot
// cost?", and answerWords its words: its output tokens.
const answerText = `You asked: "what does the bot cost?". A bot that calls a model through httpclient.NewLLM has every ` +
	`call's tokens, model and time to first token on /prometheus, read from the stream itself.`

var answerWords = strings.Fields(answerText)

// askSetup starts fake, a metrics instance on a registry of its own and a
// demo whose /ask asks fake, until the test ends.
func askSetup(t *testing.T, fake *fakeLLM) (d *demo, m *metrics.Metrics, url string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	t.Cleanup(cancel)
	url, err := fake.start(ctx, &wg, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	m, err = metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	d = newDemo(nil) // /ask does not touch the sessions
	d.llm = newAsker(url, m)
	return d, m, url
}

// TestAsk: /ask streams the fake LLM's answer into one message through the
// demo's chat client and NewLLM, as it grows, and ends it with what the
// answer used and cost: the first request is the hosted model's, with
// nothing cached.
func TestAsk(t *testing.T) {
	d, _, _ := askSetup(t, newFakeLLM())
	c := &askChat{text: "/ask what does the bot cost?"}
	if err := d.ask(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	// 1185 input tokens at $0.40 a million, 32 output tokens at $1.60.
	final := answerText + " (1185 in, 32 out tokens, $0.000525)"
	if len(c.sent) != 1 || len(c.edits) < 2 || c.edits[len(c.edits)-1] != final {
		t.Fatalf("sent %q, then %d edits ending with %q; want a placeholder, the answer growing, then %q",
			c.sent, len(c.edits), c.edits[len(c.edits)-1], final)
	}
	for _, e := range c.edits[:len(c.edits)-1] {
		if !strings.HasPrefix(answerText, strings.TrimSuffix(e, " …")) {
			t.Errorf("an intermediate edit %q is not a beginning of the answer", e)
		}
	}

	c = &askChat{text: "/ask"}
	if err := d.ask(context.Background(), c); err != nil || len(c.sent) != 1 || !strings.HasPrefix(c.sent[0], "Ask me something") {
		t.Errorf("/ask without a question: %v, sent %q", err, c.sent)
	}
}

// TestAskSchedule asks the fake LLM (at full speed, on a clock the test
// turns) through the schedule of its answers, with a quota of two answers'
// tokens: each answer ends with what it used and cost, and genapp_llm_*
// shows the same, on the series of the model that answered.
func TestAskSchedule(t *testing.T) {
	clock := time.Unix(1_800_000_000, 0)
	const perAnswer = llmPreamble + 5 + 32 // the tokens of a whole answer: 5 words asked, 32 answered
	fake := &fakeLLM{window: time.Minute, maxRequests: 10, maxTokens: 2 * perAnswer, now: func() time.Time { return clock }}
	d, m, url := askSetup(t, fake)
	half := strings.Join(answerWords[:len(answerWords)/2], " ") + " … (cut short by the token limit)"
	steps := []struct {
		what, final string
		tick        time.Duration // the clock moves on after the step
	}{
		{"1: the hosted model, nothing cached", answerText + " (1185 in, 32 out tokens, $0.000525)", 0},
		{"2: routed to the local model", answerText + " (1185 in, 32 out tokens, unpriced)", 0},
		{"3: a usage no answer can have", answerText + " (1185 in, 1152 cached, 4294967295 out tokens, usage rejected)", 0},
		// The quota holds two answers: the 4th request is refused, the 5th
		// asks the local model as a fallback.
		{"4 and 5: refused (429), then the local model", answerText + " (1185 in, 32 out tokens, unpriced)", time.Minute},
		// 33 input tokens at $0.40 a million, 1152 cached at $0.10, 32 output at $1.60.
		{"6: a new window, the hosted model, the prompt cached", answerText + " (1185 in, 1152 cached, 32 out tokens, $0.000180)", 0},
		{"7: routed to the local model", answerText + " (1185 in, 32 out tokens, unpriced)", 0},
		{"8: cut short", half + " (1185 in, 1152 cached, 16 out tokens, $0.000154)", 0},
	}
	for _, s := range steps {
		c := &askChat{text: "/ask what does the bot cost?"}
		if err := d.ask(context.Background(), c); err != nil {
			t.Fatalf("%s: %v", s.what, err)
		}
		if got := c.edits[len(c.edits)-1]; got != s.final {
			t.Errorf("%s: the answer is\n%q, want\n%q", s.what, got, s.final)
		}
		clock = clock.Add(s.tick)
	}

	e := promtest.Scrape(t, m.Handler())
	labels := func(model string, fallback bool, extra ...string) promtest.Labels {
		l := promtest.Labels{"model_name": model, "provider_name": llmProvider, "agent_name": llmAgent,
			"base_url": url, "tool_name": "", "is_fallback": fmt.Sprint(fallback)}
		for i := 0; i < len(extra); i += 2 {
			l[extra[i]] = extra[i+1]
		}
		return l
	}
	hosted := labels(llmModel, false)
	for _, c := range []struct {
		family string
		labels promtest.Labels
		want   float64
	}{
		{"genapp_llm_requests_total", hosted, 4}, // 1, 3, 6, 8
		{"genapp_llm_tokens_total", labels(llmModel, false, "token_type", "input"), 3 * 1185},
		{"genapp_llm_tokens_total", labels(llmModel, false, "token_type", "cached_input"), 2 * 1152},
		{"genapp_llm_tokens_total", labels(llmModel, false, "token_type", "output"), 32 + 32 + 16},
		{"genapp_llm_usage_rejected_total", labels(llmModel, false, "reason", metrics.LLMRejectTooLarge), 1},
		{"genapp_llm_errors_total", labels(llmModel, false, "name", "truncated"), 1},
		{"genapp_llm_requests_total", labels(llmLocalModel, false), 2}, // 2, 7
		{"genapp_llm_unpriced_tokens_total", labels(llmLocalModel, false, "token_type", "input"), 2 * 1185},
		{"genapp_llm_unpriced_tokens_total", labels(llmLocalModel, false, "token_type", "output"), 2 * 32},
		{"genapp_llm_requests_total", labels(llmLocalModel, true), 1}, // 5
		{"genapp_llm_unpriced_tokens_total", labels(llmLocalModel, true, "token_type", "output"), 32},
	} {
		if got := e.Counter(t, c.family, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.family, c.labels, got, c.want)
		}
	}
	// The cost by token type adds up to what the answers said: $0.000525
	// + $0.000180 + $0.000154 (each rounded to the micro-dollar).
	var cost float64
	for _, typ := range []string{"input", "cached_input", "output"} {
		cost += e.Counter(t, "genapp_llm_cost_usd_total", labels(llmModel, false, "token_type", typ))
	}
	if math.Abs(cost-0.0008588) > 1e-12 {
		t.Errorf("genapp_llm_cost_usd_total adds up to %v, want 0.0008588", cost)
	}
	if n := e.Series("genapp_llm_cost_usd_total"); n != 3 {
		t.Errorf("%d cost series, want 3 (input, cached_input, output of the hosted model)", n)
	}
	if count, _ := e.Histogram(t, "genapp_llm_time_per_output_token_sec", hosted); count != 3 {
		t.Errorf("time per output token: %d observations, want 3 (the answers whose usage counted)", count)
	}
	// The quota, as the last answer left it: 6 and 8 in the new window.
	rl := promtest.Labels{"model_name": llmModel, "provider_name": llmProvider, "base_url": url}
	for limit, want := range map[string][2]float64{"requests": {8, 10}, "tokens": {2*perAnswer - perAnswer - (llmPreamble + 5 + 16), 2 * perAnswer}} {
		rl["limit"] = limit
		remaining := e.One(t, "genapp_llm_ratelimit_remaining", rl).GetGauge().GetValue()
		max := e.One(t, "genapp_llm_ratelimit_limit", rl).GetGauge().GetValue()
		if remaining != want[0] || max != want[1] {
			t.Errorf("%s: remaining %v of %v, want %v of %v", limit, remaining, max, want[0], want[1])
		}
	}
	info := e.One(t, "genapp_llm_price_table_info", promtest.Labels{"source": "embedded"})
	if info.GetGauge().GetValue() != 1 {
		t.Errorf("genapp_llm_price_table_info: %v", info)
	}
}

// TestAskQuotaSpent: the refusal of a spent quota sets the remaining
// tokens to 0 (what the headroom panel and alert of deploy/ read), on the
// series of the model the answers name.
func TestAskQuotaSpent(t *testing.T) {
	const perAnswer = llmPreamble + 5 + 32
	fake := &fakeLLM{window: time.Hour, maxRequests: 10, maxTokens: perAnswer, now: time.Now}
	d, m, url := askSetup(t, fake)
	for range 3 { // 1: answered; 2: the local model; 3: refused, then the local model
		if err := d.ask(context.Background(), &askChat{text: "/ask what does the bot cost?"}); err != nil {
			t.Fatal(err)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	rl := promtest.Labels{"model_name": llmModel, "provider_name": llmProvider, "base_url": url, "limit": "tokens"}
	if got := e.One(t, "genapp_llm_ratelimit_remaining", rl).GetGauge().GetValue(); got != 0 {
		t.Errorf("remaining tokens %v after a refusal, want 0", got)
	}
	if got := e.Counter(t, "genapp_http_requests_total", promtest.Labels{"app_type": "llm", "status": "429"}); got != 1 {
		t.Errorf("%v refusals, want 1", got)
	}
	if n := len(e.Find("genapp_llm_ratelimit_remaining", nil)); n != 2 {
		t.Errorf("%d remaining gauges, want 2 (requests and tokens of %s)", n, llmModel)
	}
}

// TestAskInFlightAtStop stops the demo, with each library, while an /ask
// handler reads its answer from the fake LLM: the handler gets the whole
// answer within the 2 s the handlers in flight are given (the fakes close
// after them), its run counts as ok, and the demo exits 0 within 5 s.
func TestAskInFlightAtStop(t *testing.T) {
	t.Parallel()
	inProcess.Lock()
	defer inProcess.Unlock()
	for _, framework := range frameworks {
		t.Run(framework, func(t *testing.T) {
			srv := telegramtest.NewServer()
			defer srv.Close()
			project := "demobot_ask_stop_" + framework
			r := startRun(t, map[string]string{"TELEGRAM_BOT_TOKEN": srv.Token},
				"-framework", framework, "-project", project, "-api-url", srv.URL, "-metrics-addr", "127.0.0.1:0")
			ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
			defer cancel()
			srv.SendText(42, "/ask what does the bot cost?")
			// The placeholder and two edits of the answer as it grows: the
			// call is 0.6 s into its 1-2 s.
			sent, err := srv.WaitSent(ctx, 3)
			if err != nil {
				t.Fatal(err)
			}
			if last := sent[len(sent)-1].Text; !strings.HasSuffix(last, " …") {
				t.Fatalf("the answer was complete before the stop: %q", last)
			}
			code, took := r.stop(t)
			if code != 0 || took > 5*time.Second {
				t.Errorf("stopped with status %d after %v, want 0 within 5 s", code, took)
			}
			// The first question the fake LLM gets: the hosted model, nothing cached.
			final := answerText + " (1185 in, 32 out tokens, $0.000525)"
			if sent := srv.Sent(); sent[len(sent)-1].Text != final {
				t.Errorf("the last message is %q, want the whole answer %q", sent[len(sent)-1].Text, final)
			}
			e := promtest.Scrape(t, metrics.Default().Handler())
			ask := promtest.Labels{"app": project, "name": "ask_handler"}
			if got := e.Counter(t, actionCount, promtest.Labels{"app": project, "name": "ask_handler", "status": "ok"}); got != 1 {
				t.Errorf("ask_handler ok %v, want 1", got)
			}
			if runs := e.Find(actionCount, ask); len(runs) != 1 {
				t.Errorf("ask_handler has %d series, want the ok one only: %v", len(runs), runs)
			}
			for _, bad := range []string{"unexpected EOF", "telegram handler failed", "still running at shutdown"} {
				if strings.Contains(r.stderr.String(), bad) {
					t.Errorf("stderr holds %q:\n%s", bad, r.stderr)
				}
			}
		})
	}
}
