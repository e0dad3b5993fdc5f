package metrics

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/internal/spantest"
	"github.com/genapp-go/genapp/internal/toolstest"
)

// recordEverything records into m a run of every kind of series the
// module makes: actions, HTTP exchanges, LLM calls, Telegram updates with
// their senders, flood waits, API errors and webhook state, and a SQL
// pool; traced by ctx's span, which WithExemplars shows.
func recordEverything(t *testing.T, ctx context.Context, m *Metrics) {
	t.Helper()
	ok := m.TrackContext(ctx, "start_handler")
	ok.Size(3)
	ok.End(nil)
	failed := m.TrackContext(ctx, "refresh_task")
	err := errors.New("no cache")
	failed.End(&err)
	m.RecordHTTPContext(ctx, Exchange{AppType: AppTypeLLM, Method: "POST", Resource: "v1/chat/completions", Status: 200, Duration: 700 * time.Millisecond, RequestSize: 120, ResponseSize: 900})
	m.RecordLLMRequest(ctx, gpt)
	m.RecordLLMUsage(ctx, gpt, LLMUsage{Input: 1000, Output: 300, CachedInput: 800, Reasoning: 200})
	m.RecordLLMUsageRejected(ctx, gpt, LLMRejectNotInteger)
	m.RecordLLMError(ctx, gpt, "validation")
	m.RecordLLMTimeToFirstToken(ctx, gpt, 1500*time.Millisecond)
	m.RecordLLMTimePerOutputToken(ctx, gpt, 20*time.Millisecond)
	m.RecordLLMRateLimit(ctx, gpt, LLMLimitRequests, 499, 500)
	for id := range int64(5) {
		u := m.StartTelegramUpdate("message", time.Now().Add(-2*time.Second))
		u.RecordUser(id + 1)
		u.End()
	}
	m.RecordTelegramFloodWait("sendMessage", 3*time.Second)
	m.RecordTelegramAPIError("sendMessage", 403, "Forbidden: bot was blocked by the user")
	m.RecordTelegramBotStatus("private", "kicked")
	m.SetTelegramWebhookInfo(4, time.Now().Add(-time.Minute))
	if m.f.compat == LLMCommon22 {
		return // no SQL pool families
	}
	if err := m.RegisterPool("main", func() PoolStats { return PoolStats{Busy: 2, Free: 3, Size: 10} }); err != nil {
		t.Fatal(err)
	}
}

// TestOpenMetricsIsStrict: every exposition the module serves, asked for
// as OpenMetrics, passes the strict parser of Debian's
// python3-prometheus-client, and holds every family of the Prometheus text
// format of the same registry, under its OpenMetrics name and type, but
// for the families that clash with a counter's there: on the default
// registry, exactly the Go collector's gauge go_memstats_alloc_bytes.
func TestOpenMetricsIsStrict(t *testing.T) {
	traced := spanContext(spantest.TraceID, spantest.SpanID)
	key := ActiveUsersKey([]byte("0123456789abcdef0123"))
	for _, c := range []struct {
		name      string
		handler   func(t *testing.T) http.Handler
		dropped   []string
		exemplars bool
		genapp    []string // families checked to be there, with their types
	}{
		{"default registry before Init", func(t *testing.T) http.Handler { return Handler() }, []string{"go_memstats_alloc_bytes"}, false, nil},
		{"default registry", func(t *testing.T) http.Handler {
			m, err := Init("demobot", "dev", WithActiveUsers(key))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { unregisterDefault(m) })
			recordEverything(t, context.Background(), m)
			return Handler()
		}, []string{"go_memstats_alloc_bytes"}, false, []string{"genapp_action_count counter", "genapp_llm_tokens counter", "genapp_telegram_updates counter", "genapp_telegram_update_lag_sec histogram", "genapp_process_threads gauge", "genapp_sql_pool_size gauge", "genapp_telegram_active_users_sketch gauge"}},
		{"own registry", func(t *testing.T) http.Handler {
			m := newTest(t)
			recordEverything(t, context.Background(), m)
			return m.Handler()
		}, nil, false, []string{"genapp_action_count counter", "genapp_llm_tokens counter", "genapp_telegram_updates counter", "genapp_telegram_update_lag_sec histogram", "genapp_process_threads gauge", "genapp_sql_pool_size gauge"}},
		{"native histograms, exemplars, active users", func(t *testing.T) http.Handler {
			m := newModern(t, WithNativeHistograms(DefaultNativeHistogramFactor), WithExemplars(), WithActiveUsers(key))
			recordEverything(t, traced, m)
			return m.Handler()
		}, nil, true, append([]string{"genapp_action_count counter", "genapp_llm_tokens counter", "genapp_telegram_updates counter", "genapp_telegram_update_lag_sec histogram", "genapp_process_threads gauge", "genapp_sql_pool_size gauge"}, "genapp_telegram_active_users_sketch gauge")},
		{"llm_common 2.2.0", func(t *testing.T) http.Handler {
			m := newModern(t, WithCompatibility(LLMCommon22))
			recordEverything(t, context.Background(), m)
			return m.Handler()
		}, nil, false, []string{"genapp_action_count counter", "genapp_http_request_duration_sec histogram"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := c.handler(t)
			page := promtest.ScrapeOpenMetrics(t, h)
			got := toolstest.ParseOpenMetrics(t, page)
			text := promtest.Scrape(t, h).Families
			want := map[string]toolstest.OpenMetricsFamily{}
			for name, f := range text {
				name, typ := openMetricsNameAndType(name, f.GetType())
				if !slices.Contains(c.dropped, name) || typ == "counter" {
					want[name] = toolstest.OpenMetricsFamily{Type: typ, Samples: got[name].Samples}
				}
			}
			if !maps.Equal(got, want) {
				for name := range want {
					if got[name] != want[name] {
						t.Errorf("family %s: OpenMetrics %+v, text format %+v", name, got[name], want[name])
					}
				}
				for name := range got {
					if _, ok := want[name]; !ok {
						t.Errorf("family %s (%s) only in OpenMetrics", name, got[name].Type)
					}
				}
			}
			for _, name := range c.dropped {
				if text[name].GetType() != dto.MetricType_GAUGE || got[name].Type != "counter" {
					t.Errorf("%s: text format %v, OpenMetrics %q; want the gauge in text, the counter alone in OpenMetrics", name, text[name].GetType(), got[name].Type)
				}
			}
			if c.exemplars != strings.Contains(page, spantest.Exemplar) {
				t.Errorf("exemplars on the page: %v, want %v", !c.exemplars, c.exemplars)
			}
			var genapp []string
			for name, f := range got {
				if strings.HasPrefix(name, "genapp_") && slices.ContainsFunc(c.genapp, func(s string) bool { return strings.HasPrefix(s, name+" ") }) {
					genapp = append(genapp, name+" "+f.Type)
				}
			}
			slices.Sort(genapp)
			if want := slices.Sorted(slices.Values(c.genapp)); !slices.Equal(genapp, want) {
				t.Errorf("OpenMetrics families %q, want %q", genapp, want)
			}
		})
	}
}

// openMetricsNameAndType returns the OpenMetrics family name and type of
// a family of the text format: a counter's name without _total.
func openMetricsNameAndType(name string, typ dto.MetricType) (string, string) {
	switch typ {
	case dto.MetricType_COUNTER:
		return strings.TrimSuffix(name, "_total"), "counter"
	case dto.MetricType_GAUGE:
		return name, "gauge"
	case dto.MetricType_SUMMARY:
		return name, "summary"
	case dto.MetricType_HISTOGRAM:
		return name, "histogram"
	}
	return name, "unknown"
}

// TestOpenMetricsGathererLeavesOutClashes: of the families an OpenMetrics
// scrape gathers, a gauge named as a counter's OpenMetrics family goes,
// the counter and the others stay, and the text format keeps all.
func TestOpenMetricsGathererLeavesOutClashes(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		prometheus.NewGauge(prometheus.GaugeOpts{Name: "jobs_bytes", Help: "in use"}),
		prometheus.NewCounter(prometheus.CounterOpts{Name: "jobs_bytes_total", Help: "ever"}),
		prometheus.NewGauge(prometheus.GaugeOpts{Name: "jobs", Help: "queued"}),
		prometheus.NewCounter(prometheus.CounterOpts{Name: "runs", Help: "runs"}),
		prometheus.NewGauge(prometheus.GaugeOpts{Name: "runs_bytes", Help: "runs' size"}),
	)
	names := func(g prometheus.Gatherer) []string {
		mfs, err := g.Gather()
		if err != nil {
			t.Fatal(err)
		}
		var n []string
		for _, mf := range mfs {
			n = append(n, mf.GetName()+" "+strings.ToLower(mf.GetType().String()))
		}
		return n
	}
	if got, want := names(openMetricsGatherer{reg}), []string{"jobs gauge", "jobs_bytes_total counter", "runs counter", "runs_bytes gauge"}; !slices.Equal(got, want) {
		t.Errorf("OpenMetrics gathers %q, want %q", got, want)
	}
	if got := names(reg); len(got) != 5 {
		t.Errorf("the registry gathers %q, want all 5", got)
	}
}
