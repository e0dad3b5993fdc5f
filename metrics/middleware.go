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

// MiddlewareOption configures [Middleware], [Metrics.Middleware] and
// [NewInbound], and the router adapters built on [Inbound]: [WithMetrics],
// [ExcludePaths], [RouteFrom].
type MiddlewareOption func(*Inbound)

// WithMetrics records in m instead of the default instance looked up per
// request; a nil m records nothing. Middleware(next, WithMetrics(m)) is
// m.Middleware(next), and the router adapters take it the same way:
//
//	r.Use(ginmetrics.Middleware(metrics.WithMetrics(m)))
//
// Of several instances given, the last one counts, a method's receiver
// coming first.
func WithMetrics(m *Metrics) MiddlewareOption {
	return func(in *Inbound) { in.instance = func() *Metrics { return m } }
}

// ExcludePaths replaces [DefaultExcludedPaths]: requests whose URL path is one
// of paths pass through unrecorded. To add to the defaults:
//
//	metrics.ExcludePaths(append(metrics.DefaultExcludedPaths(), "/ping")...)
func ExcludePaths(paths ...string) MiddlewareOption {
	return func(in *Inbound) {
		in.excluded = make(map[string]struct{}, len(paths))
		for _, p := range paths {
			in.excluded[p] = struct{}{}
		}
	}
}

// RouteFrom makes [Middleware] take the route of a request from route,
// called once the handler has returned, in place of r.Pattern: for a
// router that keeps the route it matched in the request's context. The
// route is recorded as r.Pattern is: through [PatternResource], and an
// empty route is [UnknownResource] for a 404, [UnroutedResource] otherwise.
// For github.com/go-chi/chi/v5, with the middleware inside the router
// (chi sets up its route context there, and its sub-routers complete it):
//
//	r.Use(func(next http.Handler) http.Handler {
//		return metrics.Middleware(next, metrics.RouteFrom(func(r *http.Request) string {
//			return chi.RouteContext(r.Context()).RoutePattern()
//		}))
//	})
//
// route must be a template fixed by the code that registers routes, never
// the path a client sent.
func RouteFrom(route func(r *http.Request) string) MiddlewareOption {
	return func(in *Inbound) { in.route = route }
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
// r.Pattern, as a ServeMux does; a router that keeps its route elsewhere,
// such as chi, names it with [RouteFrom].
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
	return &middleware{in: NewInbound(opts...), next: next}
}

// Middleware is [Middleware] recording in m: Middleware(next, WithMetrics(m)).
func (m *Metrics) Middleware(next http.Handler, opts ...MiddlewareOption) http.Handler {
	return Middleware(next, m.picked(opts)...)
}

// picked returns opts after [WithMetrics](m), so that an instance they
// give wins over m.
func (m *Metrics) picked(opts []MiddlewareOption) []MiddlewareOption {
	return append([]MiddlewareOption{WithMetrics(m)}, opts...)
}

type middleware struct {
	in   *Inbound
	next http.Handler
}

func (mw *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	ir := mw.in.Start(r)
	if !ir.Recording() {
		mw.next.ServeHTTP(w, r)
		return
	}
	d := delegators.Get().(*delegator)
	*d = delegator{ResponseWriter: w}
	returned := false
	defer func() {
		ir.Finish(r.Context(), mw.in.routeOf(r), d.status, d.written, !returned)
		if returned { // after a panic d is not reused: whoever recovers may still hold it
			*d = delegator{}
			delegators.Put(d)
		}
	}()
	mw.next.ServeHTTP(d.wrap(), r)
	returned = true
}

// delegators recycles the ResponseWriter wrapper. net/http forbids using a
// ResponseWriter after the handler returns, and the wrappers a handler hands
// on (http.TimeoutHandler's, say) are their own, so once next.ServeHTTP has
// returned nobody writes to d any more.
var delegators = sync.Pool{New: func() any { return new(delegator) }}

// routeOf is the route of r, read after the handler ran, when a ServeMux
// inside it has set r.Pattern.
func (in *Inbound) routeOf(r *http.Request) string {
	if in.route != nil {
		return in.route(r)
	}
	return r.Pattern
}
