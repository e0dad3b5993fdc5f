package metrics

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"runtime"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/genapp-go/genapp/internal/benchtest"
	"github.com/genapp-go/genapp/internal/spantest"
)

// BenchmarkTrack is one tracked action on a known name: Track, Size, End.
func BenchmarkTrack(b *testing.B) {
	m := newBench(b)
	var err error
	track := func() {
		a := m.Track("start_handler")
		defer a.End(&err)
		a.Size(3)
	}
	b.ReportAllocs()
	for b.Loop() {
		track()
	}
}

// BenchmarkTrackContext is BenchmarkTrack with native histograms and
// exemplars on, tracked in a context without a span and in one with a span:
// the peers are BenchmarkTrack (0 allocations without a span, 1 with one).
func BenchmarkTrackContext(b *testing.B) {
	for _, tc := range []struct {
		name string
		ctx  context.Context
	}{{"nospan", context.Background()}, {"span", spantest.Context(context.Background(), spantest.TraceID, spantest.SpanID)}} {
		b.Run(tc.name, func(b *testing.B) {
			m := newBench(b, WithNativeHistograms(DefaultNativeHistogramFactor), WithExemplars())
			var err error
			track := func() {
				a := m.TrackContext(tc.ctx, "start_handler")
				defer a.End(&err)
				a.Size(3)
			}
			b.ReportAllocs()
			for b.Loop() {
				track()
			}
		})
	}
}

// BenchmarkTrackFailed is one tracked action that fails with a wrapped
// error: the error_name lookup walks the chain.
func BenchmarkTrackFailed(b *testing.B) {
	m := newBench(b)
	err := fmt.Errorf("refresh: %w", context.DeadlineExceeded)
	track := func() {
		err := err
		a := m.Track("start_handler")
		defer a.End(&err)
	}
	b.ReportAllocs()
	for b.Loop() {
		track()
	}
}

// BenchmarkTrackBaseline does the same work by hand with client_golang on
// cached children: the cheapest way to record an action's count, duration
// and size without this package.
func BenchmarkTrackBaseline(b *testing.B) {
	reg := prometheus.NewRegistry()
	count := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c"}, []string{"name", "status", "env", "app"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "d", Buckets: actionDurationBuckets}, []string{"name", "env", "app"})
	size := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "s"}, []string{"name", "env", "app"})
	reg.MustRegister(count, duration, size)
	ok := count.WithLabelValues("start_handler", "ok", "dev", "demobot")
	failed := count.WithLabelValues("start_handler", "error", "dev", "demobot")
	observer := duration.WithLabelValues("start_handler", "dev", "demobot")
	sizer := size.WithLabelValues("start_handler", "dev", "demobot")
	var err error
	track := func() {
		start := time.Now()
		defer func() {
			observer.Observe(time.Since(start).Seconds())
			sizer.Add(3)
			if err != nil {
				failed.Inc()
			} else {
				ok.Inc()
			}
		}()
	}
	b.ReportAllocs()
	for b.Loop() {
		track()
	}
}

func BenchmarkRecordHTTP(b *testing.B) {
	m := newBench(b)
	e := Exchange{AppType: AppTypeLLM, Method: "POST", Resource: "v1/chat/completions", Status: 200,
		Duration: 300 * time.Millisecond, RequestSize: 512, ResponseSize: 2048}
	b.ReportAllocs()
	for b.Loop() {
		m.RecordHTTP(e)
	}
}

// benchHandler reads the request body and writes a small answer, the same for
// both middleware benchmarks.
var benchHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	_, _ = w.Write(benchAnswer)
})

var benchAnswer = []byte(`{"ok":true}`)

// BenchmarkMiddleware is one request through Middleware: count, duration and
// both body sizes recorded, resource from the ServeMux pattern.
func BenchmarkMiddleware(b *testing.B) {
	m := newBench(b)
	mux := http.NewServeMux()
	mux.Handle("POST /users/{id}", benchHandler)
	benchServe(b, m.Middleware(mux), context.Background())
}

// BenchmarkMiddlewareTraced is BenchmarkMiddleware with native histograms
// and exemplars on, for a request whose context carries a span: one
// allocation more than its peer, BenchmarkMiddleware.
func BenchmarkMiddlewareTraced(b *testing.B) {
	m := newBench(b, WithNativeHistograms(DefaultNativeHistogramFactor), WithExemplars())
	mux := http.NewServeMux()
	mux.Handle("POST /users/{id}", benchHandler)
	benchServe(b, m.Middleware(mux), spantest.Context(context.Background(), spantest.TraceID, spantest.SpanID))
}

// BenchmarkBareMux is the same handler and mux with no instrumentation: what
// both instrumented benchmarks add to. The mux's wildcard match costs one
// allocation of its own.
func BenchmarkBareMux(b *testing.B) {
	mux := http.NewServeMux()
	mux.Handle("POST /users/{id}", benchHandler)
	benchServe(b, mux, context.Background())
}

// BenchmarkPromhttpChain is the same handler behind promhttp's Counter,
// Duration, RequestSize and ResponseSize instrumentation, the peer of
// BenchmarkMiddleware.
func BenchmarkPromhttpChain(b *testing.B) {
	reg := prometheus.NewRegistry()
	counter := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "requests_total"}, []string{"code", "method"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "duration", Buckets: httpDurationBuckets}, []string{"code", "method"})
	reqSize := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "req_size", Buckets: httpSizeBuckets}, []string{"code", "method"})
	respSize := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "resp_size", Buckets: httpSizeBuckets}, []string{"code", "method"})
	reg.MustRegister(counter, duration, reqSize, respSize)
	mux := http.NewServeMux()
	mux.Handle("POST /users/{id}", benchHandler)
	h := promhttp.InstrumentHandlerCounter(counter,
		promhttp.InstrumentHandlerDuration(duration,
			promhttp.InstrumentHandlerRequestSize(reqSize,
				promhttp.InstrumentHandlerResponseSize(respSize, mux))))
	benchServe(b, h, context.Background())
}

func benchServe(b *testing.B, h http.Handler, ctx context.Context) {
	benchtest.Serve(b, ctx, h, "POST", "http://bot.example/users/42", `{"name":"x"}`)
}

func newBench(b *testing.B, opts ...Option) *Metrics {
	m, err := New("demobot", "dev", append([]Option{WithRegistry(prometheus.NewRegistry())}, opts...)...)
	if err != nil {
		b.Fatal(err)
	}
	return m
}

// BenchmarkScrape is one scrape of 10,000 genapp_* series (2,500
// resources, each with a request counter, a duration histogram and two size
// histograms) through Handler, and through promhttp.HandlerFor on the same
// registry, its peer.
func BenchmarkScrape(b *testing.B) {
	reg := prometheus.NewRegistry()
	m, err := Init("demobot", "dev", WithRegistry(reg), WithMaxSeries(10_000))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { defaultMetrics.Store(nil) })
	for i := range 2500 {
		m.RecordHTTP(Exchange{AppType: AppTypeLLM, Method: "POST", Resource: "r" + strconv.Itoa(i), Status: 200, Duration: time.Second})
	}
	if n := promtestScrapeRegistry(b, reg).Series("genapp_http_requests_total"); n != 2500 {
		b.Fatalf("%d exchanges recorded, want 2500", n)
	}
	b.Run("handler", func(b *testing.B) { benchScrape(b, Handler(), "") })
	b.Run("promhttp", func(b *testing.B) { benchScrape(b, promhttp.HandlerFor(reg, promhttp.HandlerOpts{}), "") })
	// OpenMetrics, where Handler leaves out the families that clash with a
	// counter's.
	const openMetrics = "application/openmetrics-text; version=1.0.0"
	b.Run("handler_openmetrics", func(b *testing.B) { benchScrape(b, Handler(), openMetrics) })
	b.Run("promhttp_openmetrics", func(b *testing.B) {
		benchScrape(b, promhttp.HandlerFor(reg, promhttp.HandlerOpts{EnableOpenMetrics: true}), openMetrics)
	})
}

// benchScrape scrapes h, asking for the format accept ("" for the
// Prometheus text format).
func benchScrape(b *testing.B, h http.Handler, accept string) {
	req, err := http.NewRequest("GET", "http://bot.example/prometheus", nil)
	if err != nil {
		b.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	w := benchtest.NewWriter()
	runtime.GC() // both sides start from the same heap
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(w, req)
		if w.Code != 0 && w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

func BenchmarkCleanResource(b *testing.B) {
	for _, path := range []string{"/v1/chat/completions", "/users/123/orders/5b3d1e2a-9c4f-4e8a-b7d6-0f1e2d3c4b5a"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = CleanResource(path)
			}
		})
	}
}

// BenchmarkGuard is the cost of one observation as the number of distinct
// label values already recorded grows, side by side: "known" records an
// exchange that has its series, "new" one with an app_type never seen (the
// attack of a caller or upstream that makes values up), folded since the
// cache is full. Both must stay flat from 10 to 100,000 existing keys. (The
// 100,000 exchanges hold about 500 MB of client_golang children.)
func BenchmarkGuard(b *testing.B) {
	for _, keys := range []int{10, 1000, 100_000} {
		m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithMaxSeries(2*keys+2),
			WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			b.Fatal(err)
		}
		e := Exchange{AppType: AppTypeHTTP, Method: "GET", Resource: "v1", Status: 200}
		appTypes := make([]string, keys)
		for i := range appTypes {
			appTypes[i] = "t" + strconv.Itoa(i)
			e.AppType = appTypes[i]
			m.RecordHTTP(e)
		}
		b.Run(fmt.Sprintf("keys=%d/known", keys), func(b *testing.B) {
			b.ReportAllocs()
			e.AppType = appTypes[keys/2]
			for b.Loop() {
				m.RecordHTTP(e)
			}
		})
		fresh := make([]string, 1<<16)
		for i := range fresh {
			fresh[i] = "n" + strconv.Itoa(i)
		}
		b.Run(fmt.Sprintf("keys=%d/new", keys), func(b *testing.B) {
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				e.AppType = fresh[i%len(fresh)]
				m.RecordHTTP(e)
				i++
			}
		})
	}
}

// BenchmarkTelegramUpdate is one update of a known type with a date:
// StartTelegramUpdate and End, as every bot adapter calls them per update.
func BenchmarkTelegramUpdate(b *testing.B) {
	m := newBench(b)
	date := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		m.StartTelegramUpdate("message", date).End()
	}
}

// BenchmarkTelegramUpdateActiveUsers is BenchmarkTelegramUpdate with
// WithActiveUsers on: the update's user counted in the sketch too
// (RecordUser), a different user each time.
func BenchmarkTelegramUpdateActiveUsers(b *testing.B) {
	m := newBench(b, WithActiveUsers())
	date := time.Now()
	b.ReportAllocs()
	id := int64(0)
	for b.Loop() {
		id++
		u := m.StartTelegramUpdate("message", date)
		u.RecordUser(id)
		u.End()
	}
}

// BenchmarkTelegramAPIError is one error answer of the Bot API: its reason
// read from the description, and the counter of a known method.
func BenchmarkTelegramAPIError(b *testing.B) {
	m := newBench(b)
	b.ReportAllocs()
	for b.Loop() {
		m.RecordTelegramAPIError("sendMessage", 403, "Forbidden: bot was blocked by the user")
	}
}

// BenchmarkTelegramFloodWait is one 429 of a known method.
func BenchmarkTelegramFloodWait(b *testing.B) {
	m := newBench(b)
	b.ReportAllocs()
	for b.Loop() {
		m.RecordTelegramFloodWait("sendMessage", 3*time.Second)
	}
}

// BenchmarkLLMUsage is the usage of one answer of a known model, priced by
// the embedded table: tokens, tokens per request and type, and the cost by
// type, with the price resolved when the series were created.
func BenchmarkLLMUsage(b *testing.B) {
	m := newBench(b)
	ctx := context.Background()
	call := LLMCall{Model: "gpt-4o-mini", Provider: "openai", BaseURL: "https://api.openai.com/v1"}
	u := LLMUsage{Input: 1200, Output: 300, CachedInput: 1000}
	b.ReportAllocs()
	for b.Loop() {
		m.RecordLLMUsage(ctx, call, u)
	}
}

// BenchmarkLLMUsageBaseline does the same work by hand with client_golang
// on cached children, the price a constant: the cheapest way to record
// tokens and their cost without this package.
func BenchmarkLLMUsageBaseline(b *testing.B) {
	reg := prometheus.NewRegistry()
	labels := []string{"agent_name", "model_name", "provider_name", "tool_name", "base_url", "is_fallback", "token_type"}
	tokens := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "t"}, labels)
	typeTokens := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "h", Buckets: llmTokenBuckets}, labels)
	allTokens := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "a", Buckets: llmTokenBuckets}, labels[:6])
	cost := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "c"}, labels)
	reg.MustRegister(tokens, typeTokens, allTokens, cost)
	type series struct {
		tokens, cost prometheus.Counter
		typeTokens   prometheus.Observer
		perMillion   float64
	}
	call := []string{"", "gpt-4o-mini", "openai", "", "https://api.openai.com/v1", "false"}
	var byType [3]series
	for i, typ := range []string{TokenInput, TokenOutput, TokenCachedInput} {
		l := append(slices.Clone(call), typ)
		byType[i] = series{tokens.WithLabelValues(l...), cost.WithLabelValues(l...), typeTokens.WithLabelValues(l...), [...]float64{0.15, 0.6, 0.075}[i]}
	}
	all := allTokens.WithLabelValues(call...)
	u := LLMUsage{Input: 1200, Output: 300, CachedInput: 1000}
	b.ReportAllocs()
	for b.Loop() {
		counts := [3]int64{u.Input, u.Output, u.CachedInput}
		billed := [3]int64{u.Input - u.CachedInput, u.Output, u.CachedInput}
		for i, s := range byType {
			s.tokens.Add(float64(counts[i]))
			s.typeTokens.Observe(float64(counts[i]))
			s.cost.Add(float64(billed[i]) * s.perMillion / 1e6)
		}
		all.Observe(float64(u.Input + u.Output))
	}
}

// BenchmarkLLMRateLimit is the rate-limit headers of one answer of a known
// model: remaining and limit of requests and tokens.
func BenchmarkLLMRateLimit(b *testing.B) {
	m := newBench(b)
	ctx := context.Background()
	call := LLMCall{Model: "gpt-4o-mini", Provider: "openai", BaseURL: "https://api.openai.com/v1"}
	b.ReportAllocs()
	for b.Loop() {
		m.RecordLLMRateLimit(ctx, call, LLMLimitRequests, 499, 500)
		m.RecordLLMRateLimit(ctx, call, LLMLimitTokens, 190_000, 200_000)
	}
}
