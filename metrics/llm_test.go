package metrics

import (
	"bytes"
	"context"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

var gpt = LLMCall{Model: "gpt-4o-mini", Provider: "openai", BaseURL: "https://api.openai.com/v1"}

// llmLabelsOf is the full label set of gpt's series, agent and tool empty.
func llmLabelsOf(c LLMCall, extra ...string) L {
	l := L{"env": "dev", "app": "demobot", "agent_name": c.Agent, "model_name": c.Model, "provider_name": c.Provider,
		"tool_name": c.Tool, "base_url": c.BaseURL, "is_fallback": strconv.FormatBool(c.Fallback)}
	for i := 0; i+1 < len(extra); i += 2 {
		l[extra[i]] = extra[i+1]
	}
	return l
}

func TestLLMFamilies(t *testing.T) {
	m := newTest(t)
	ctx := context.Background()
	m.RecordLLMRequest(ctx, gpt)
	m.RecordLLMRequest(ctx, gpt)
	m.RecordLLMUsage(ctx, gpt, LLMUsage{Input: 1000, Output: 300, CachedInput: 800, Reasoning: 200})
	m.RecordLLMUsage(ctx, gpt, LLMUsage{Input: 10, Output: 5})
	m.RecordLLMError(ctx, gpt, "validation")
	m.RecordLLMTimeToFirstToken(ctx, gpt, 1500*time.Millisecond)

	e := scrape(t, m)
	if got := e.Counter(t, "genapp_llm_requests_total", llmLabelsOf(gpt)); got != 2 {
		t.Errorf("requests = %v, want 2", got)
	}
	for typ, want := range map[string]float64{"input": 1010, "output": 305, "cached_input": 800, "reasoning": 200} {
		if got := e.Counter(t, "genapp_llm_tokens_total", llmLabelsOf(gpt, "token_type", typ)); got != want {
			t.Errorf("tokens{%s} = %v, want %v", typ, got, want)
		}
	}
	for typ, want := range map[string]struct {
		count uint64
		sum   float64
	}{"input": {2, 1010}, "output": {2, 305}, "cached_input": {1, 800}, "reasoning": {1, 200}} {
		count, sum := e.Histogram(t, "genapp_llm_request_tokens", llmLabelsOf(gpt, "token_type", typ))
		if count != want.count || sum != want.sum {
			t.Errorf("request_tokens{%s} = %d, %v; want %d, %v", typ, count, sum, want.count, want.sum)
		}
	}
	if count, sum := e.Histogram(t, "genapp_llm_request_all_tokens", llmLabelsOf(gpt)); count != 2 || sum != 1315 {
		t.Errorf("request_all_tokens = %d, %v; want 2, 1315", count, sum)
	}
	if got := e.Counter(t, "genapp_llm_errors_total", llmLabelsOf(gpt, "name", "validation")); got != 1 {
		t.Errorf("errors = %v, want 1", got)
	}
	if count, sum := e.Histogram(t, "genapp_llm_time_to_first_token_sec", llmLabelsOf(gpt)); count != 1 || sum != 1.5 {
		t.Errorf("ttft = %d, %v; want 1, 1.5", count, sum)
	}

	// Exactly the label names llm_common 2.6 documents, in every family.
	shared := []string{"agent_name", "app", "base_url", "env", "is_fallback", "model_name", "provider_name", "tool_name"}
	for family, extra := range map[string]string{
		"genapp_llm_requests_total": "", "genapp_llm_tokens_total": "token_type", "genapp_llm_request_all_tokens": "",
		"genapp_llm_request_tokens": "token_type", "genapp_llm_errors_total": "name", "genapp_llm_time_to_first_token_sec": "",
	} {
		want := slices.Clone(shared)
		if extra != "" {
			want = append(want, extra)
			slices.Sort(want)
		}
		for _, s := range e.Families[family].GetMetric() {
			var got []string
			for _, lp := range s.GetLabel() {
				got = append(got, lp.GetName())
			}
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("%s labels %v, want %v", family, got, want)
			}
		}
	}
	// The token buckets: powers of 4 from 1 to 16M, then +Inf.
	buckets := e.One(t, "genapp_llm_request_all_tokens", llmLabelsOf(gpt)).GetHistogram().GetBucket()
	if n := len(buckets); n != 14 || !math.IsInf(buckets[13].GetUpperBound(), 1) {
		t.Fatalf("%d buckets, want 13 and +Inf", n)
	}
	for i, b := range buckets[:13] {
		if want := math.Pow(4, float64(i)); b.GetUpperBound() != want {
			t.Errorf("bucket %d = %v, want %v", i, b.GetUpperBound(), want)
		}
	}
}

// TestLLMUsageOptionalTypes: cached_input, cache_creation_input and
// reasoning appear only when reported.
func TestLLMUsageOptionalTypes(t *testing.T) {
	m := newTest(t)
	m.RecordLLMUsage(context.Background(), gpt, LLMUsage{Input: 7})
	e := scrape(t, m)
	if got := e.LabelValues("genapp_llm_tokens_total", "token_type"); !slices.Equal(got, []string{"input", "output"}) {
		t.Errorf("token types %v, want input and output", got)
	}
	if got := e.Counter(t, "genapp_llm_tokens_total", llmLabelsOf(gpt, "token_type", "output")); got != 0 {
		t.Errorf("output = %v, want 0", got)
	}
	if _, sum := e.Histogram(t, "genapp_llm_request_all_tokens", llmLabelsOf(gpt)); sum != 7 {
		t.Errorf("all tokens sum %v, want 7", sum)
	}
	if n := e.Series("genapp_llm_requests_total"); n != 0 {
		t.Errorf("RecordLLMUsage counted a request: %d series", n)
	}
}

func TestLLMContext(t *testing.T) {
	m := newTest(t)
	ctx := WithLLMFallback(WithLLMTool(WithLLMAgent(context.Background(), "support_agent"), "search_tool"), true)
	m.RecordLLMRequest(ctx, gpt)
	own := gpt
	own.Agent, own.Tool = "billing_agent", "refund_tool"
	m.RecordLLMRequest(ctx, own) // the call's own values win
	m.RecordLLMRequest(WithLLMFallback(ctx, false), gpt)
	//lint:ignore SA1012 a nil context is tolerated
	m.RecordLLMRequest(nil, gpt)

	e := scrape(t, m)
	withCtx := gpt
	withCtx.Agent, withCtx.Tool, withCtx.Fallback = "support_agent", "search_tool", true
	notFallback := withCtx
	notFallback.Fallback = false
	own.Fallback = true
	for _, c := range []LLMCall{withCtx, own, notFallback, gpt} {
		if got := e.Counter(t, "genapp_llm_requests_total", llmLabelsOf(c)); got != 1 {
			t.Errorf("%+v: %v requests, want 1", c, got)
		}
	}
	if n := e.Series("genapp_llm_requests_total"); n != 4 {
		t.Errorf("%d series, want 4", n)
	}
}

// TestLLMLabelBounds: a value longer than the cap is folded, invalid UTF-8
// is replaced, and 10,000 model names leave every family within the series
// limit while no token is lost.
func TestLLMLabelBounds(t *testing.T) {
	const limit, distinct = 100, 10_000
	var logs bytes.Buffer
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithMaxSeries(limit),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	long := gpt
	long.Model = strings.Repeat("m", MaxLabelLen+1)
	m.RecordLLMRequest(ctx, long)
	bad := gpt
	bad.Model = "gpt\xff-4o"
	m.RecordLLMRequest(ctx, bad)
	m.RecordLLMError(ctx, gpt, strings.Repeat("e", MaxLabelLen+1))

	var wg sync.WaitGroup
	const workers = 4
	for w := range workers {
		wg.Go(func() {
			for i := w; i < distinct; i += workers {
				c := gpt
				c.Model = "model-" + strconv.Itoa(i)
				m.RecordLLMRequest(ctx, c)
				m.RecordLLMUsage(ctx, c, LLMUsage{Input: 3, Output: 2, CachedInput: 1, Reasoning: 1})
				m.RecordLLMError(ctx, c, "refusal")
			}
		})
	}
	wg.Wait()

	e := scrape(t, m)
	for _, family := range []string{"genapp_llm_requests_total", "genapp_llm_tokens_total", "genapp_llm_request_all_tokens",
		"genapp_llm_request_tokens", "genapp_llm_errors_total"} {
		if n := e.Series(family); n > limit {
			t.Errorf("%s: %d series, want at most %d", family, n, limit)
		}
	}
	if got := e.Counter(t, "genapp_llm_requests_total", llmLabelsOf(bad, "model_name", "gpt\uFFFD-4o")); got != 1 {
		t.Errorf("invalid UTF-8 model: %v requests, want 1", got)
	}
	overflow := llmLabelsOf(gpt, "model_name", OverflowValue, "provider_name", OverflowValue, "base_url", OverflowValue,
		"agent_name", OverflowValue, "tool_name", OverflowValue, "is_fallback", OverflowValue)
	var requests float64
	for _, s := range e.Families["genapp_llm_requests_total"].GetMetric() {
		requests += s.GetCounter().GetValue()
	}
	if requests != distinct+2 {
		t.Errorf("requests summed over series = %v, want %d", requests, distinct+2)
	}
	var input float64
	for _, s := range e.Find("genapp_llm_tokens_total", L{"token_type": "input"}) {
		input += s.GetCounter().GetValue()
	}
	if input != 3*distinct {
		t.Errorf("input tokens summed over series = %v, want %d", input, 3*distinct)
	}
	// Each folded observation counts once: the over-long model and error
	// name, the requests and usage of the models beyond the keys the
	// first two calls left, their errors beyond the first error's key.
	keptCalls, keptErrors := m.f.llmKeyLimit()-2, limit-1-1
	want := 2 + 2*(distinct-keptCalls) + (distinct - keptErrors)
	if folded := e.Counter(t, "genapp_series_overflow_total", L{"label": "llm"}); folded != float64(want) {
		t.Errorf("folded %v observations, want %d", folded, want)
	}
	if n := len(e.Find("genapp_llm_requests_total", overflow)); n != 1 {
		t.Errorf("%d overflow series in genapp_llm_requests_total, want 1", n)
	}
	if got := e.LabelValues("genapp_llm_errors_total", "name"); !slices.Contains(got, OverflowValue) {
		t.Errorf("error names %v: the over-long one is not folded", got)
	}
	if n := strings.Count(logs.String(), "label=llm"); n != 2 {
		t.Errorf("%d warnings for llm, want one for the length and one for the limit:\n%s", n, logs.String())
	}
}

// TestLLMNoInstance: before Init, and on a nil instance, nothing records and
// nothing panics.
func TestLLMNoInstance(t *testing.T) {
	if Default() != nil {
		t.Skip("Init ran in this process")
	}
	ctx := context.Background()
	RecordLLMRequest(ctx, gpt)
	RecordLLMUsage(ctx, gpt, LLMUsage{Input: 1})
	RecordLLMError(ctx, gpt, "validation")
	RecordLLMTimeToFirstToken(ctx, gpt, time.Second)
	var m *Metrics
	m.RecordLLMRequest(ctx, gpt)
}

func TestLLMDefault(t *testing.T) {
	m := initTest(t)
	ctx := context.Background()
	RecordLLMRequest(ctx, gpt)
	RecordLLMUsage(ctx, gpt, LLMUsage{Input: 4, Output: 2})
	RecordLLMError(ctx, gpt, "truncated")
	RecordLLMTimeToFirstToken(ctx, gpt, time.Second)
	e := scrape(t, m)
	if got := e.Counter(t, "genapp_llm_requests_total", llmLabelsOf(gpt)); got != 1 {
		t.Errorf("requests = %v", got)
	}
	if got := e.Counter(t, "genapp_llm_tokens_total", llmLabelsOf(gpt, "token_type", "output")); got != 2 {
		t.Errorf("output tokens = %v", got)
	}
	if got := e.Counter(t, "genapp_llm_errors_total", llmLabelsOf(gpt, "name", "truncated")); got != 1 {
		t.Errorf("errors = %v", got)
	}
	if count, _ := e.Histogram(t, "genapp_llm_time_to_first_token_sec", llmLabelsOf(gpt)); count != 1 {
		t.Errorf("ttft count = %v", count)
	}
}

// FuzzLLMLabelBounds: whatever the label values of LLM calls, every label
// value of the exposition is valid UTF-8 of at most MaxLabelLen bytes, the
// families stay within the series limit, and nothing is lost.
func FuzzLLMLabelBounds(f *testing.F) {
	f.Add("support_agent", "gpt-4o", "openai", "search_tool", "https://api.openai.com/v1", "validation", true)
	f.Add("", "", "", "", "", "", false)
	f.Add(strings.Repeat("\xff", MaxLabelLen), strings.Repeat("é", MaxLabelLen), OverflowValue, "\x00",
		strings.Repeat("u", MaxLabelLen+1), strings.Repeat("\xfe", 3*MaxLabelLen), false)
	f.Fuzz(func(t *testing.T, agent, model, provider, tool, baseURL, errName string, fallback bool) {
		m := quietTest(t, WithMaxSeries(2*llmSeriesPerKey)) // a key of each call, then the overflow
		ctx := context.Background()
		for i := range 2 {
			call := LLMCall{Agent: agent, Model: model + strconv.Itoa(i), Provider: provider, Tool: tool, BaseURL: baseURL, Fallback: fallback}
			m.RecordLLMRequest(ctx, call)
			m.RecordLLMUsage(ctx, call, LLMUsage{Input: 3, Output: 2, CachedInput: 1, Reasoning: 1})
			m.RecordLLMError(ctx, call, errName)
		}
		e := scrape(t, m)
		for _, fam := range e.Families {
			if n := len(fam.GetMetric()); strings.HasPrefix(fam.GetName(), "genapp_llm_") && n > 2*llmSeriesPerKey {
				t.Fatalf("%s: %d series, limit %d", fam.GetName(), n, 2*llmSeriesPerKey)
			}
			for _, s := range fam.GetMetric() {
				for _, lp := range s.GetLabel() {
					if v := lp.GetValue(); len(v) > MaxLabelLen || !utf8.ValidString(v) {
						t.Fatalf("%s: label %s = %q", fam.GetName(), lp.GetName(), v)
					}
				}
			}
		}
		for family, want := range map[string]float64{"genapp_llm_requests_total": 2, "genapp_llm_errors_total": 2} {
			if got := e.Sum(family, nil); got != want {
				t.Fatalf("%s: %v, want %v", family, got, want)
			}
		}
		if got := e.Sum("genapp_llm_tokens_total", L{"token_type": TokenInput}); got != 6 {
			t.Fatalf("input tokens %v, want 6", got)
		}
	})
}
