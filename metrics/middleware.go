package metrics

import (
	"net/http"
	"slices"
	"sync"
)

// DefaultExcludedPaths returns the paths [Middleware] does not record, as in
// llm_common: documentation, health checks, the metrics endpoint itself. The
// slice is the caller's: changing it changes nothing here.
func DefaultExcludedPaths() []string { return slices.Clone(defaultExcludedPaths) }

var defaultExcludedPaths = []string{
	"/docs", "/openapi.json", "/health", "/prometheus",
	"/manage/health", "/manage/prometheus", "/favicon.ico",
}

// MiddlewareOption configures [Middleware] and [Metrics.Middleware]:
// [ExcludePaths].
type MiddlewareOption func(*middleware)

// ExcludePaths replaces [DefaultExcludedPaths]: requests whose URL path is one
// of paths pass through unrecorded. To add to the defaults:
//
//	metrics.ExcludePaths(append(metrics.DefaultExcludedPaths(), "/ping")...)
func ExcludePaths(paths ...string) MiddlewareOption {
	return func(mw *middleware) {
		mw.excluded = make(map[string]struct{}, len(paths))
		for _, p := range paths {
			mw.excluded[p] = struct{}{}
		}
	}
}

// Middleware records every request next serves in the default instance with
// app_type="app_api", the analogue of llm_common's
// fastapi_tracking_middleware. The default is looked up per request: before
// [Init], requests reach next untouched.
//
// The resource is the route pattern when an http.ServeMux routed the request
// ("GET /users/{id}" -> "users/{id}", see [PatternResource]), [UnknownResource]
// for a 404 no route matched, and [UnroutedResource] for any other answer
// given without a route: the ServeMux's own redirects, or an authentication
// or catch-all handler that answers before routing. The path a client sent
// is never recorded, so that clients cannot make series or put secrets in
// the exposition. A handler that routes by itself names its route by setting
// r.Pattern, as a ServeMux does.
//
// Sizes are the request body bytes the handler read (never what the
// Content-Length header claims: a client may lie, and a refused body is not
// read) and the response body bytes the handler wrote. A handler that panics
// is recorded with status 500 and the panic goes on.
//
// With [WithExemplars], a request whose context carries an OpenTelemetry span
// when it reaches Middleware gets an exemplar on its duration: put the
// tracing middleware (otelhttp's, say) outside Middleware.
//
// Put Middleware directly outside the ServeMux, as in Middleware(mux), so
// that the mux sets the pattern on the request the middleware sees. A
// wrapper in between that hands on a copy of the request (http.StripPrefix,
// http.TimeoutHandler) hides the pattern, and every request is recorded as
// unrouted: put such wrappers inside the mux's routes instead.
func Middleware(next http.Handler, opts ...MiddlewareOption) http.Handler {
	return newMiddleware(Default, next, opts)
}

// Middleware is [Middleware] recording in m.
func (m *Metrics) Middleware(next http.Handler, opts ...MiddlewareOption) http.Handler {
	return newMiddleware(func() *Metrics { return m }, next, opts)
}

type middleware struct {
	instance func() *Metrics
	next     http.Handler
	excluded map[string]struct{}
}

func newMiddleware(instance func() *Metrics, next http.Handler, opts []MiddlewareOption) *middleware {
	mw := &middleware{instance: instance, next: next}
	ExcludePaths(defaultExcludedPaths...)(mw)
	for _, o := range opts {
		o(mw)
	}
	return mw
}

func (mw *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	m := mw.instance()
	if m == nil {
		mw.next.ServeHTTP(w, r)
		return
	}
	if _, skip := mw.excluded[r.URL.Path]; skip {
		mw.next.ServeHTTP(w, r)
		return
	}
	start := now()
	d := delegators.Get().(*delegator)
	*d = delegator{ResponseWriter: w}
	// The body is counted as the handler reads it: Content-Length is only
	// the client's claim. The counting wrapper is the request's own, never
	// pooled: a copy of the request (http.TimeoutHandler makes one) may
	// outlive this call and read it late.
	body := r.Body
	var counted *countingBody
	if body != nil && body != http.NoBody {
		counted = &countingBody{ReadCloser: body}
		r.Body = counted
	}
	defer func() {
		var in int64
		if counted != nil {
			r.Body = body
			in = counted.n.Load()
		}
		status := d.status
		p := recover()
		if p != nil {
			status = http.StatusInternalServerError
		} else if status == 0 {
			status = http.StatusOK
		}
		m.RecordHTTPContext(r.Context(), Exchange{
			AppType:      AppTypeAPI,
			Method:       r.Method,
			Resource:     requestResource(r, status),
			Status:       status,
			Duration:     now() - start,
			RequestSize:  in,
			ResponseSize: d.written,
		})
		if p != nil {
			panic(p) // d is not reused: whoever recovers may still hold it
		}
		*d = delegator{}
		delegators.Put(d)
	}()
	mw.next.ServeHTTP(d.wrap(), r)
}

// delegators recycles the ResponseWriter wrapper. net/http forbids using a
// ResponseWriter after the handler returns, and the wrappers a handler hands
// on (http.TimeoutHandler's, say) are their own, so once next.ServeHTTP has
// returned nobody writes to d any more.
var delegators = sync.Pool{New: func() any { return new(delegator) }}

// requestResource is read after the handler ran, when a ServeMux inside it has
// set r.Pattern.
func requestResource(r *http.Request, status int) string {
	if r.Pattern != "" {
		if resource, ok := patternResources.loadOrCreate(r.Pattern, maxPatterns, PatternResource); ok {
			return resource
		}
		return PatternResource(r.Pattern)
	}
	if status == http.StatusNotFound {
		return UnknownResource
	}
	return UnroutedResource
}

// patternResources caches PatternResource: patterns are fixed by the code
// that registers them, and few.
var patternResources seriesCache[string, string]

// maxPatterns bounds patternResources; the patterns past it are cleaned on
// every request.
const maxPatterns = 10_000
