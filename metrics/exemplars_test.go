package metrics

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/internal/spantest"
)

func newModern(t testing.TB, opts ...Option) *Metrics {
	t.Helper()
	m, err := New("demobot", "dev", append([]Option{WithRegistry(prometheus.NewRegistry())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func scrapeOpenMetrics(t *testing.T, m *Metrics) string {
	t.Helper()
	return promtest.ScrapeOpenMetrics(t, m.Handler())
}

// spanContext is spantest.Context on a background context.
func spanContext(traceID, spanID string) context.Context {
	return spantest.Context(context.Background(), traceID, spanID)
}

func TestExemplarsOfActionsAndExchanges(t *testing.T) {
	m := newModern(t, WithExemplars())
	ctx := spanContext(spantest.TraceID, spantest.SpanID)
	a := m.TrackContext(ctx, "ask_handler")
	a.End(nil)
	m.RecordHTTPContext(ctx, Exchange{AppType: AppTypeLLM, Method: "POST", Resource: "chat", Status: 200, Duration: 700 * time.Millisecond})
	m.RecordHTTPContext(ctx, Exchange{AppType: AppTypeLLM, Method: "POST", Resource: "slow", Status: 200, Duration: 2 * time.Hour})
	m.RecordHTTPContext(context.Background(), Exchange{AppType: AppTypeLLM, Method: "POST", Resource: "untraced", Status: 200, Duration: time.Second})
	untracked := m.Track("plain_handler")
	untracked.End(nil)

	page := scrapeOpenMetrics(t, m)
	exemplar := spantest.Exemplar
	// The action's microseconds fall in its first bucket, and only there.
	if got := spantest.Lines(page, "genapp_action_duration_sec_bucket", `name="ask_handler"`, exemplar); len(got) != 1 || !strings.Contains(got[0], `le="0.01"`) {
		t.Errorf("ask_handler exemplars on %q, want one, on le=0.01:\n%s", got, page)
	}
	// 0.7 s is in (0.5, 1], and the exemplar shows the value observed.
	if got := spantest.Lines(page, "genapp_http_request_duration_sec_bucket", `resource="chat"`, exemplar); len(got) != 1 || !strings.Contains(got[0], `le="1.0"`) || !strings.Contains(got[0], exemplar+" 0.7 ") {
		t.Errorf("chat exemplars on %q, want one, on le=1.0, value 0.7:\n%s", got, page)
	}
	// Past the largest bound, the exemplar is on +Inf, with the count.
	if got := spantest.Lines(page, "genapp_http_request_duration_sec_bucket", `resource="slow"`, exemplar); len(got) != 1 || !strings.Contains(got[0], `le="+Inf"} 1 `+exemplar+" 7200.0 ") {
		t.Errorf("slow exemplars on %q, want one, on le=+Inf, value 7200:\n%s", got, page)
	}
	for _, sel := range []string{`resource="untraced"`, `name="plain_handler"`} {
		if got := spantest.Lines(page, "genapp_", sel, "# {"); len(got) != 0 {
			t.Errorf("%s has exemplars without a span: %q", sel, got)
		}
	}
	// Sizes and counts never carry one.
	if got := spantest.Lines(page, "genapp_http_request_size_bytes", "# {"); len(got) != 0 {
		t.Errorf("size exemplars: %q", got)
	}
}

// The last observation of a bucket is its exemplar: the newest trace.
func TestExemplarIsTheLastOfItsBucket(t *testing.T) {
	m := newModern(t, WithExemplars())
	for _, sid := range []string{"1111111111111111", spantest.SpanID} {
		m.RecordHTTPContext(spanContext(spantest.TraceID, sid), Exchange{AppType: AppTypeLLM, Method: "GET", Resource: "r", Status: 200, Duration: time.Second})
	}
	page := scrapeOpenMetrics(t, m)
	if got := spantest.Lines(page, "genapp_http_request_duration_sec_bucket", `span_id="`+spantest.SpanID+`"`); len(got) != 1 {
		t.Errorf("buckets with the last span %q, want 1:\n%s", got, page)
	}
	if got := spantest.Lines(page, "genapp_", `span_id="1111111111111111"`); len(got) != 0 {
		t.Errorf("the first span is still shown: %q", got)
	}
}

// Without WithExemplars, a span changes nothing: the page is the one
// Track and RecordHTTP make, byte for byte.
func TestExemplarsOffByDefault(t *testing.T) {
	ctx := spanContext(spantest.TraceID, spantest.SpanID)
	record := func(m *Metrics, ctx context.Context) {
		m.RecordHTTPContext(ctx, Exchange{AppType: AppTypeLLM, Method: "POST", Resource: "chat", Status: 200, Duration: time.Second})
	}
	// The HTTP families, without the _created lines (times of creation).
	page := func(m *Metrics) string {
		var b strings.Builder
		for line := range strings.Lines(scrapeOpenMetrics(t, m)) {
			if strings.HasPrefix(line, "genapp_http_") && !strings.Contains(line, "_created{") {
				b.WriteString(line)
			}
		}
		return b.String()
	}
	withSpan, without := newTest(t), newTest(t)
	record(withSpan, ctx)
	record(without, nil)
	if a, b := page(withSpan), page(without); a != b || a == "" {
		t.Errorf("a span changed the page without WithExemplars:\n%s\nvs\n%s", a, b)
	}
	// With exemplars on, no span: nothing added either.
	on := newModern(t, WithExemplars())
	record(on, context.Background())
	if a, b := page(on), page(without); a != b {
		t.Errorf("WithExemplars changed a page without spans:\n%s\nvs\n%s", a, b)
	}
}

// An invalid span context (no trace id) is no span, and an unsampled span,
// which its tracer does not record, gets no exemplar.
func TestExemplarNeedsASampledSpan(t *testing.T) {
	m := newModern(t, WithExemplars())
	tid, _ := trace.TraceIDFromHex(spantest.TraceID)
	sid, _ := trace.SpanIDFromHex(spantest.SpanID)
	for _, sc := range []trace.SpanContextConfig{
		{SpanID: sid, TraceFlags: trace.FlagsSampled},
		{TraceID: tid, SpanID: sid},
	} {
		a := m.TrackContext(trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(sc)), "x_handler")
		a.End(nil)
	}
	if got := spantest.Lines(scrapeOpenMetrics(t, m), "genapp_", "# {"); len(got) != 0 {
		t.Errorf("exemplars from an invalid or unsampled span: %q", got)
	}
}

func TestMiddlewareExemplar(t *testing.T) {
	m := newModern(t, WithExemplars())
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {})
	h := m.Middleware(mux)
	req := httptest.NewRequestWithContext(spanContext(spantest.TraceID, spantest.SpanID), http.MethodGet, "/users/7", nil)
	h.ServeHTTP(httptest.NewRecorder(), req)
	if got := spantest.Lines(scrapeOpenMetrics(t, m), "genapp_http_request_duration_sec_bucket", `resource="users/{id}"`, `trace_id="`+spantest.TraceID+`"`); len(got) != 1 {
		t.Errorf("served request exemplars %q, want 1", got)
	}
}

// InboundRequest.Finish takes the span from the context the handlers left
// (a tracing middleware inside the adapter puts it there); a nil one is
// that of the request Start was given.
func TestInboundExemplarContext(t *testing.T) {
	m := newModern(t, WithExemplars())
	in := m.NewInbound()
	const late = "1111111111111111"
	for _, tc := range []struct {
		start, finish context.Context
		resource      string
	}{
		{context.Background(), spanContext(spantest.TraceID, late), "/late"},
		{spanContext(spantest.TraceID, spantest.SpanID), nil, "/early"},
	} {
		in.Start(httptest.NewRequestWithContext(tc.start, "GET", tc.resource, nil)).Finish(tc.finish, tc.resource, 200, 0, false)
	}
	page := scrapeOpenMetrics(t, m)
	for resource, span := range map[string]string{"late": late, "early": spantest.SpanID} {
		if got := spantest.Lines(page, "genapp_http_request_duration_sec_bucket", `resource="`+resource+`"`, `span_id="`+span+`"`); len(got) != 1 {
			t.Errorf("%s: exemplars %q, want one of span %s:\n%s", resource, got, span, page)
		}
	}
}

// Wrap tracks each call in the context it is given.
func TestWrapExemplar(t *testing.T) {
	m := newModern(t, WithExemplars())
	f := m.Wrap("refresh_task", func(context.Context) error { return nil })
	if err := f(spanContext(spantest.TraceID, spantest.SpanID)); err != nil {
		t.Fatal(err)
	}
	if got := spantest.Lines(scrapeOpenMetrics(t, m), "genapp_action_duration_sec_bucket", `name="refresh_task"`, `trace_id="`+spantest.TraceID+`"`); len(got) != 1 {
		t.Errorf("wrapped action exemplars %q, want 1", got)
	}
}

// TelegramUpdate.TrackContext: the handler of an update in a traced
// context gets the exemplar; Track of the same update gets none.
func TestTelegramUpdateTrackContextExemplar(t *testing.T) {
	m := newModern(t, WithExemplars())
	u := m.StartTelegramUpdate("message", time.Time{})
	a := u.TrackContext(spanContext(spantest.TraceID, spantest.SpanID), "start_handler")
	a.End(nil)
	b := u.Track("plain_handler")
	b.End(nil)
	u.End()
	page := scrapeOpenMetrics(t, m)
	if got := spantest.Lines(page, "genapp_action_duration_sec_bucket", `name="start_handler"`, spantest.Exemplar); len(got) != 1 {
		t.Errorf("start_handler exemplars %q, want 1:\n%s", got, page)
	}
	if got := spantest.Lines(page, "genapp_action_duration_sec_bucket", `name="plain_handler"`, "# {"); len(got) != 0 {
		t.Errorf("plain_handler exemplars %q, want none", got)
	}
	var zero TelegramUpdate
	c := zero.TrackContext(context.Background(), "x_handler")
	c.End(nil) // records nothing, does not panic
}

// Before Init, TrackContext and RecordHTTPContext record nothing and do not
// panic, nil context included.
func TestContextFormsBeforeInit(t *testing.T) {
	a := TrackContext(spanContext(spantest.TraceID, spantest.SpanID), "x_handler")
	a.End(nil)
	//lint:ignore SA1012 a nil context must not panic
	RecordHTTPContext(nil, Exchange{})
	m := newModern(t, WithExemplars())
	//lint:ignore SA1012 nor here
	m.RecordHTTPContext(nil, Exchange{AppType: AppTypeLLM, Resource: "r", Status: 200})
	var nilM *Metrics
	b := nilM.TrackContext(context.Background(), "x_handler")
	b.End(nil)
}

// With exemplars and native histograms on, a tracked action allocates
// nothing without a span, and once with one; the same for an exchange,
// a wrapped function and a served request.
func TestModernAllocations(t *testing.T) {
	m := newModern(t, WithExemplars(), WithNativeHistograms(DefaultNativeHistogramFactor))
	span := spanContext(spantest.TraceID, spantest.SpanID)
	track := func(ctx context.Context) func() {
		return func() {
			a := m.TrackContext(ctx, "start_handler")
			a.Size(3)
			a.End(nil)
		}
	}
	e := Exchange{AppType: AppTypeLLM, Method: "POST", Resource: "chat", Status: 200, Duration: time.Second}
	wrapped := m.Wrap("wrapped_task", func(context.Context) error { return nil })
	wrappedValue := WrapValueIn(m, "wrapped_value_task", func(context.Context) (int, error) { return 1, nil })
	in := m.NewInbound()
	finish := func(ctx context.Context) func() {
		r := httptest.NewRequestWithContext(ctx, "GET", "/users/7", nil)
		return func() { in.Start(r).Finish(ctx, "/users/:id", 200, 0, false) }
	}
	// Middleware allocates beyond its ServeMux (which allocates the
	// matches of {id}) nothing without a span, and the exemplar with one.
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(http.ResponseWriter, *http.Request) {})
	serve := func(h http.Handler, ctx context.Context) func() {
		w, r := httptest.NewRecorder(), httptest.NewRequestWithContext(ctx, "GET", "/users/7", nil)
		return func() { h.ServeHTTP(w, r) }
	}
	muxAllocs := testing.AllocsPerRun(100, serve(mux, context.Background()))
	served := m.Middleware(mux)
	for _, tc := range []struct {
		name string
		f    func()
		max  float64
	}{
		{"Track", func() { a := m.Track("start_handler"); a.End(nil) }, 0},
		{"TrackContext without span", track(context.Background()), 0},
		{"TrackContext with span", track(span), 1},
		{"RecordHTTP", func() { m.RecordHTTP(e) }, 0},
		{"RecordHTTPContext without span", func() { m.RecordHTTPContext(context.Background(), e) }, 0},
		{"RecordHTTPContext with span", func() { m.RecordHTTPContext(span, e) }, 1},
		{"Wrap without span", func() { _ = wrapped(context.Background()) }, 0},
		{"Wrap with span", func() { _ = wrapped(span) }, 1},
		{"WrapValue without span", func() { _, _ = wrappedValue(context.Background()) }, 0},
		{"WrapValue with span", func() { _, _ = wrappedValue(span) }, 1},
		{"Inbound without span", finish(context.Background()), 0},
		{"Inbound with span", finish(span), 1},
		{"Middleware without span", serve(served, context.Background()), muxAllocs},
		{"Middleware with span", serve(served, span), muxAllocs + 1},
	} {
		tc.f() // the series exist
		if n := testing.AllocsPerRun(1000, tc.f); n > tc.max {
			t.Errorf("%s: %v allocations, want at most %v", tc.name, n, tc.max)
		}
	}
}

func TestOptionsMustAgreeOnARegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	if _, err := New("demobot", "dev", WithRegistry(reg), WithExemplars()); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opts []Option
		want string
	}{
		{nil, "WithExemplars on"},
		{[]Option{WithExemplars(), WithNativeHistograms(1.1)}, "native histogram factor 0, not 1.1"},
	} {
		_, err := New("demobot", "dev", append([]Option{WithRegistry(reg)}, tc.opts...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New with other options on the registry: %v, want an error saying %q", err, tc.want)
		}
	}
	if _, err := New("demobot", "dev", WithRegistry(reg), WithExemplars()); err != nil {
		t.Errorf("the same options again: %v", err)
	}
}

// Observations with spans, new series and scrapes in both formats that
// carry exemplars, all at once (run with -race): every count is exact and
// every exemplar lies in its bucket.
func TestExemplarsUnderConcurrentScrapes(t *testing.T) {
	m := newModern(t, WithExemplars(), WithNativeHistograms(DefaultNativeHistogramFactor))
	const writers, each = 4, 300
	durations := []time.Duration{time.Millisecond, 700 * time.Millisecond, 4 * time.Second, 2 * time.Hour}
	done := make(chan struct{})
	var scrapes sync.WaitGroup
	scrapes.Go(func() {
		for i := 0; ; i++ {
			select {
			case <-done:
				return
			default:
			}
			if i%2 == 0 {
				scrapeOpenMetrics(t, m)
			} else if _, err := m.Gatherer().Gather(); err != nil {
				t.Error(err)
				return
			}
		}
	})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				ctx := spanContext(spantest.TraceID, fmt.Sprintf("%016x", w*each+i+1))
				d := durations[i%len(durations)]
				m.RecordHTTPContext(ctx, Exchange{AppType: AppTypeLLM, Method: "GET", Resource: fmt.Sprintf("r%d", i%5), Status: 200, Duration: d})
				a := m.TrackContext(ctx, fmt.Sprintf("task_%d", i%5))
				a.End(nil)
			}
		})
	}
	wg.Wait()
	close(done)
	scrapes.Wait()

	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	var counts = map[string]uint64{}
	for _, f := range fams {
		if f.GetName() != "genapp_http_request_duration_sec" && f.GetName() != "genapp_action_duration_sec" {
			continue
		}
		for _, s := range f.GetMetric() {
			h := s.GetHistogram()
			counts[f.GetName()] += h.GetSampleCount()
			lower := math.Inf(-1)
			for _, b := range h.GetBucket() {
				if e := b.GetExemplar(); e != nil && (e.GetValue() <= lower || e.GetValue() > b.GetUpperBound()) {
					t.Errorf("%s%v: exemplar %v in bucket (%v, %v]", f.GetName(), labelMap(s), e.GetValue(), lower, b.GetUpperBound())
				}
				lower = b.GetUpperBound()
			}
			if len(h.GetExemplars()) == 0 {
				t.Errorf("%s%v: no native exemplars", f.GetName(), labelMap(s))
			}
		}
	}
	for _, name := range []string{"genapp_http_request_duration_sec", "genapp_action_duration_sec"} {
		if counts[name] != writers*each {
			t.Errorf("%s: %d observations, want %d", name, counts[name], writers*each)
		}
	}
}
