package metrics

import (
	"net/http"
	"sync"
)

// DefaultExcludedPaths are the paths [Middleware] does not record, as in
// llm_common: documentation, health checks, the metrics endpoint itself.
var DefaultExcludedPaths = []string{
	"/docs", "/openapi.json", "/health", "/prometheus",
	"/manage/health", "/manage/prometheus", "/favicon.ico",
}

// MiddlewareOption configures [Middleware].
type MiddlewareOption func(*middleware)

// ExcludePaths replaces [DefaultExcludedPaths]: requests whose URL path is one
// of paths pass through unrecorded.
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
// ("GET /users/{id}" -> "users/{id}"), "/{unknown}" for a 404 no route
// matched, and [CleanResource] of the path otherwise. Sizes are the request
// body's Content-Length (for a chunked body, the bytes the handler read) and
// the response body bytes the handler wrote. A handler
// that panics is recorded with status 500 and the panic goes on.
//
// Put Middleware outside the ServeMux, as in Middleware(mux), so that the mux
// sets the pattern on the request the middleware sees.
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
	ExcludePaths(DefaultExcludedPaths...)(mw)
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
	// A body with a Content-Length is that long on the wire. A chunked one
	// is counted as the handler reads it, through a wrapper of its own: a
	// copy of the request (http.TimeoutHandler makes one) may outlive this
	// call and read it late.
	body := r.Body
	var chunked *countingBody
	if r.ContentLength < 0 && body != nil && body != http.NoBody {
		chunked = &countingBody{ReadCloser: body}
		r.Body = chunked
	}
	defer func() {
		in := max(r.ContentLength, 0)
		if chunked != nil {
			r.Body = body
			in = chunked.n.Load()
		}
		status := d.status
		p := recover()
		if p != nil {
			status = http.StatusInternalServerError
		} else if status == 0 {
			status = http.StatusOK
		}
		m.RecordHTTP(Exchange{
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
		resource, _ := patternResources.loadOrCreate(r.Pattern, 0, PatternResource)
		return resource
	}
	if status == http.StatusNotFound {
		return UnknownResource
	}
	return CleanResource(r.URL.Path)
}

// patternResources caches PatternResource: patterns are few and fixed.
var patternResources seriesCache[string, string]
