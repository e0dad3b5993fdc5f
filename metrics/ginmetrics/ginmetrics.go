package ginmetrics

import (
	"github.com/gin-gonic/gin"

	"github.com/genapp-go/genapp/metrics"
)

// Middleware returns a gin middleware that records every request with
// app_type="app_api" in the default instance of package metrics, looked up
// per request (before metrics.Init, nothing is recorded), or in the one of
// metrics.WithMetrics.
//
// The resource is the route template gin matched, c.FullPath()
// ("/users/:id" -> "users/:id", see metrics.PatternResource); a request no
// route matched (FullPath is empty) is metrics.UnknownResource for a 404,
// metrics.UnroutedResource for gin's 405 (HandleMethodNotAllowed). The
// path a client sent is never recorded. Sizes are the request body bytes
// the handlers read and the response body bytes they wrote; a handler that
// panics is recorded as 500 and the panic goes on, to gin.Recovery. Of the
// other options, metrics.ExcludePaths applies.
//
// Register it on the engine (engine.Use), first: gin runs the engine's
// middleware for its 404 and 405 too, and a middleware before it that
// aborts hides the request. Gin writes the body of its own 404 and 405
// ("404 page not found") after the middleware has returned: those bytes
// are not recorded. Nor are gin's redirects of a trailing slash, which run
// no middleware. A connection a handler takes over (a WebSocket upgrade)
// is recorded with the status gin's writer holds, 200, where
// metrics.Middleware records 101: gin does not say it was taken over.
//
// With metrics.WithExemplars, the span in c.Request's context once the
// handlers have returned, such as the one otelgin's middleware puts there
// when registered after this one, is the exemplar of the request's
// duration.
func Middleware(opts ...metrics.MiddlewareOption) gin.HandlerFunc {
	return handler(metrics.NewInbound(opts...))
}

func handler(in *metrics.Inbound) gin.HandlerFunc {
	return func(c *gin.Context) {
		ir := in.Start(c.Request)
		if !ir.Recording() {
			c.Next()
			return
		}
		returned := false
		defer func() {
			ir.Finish(c.Request.Context(), c.FullPath(), c.Writer.Status(), int64(max(c.Writer.Size(), 0)), !returned)
		}()
		c.Next()
		returned = true
	}
}
