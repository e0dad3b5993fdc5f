package echometrics

import (
	"github.com/labstack/echo/v4"

	"github.com/genapp-go/genapp/metrics"
)

// Middleware returns an echo middleware that records every request with
// app_type="app_api" in the default instance of package metrics, looked up
// per request (before metrics.Init, nothing is recorded), or in the one of
// metrics.WithMetrics.
//
// The resource is the route template echo matched, c.Path() ("/users/:id"
// -> "users/:id", see metrics.PatternResource); a request no route matched
// (an empty c.Path()) is metrics.UnknownResource. Echo v4 gives its 405
// the path of the route whose method did not match, and so does this
// package. The path a client sent is never recorded. Sizes are the request
// body bytes the handlers read and the response body bytes written; a
// handler that panics is recorded as 500 and the panic goes on. Of the
// other options, metrics.ExcludePaths applies.
// A connection a handler takes over (a WebSocket upgrade) is recorded with
// the status echo's response holds, 200, where metrics.Middleware records
// 101: echo does not say it was taken over.
//
// When a handler returns an error, the middleware has echo's error handler
// answer it at once (c.Error), as echo's RequestLogger does with
// HandleError, so that the status and body the client gets are the ones
// recorded; it then returns the error, which echo's default error handler
// ignores once the answer is sent. Register it first (e.Use), so that every
// other middleware, echo's Recover included, is inside it.
//
// With metrics.WithExemplars, the span in the context of c.Request() once
// the handlers have returned, such as the one otelecho's middleware puts
// there when registered after this one, is the exemplar of the request's
// duration.
func Middleware(opts ...metrics.MiddlewareOption) echo.MiddlewareFunc {
	return middleware(metrics.NewInbound(opts...))
}

func middleware(in *metrics.Inbound) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			ir := in.Start(c.Request())
			if !ir.Recording() {
				return next(c)
			}
			returned := false
			defer func() {
				res := c.Response()
				ir.Finish(c.Request().Context(), c.Path(), res.Status, res.Size, !returned)
			}()
			err := next(c)
			if err != nil {
				c.Error(err)
			}
			returned = true
			return err
		}
	}
}
