package metrics

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Values of the app_type label used by this module. Callers may name others;
// the convention is "<something>_api".
const (
	AppTypeAPI      = "app_api"      // incoming HTTP, recorded by Middleware
	AppTypeLLM      = "llm"          // LLM provider APIs
	AppTypeAuth     = "auth_api"     // authentication services
	AppTypeTelegram = "telegram_api" // the Telegram Bot API
	AppTypeHTTP     = "http_api"     // other outbound HTTP
)

// Exchange is one finished HTTP exchange, as [RecordHTTP] records it.
type Exchange struct {
	AppType string
	// Method is the request method. Methods other than the standard nine
	// (GET, HEAD, POST, PUT, PATCH, DELETE, CONNECT, OPTIONS, TRACE) are
	// recorded as "OTHER", so that clients cannot create series at will.
	Method string
	// Resource names what was called. It must be low-cardinality and free of
	// secrets: a route pattern or the result of [CleanResource]. Like
	// AppType, it is folded into [OverflowValue] when longer than
	// [MaxLabelLen].
	Resource string
	// Status is the response status code, 0 when no response arrived; a
	// code outside 100-999 is recorded as 0.
	Status       int
	Duration     time.Duration
	RequestSize  int64 // request body bytes sent ("in")
	ResponseSize int64 // response body bytes received ("out")
}

// httpFamilies are the genapp_http_* families, with the names, help
// strings, labels and buckets of llm_common.
type httpFamilies struct {
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	size      *prometheus.HistogramVec
	exemplars *exemplarIndex // of duration; nil unless WithExemplars
}

var (
	httpDurationBuckets = []float64{0.1, 0.5, 1, 3, 5, 10, 20, 30, 60, 120, 300, 600, 3600}
	httpSizeBuckets     = []float64{100, 1e3, 5e3, 1e4, 5e4, 1e5, 5e5, 1e6, 5e6, 1e7, 5e7, 1e8, 5e8, 1e9}
)

func newHTTPFamilies(constLabels prometheus.Labels, h histograms, exemplars *exemplarIndex) httpFamilies {
	return httpFamilies{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "genapp_http_requests_total", Help: "Total number of HTTP requests", ConstLabels: constLabels,
		}, []string{"method", "status", "resource", "app_type"}),
		duration: h.newVec(prometheus.HistogramOpts{
			Name: "genapp_http_request_duration_sec", Help: "HTTP request latency in seconds", ConstLabels: constLabels,
			Buckets: httpDurationBuckets,
		}, []string{"method", "status", "resource", "app_type"}),
		size: h.newVec(prometheus.HistogramOpts{
			Name: "genapp_http_request_size_bytes", Help: "HTTP request or response size in bytes", ConstLabels: constLabels,
			Buckets: httpSizeBuckets,
		}, []string{"resource", "status", "method", "direction", "app_type"}),
		exemplars: exemplars,
	}
}

// Describe implements prometheus.Collector.
func (h *httpFamilies) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, h.requests, h.duration, h.size)
}

// Collect implements prometheus.Collector.
func (h *httpFamilies) Collect(ch chan<- prometheus.Metric) {
	collect(ch, h.requests, h.size)
	h.exemplars.collect(h.duration, ch)
}

// RecordHTTP records e in the default instance, the analogue of llm_common's
// http_tracking. It records nothing when [Init] has not been called.
func RecordHTTP(e Exchange) { Default().RecordHTTP(e) }

// RecordHTTP records e: one count, its duration, and both body sizes.
// Negative durations and sizes are recorded as 0.
func (m *Metrics) RecordHTTP(e Exchange) { m.recordHTTP(context.Background(), e) }

// RecordHTTPContext records e, an exchange made in ctx, in the default
// instance: with [WithExemplars], when ctx carries an OpenTelemetry span,
// e's duration carries an exemplar with the span's trace_id and span_id.
// Otherwise it records what [RecordHTTP] records. ctx may be nil.
func RecordHTTPContext(ctx context.Context, e Exchange) { Default().RecordHTTPContext(ctx, e) }

// RecordHTTPContext records e, an exchange made in ctx, in m; see the
// package-level [RecordHTTPContext].
func (m *Metrics) RecordHTTPContext(ctx context.Context, e Exchange) { m.recordHTTP(ctx, e) }

// recordHTTP records e, with an exemplar when ctx (which may be nil)
// carries a span.
func (m *Metrics) recordHTTP(ctx context.Context, e Exchange) {
	if m == nil {
		return
	}
	s := m.httpSeries(exchangeKey{appType: e.AppType, method: normalMethod(e.Method), resource: e.Resource, status: normalStatus(e.Status)})
	s.requests.Inc()
	d := max(e.Duration, 0).Seconds()
	s.duration.Observe(d)
	s.traces.observe(ctx, d)
	s.in.Observe(float64(max(e.RequestSize, 0)))
	s.out.Observe(float64(max(e.ResponseSize, 0)))
}

type exchangeKey struct {
	appType, method, resource string
	status                    int
}

type httpSeries struct {
	requests          prometheus.Counter
	duration, in, out prometheus.Observer
	traces            *exemplarSlots // of duration; nil unless WithExemplars
}

// overflowExchange is the exchange that those refused by the series limit
// are folded into.
var overflowExchange = exchangeKey{appType: OverflowValue, method: OverflowValue, resource: OverflowValue, status: overflowStatus}

// overflowStatus is the status of overflowExchange, recorded as OverflowValue.
const overflowStatus = -1

func (m *Metrics) httpSeries(k exchangeKey) *httpSeries {
	counted := -1 // the label this observation is counted under as folded
	if reason := fit(k.resource, false); reason >= 0 {
		m.f.warn(foldResource, reason, len(k.resource))
		k.resource, counted = OverflowValue, foldResource
	}
	if reason := fit(k.appType, false); reason >= 0 {
		m.f.warn(foldAppType, reason, len(k.appType))
		k.appType = OverflowValue
		if counted < 0 {
			counted = foldAppType
		}
	}
	s, ok := m.f.https.loadOrCreate(k, m.f.maxKeys, m.newHTTPSeries)
	if !ok {
		m.f.warn(foldResource, limitReached, len(k.resource))
		s, counted = m.f.https.overflow(overflowExchange, m.newHTTPSeries), foldResource
	}
	if counted >= 0 {
		m.f.folded[counted].get().Inc()
	}
	return s
}

func (m *Metrics) newHTTPSeries(k exchangeKey) *httpSeries {
	status := statusLabel(k.status)
	resource := labelValue(k.resource)
	appType := labelValue(k.appType)
	s := &httpSeries{
		requests: m.f.http.requests.WithLabelValues(k.method, status, resource, appType),
		duration: m.f.http.duration.WithLabelValues(k.method, status, resource, appType),
		in:       m.f.http.size.WithLabelValues(resource, status, k.method, "in", appType),
		out:      m.f.http.size.WithLabelValues(resource, status, k.method, "out", appType),
	}
	s.traces = m.f.http.exemplars.slotsFor(s.duration, httpDurationBuckets)
	return s
}

// normalStatus returns code, or 0 when it is outside 100-999: then no valid
// response arrived.
func normalStatus(code int) int {
	if code < 100 || code > 999 {
		return 0
	}
	return code
}

// statusLabel is the status code of a key as a string.
func statusLabel(code int) string {
	if code == overflowStatus {
		return OverflowValue
	}
	return strconv.Itoa(code)
}

// standardMethods are the methods recorded as they are.
var standardMethods = [...]string{
	http.MethodGet, http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch,
	http.MethodHead, http.MethodOptions, http.MethodConnect, http.MethodTrace,
}

// normalMethod returns method if it is a standard one, else "OTHER". It
// returns the package's own string so that cached keys never hold on to a
// request's memory. An empty method is GET, as net/http's client sends it.
func normalMethod(method string) string {
	if method == "" {
		return http.MethodGet
	}
	for _, m := range standardMethods {
		if method == m {
			return m
		}
	}
	return "OTHER"
}
