package metrics

import (
	"context"
	"io"
	"net/http"
	"time"
)

// Inbound records the requests a server answers, as [Middleware] does, for
// routers whose middleware is not an http.Handler (gin, echo): [Inbound.Start]
// when the request arrives, [InboundRequest.Finish] once the router's
// handlers have returned, with the route that matched. Whatever calls it, a
// request is recorded by the same rules: the same exclusions, resources,
// sizes and statuses. The adapters in metrics/ginmetrics and
// metrics/echometrics are built on it.
type Inbound struct {
	instance func() *Metrics
	excluded map[string]struct{}
	route    func(*http.Request) string
}

// NewInbound returns an Inbound recording in the default instance, looked
// up per request (before [Init], requests are not recorded), or in the one
// of [WithMetrics]. Of the other options, [ExcludePaths] applies; the route
// is the one given to [InboundRequest.Finish].
func NewInbound(opts ...MiddlewareOption) *Inbound {
	in := &Inbound{instance: Default}
	ExcludePaths(defaultExcludedPaths...)(in)
	for _, o := range opts {
		o(in)
	}
	return in
}

// NewInbound is [NewInbound] recording in m: NewInbound(WithMetrics(m)).
func (m *Metrics) NewInbound(opts ...MiddlewareOption) *Inbound { return NewInbound(m.picked(opts)...) }

// InboundRequest is one request being recorded, from [Inbound.Start] to
// [InboundRequest.Finish]. Its zero value records nothing.
type InboundRequest struct {
	m       *Metrics
	r       *http.Request
	body    io.ReadCloser
	counted *countingBody
	start   time.Duration
}

// Start begins recording r: from here the bytes the handlers read from
// r.Body are counted. It returns an InboundRequest that records nothing
// (see [InboundRequest.Recording]) before [Init], for an excluded path
// and for a nil r.
func (in *Inbound) Start(r *http.Request) InboundRequest {
	m := in.instance()
	if m == nil || r == nil {
		return InboundRequest{}
	}
	if _, skip := in.excluded[r.URL.Path]; skip {
		return InboundRequest{}
	}
	ir := InboundRequest{m: m, r: r, start: now()}
	// The body is counted as the handler reads it: Content-Length is only
	// the client's claim. The counting wrapper is the request's own, never
	// pooled: a copy of the request (http.TimeoutHandler makes one) may
	// outlive the handler and read it late.
	if body := r.Body; body != nil && body != http.NoBody {
		ir.body, ir.counted = body, &countingBody{ReadCloser: body}
		r.Body = ir.counted
	}
	return ir
}

// Recording reports whether Finish records the request: false before
// [Init] and for an excluded path, when the caller may skip its own work.
func (ir InboundRequest) Recording() bool { return ir.m != nil }

// Finish records the request once the handlers have returned, and gives
// r its own body back. ctx is the context of the request as the handlers
// left it (gin's c.Request.Context(), echo's c.Request().Context()): with
// [WithExemplars], the span that a tracing middleware registered after the
// adapter (otelgin, otelecho) put in it becomes the exemplar of the
// request's duration; a nil ctx is that of the request given to
// [Inbound.Start]. route is the template the router matched, as it
// writes it ("GET /users/{id}", "/users/:id"): it becomes the resource by
// [PatternResource]; an empty route is [UnknownResource] for a 404 and
// [UnroutedResource] for any other answer. status is the response status,
// 0 if the handlers wrote none (recorded as 200); panicked, that the
// handlers did not return, is recorded as 500 whatever status says.
// responseSize is the body bytes written. Call it once per request.
func (ir InboundRequest) Finish(ctx context.Context, route string, status int, responseSize int64, panicked bool) {
	if ir.m == nil {
		return
	}
	if ctx == nil {
		ctx = ir.r.Context()
	}
	var in int64
	if ir.counted != nil {
		ir.r.Body = ir.body
		in = ir.counted.n.Load()
	}
	switch {
	case panicked:
		status = http.StatusInternalServerError
	case status == 0:
		status = http.StatusOK
	}
	ir.m.RecordHTTPContext(ctx, Exchange{
		AppType:      AppTypeAPI,
		Method:       ir.r.Method,
		Resource:     routeResource(route, status),
		Status:       status,
		Duration:     now() - ir.start,
		RequestSize:  in,
		ResponseSize: responseSize,
	})
}

// routeResource is the resource of a request answered with status that
// matched route ("" when it matched none).
func routeResource(route string, status int) string {
	if route != "" {
		if len(route) <= maxCachedRoute {
			if resource, ok := patternResources.loadOrCreate(route, maxPatterns, PatternResource); ok {
				return resource
			}
		}
		return PatternResource(route)
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

// maxCachedRoute bounds the routes kept in patternResources: room for a
// method, a host name (at most 253 bytes) and a path that fits in
// MaxLabelLen. A longer one, whose resource folds anyway, is cleaned on
// every request, so that a RouteFrom that wrongly returns the client's path
// cannot make clients fill the cache with their longest paths.
const maxCachedRoute = 4 * MaxLabelLen
