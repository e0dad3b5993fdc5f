package echometrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/echometrics"
	"github.com/genapp-go/genapp/metrics/internal/routertest"
)

// routes registers routertest's routes on e.
func routes(e *echo.Echo) {
	e.GET("/users/:id", func(c echo.Context) error { return c.String(http.StatusOK, "user "+c.Param("id")) })
	e.POST("/users/:id/echo", func(c echo.Context) error {
		return routertest.Echo(c.Response(), c.Request().Body)
	})
	e.GET("/users/:id/missing", func(c echo.Context) error { return c.String(http.StatusNotFound, "no such user") })
	e.GET("/teapot", func(c echo.Context) error { return echo.NewHTTPError(http.StatusTeapot) })
	e.GET("/panic", func(c echo.Context) error { panic("boom") })
	e.GET("/health", func(c echo.Context) error { return c.String(http.StatusOK, "ok") })
	e.GET("/upgrade", echo.WrapHandler(http.HandlerFunc(routertest.Upgrade)))
}

func newEcho() *echo.Echo {
	e := echo.New()
	e.Logger.SetOutput(io.Discard)
	return e
}

var router = routertest.Router{
	New: func(page *metrics.Metrics, opts ...metrics.MiddlewareOption) http.Handler {
		e := newEcho()
		if page != nil {
			e.Use(echometrics.Middleware(opts...))
			e.GET("/prometheus", echo.WrapHandler(page.Handler()))
		}
		e.Use(middleware.Recover())
		routes(e)
		return e
	},
	Default: func() http.Handler {
		e := newEcho()
		e.Use(echometrics.Middleware())
		routes(e)
		return e
	},
	Param:               ":id",
	UpgradeStatus:       http.StatusOK,
	WrongMethod:         http.StatusMethodNotAllowed,
	WrongMethodResource: "users/:id", // echo gives its 405 the route's path
	Traced: func(m *metrics.Metrics, traced func(context.Context) context.Context) http.Handler {
		e := newEcho()
		e.Use(echometrics.Middleware(metrics.WithMetrics(m)), func(next echo.HandlerFunc) echo.HandlerFunc {
			return func(c echo.Context) error {
				c.SetRequest(c.Request().WithContext(traced(c.Request().Context()))) // as otelecho does
				return next(c)
			}
		})
		routes(e)
		return e
	},
}

func TestEcho(t *testing.T) { routertest.Run(t, router) }

func BenchmarkEcho4(b *testing.B) { routertest.Bench(b, router) }

// TestErrorHandler: an error a handler returns is recorded with the
// status and body the error handler gives it, here a custom one's.
func TestErrorHandler(t *testing.T) {
	m := routertest.New(t)
	errConflict := errors.New("conflict")
	e := newEcho()
	e.HTTPErrorHandler = func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		if errors.Is(err, errConflict) {
			_ = c.String(http.StatusConflict, "conflict")
			return
		}
		_ = c.NoContent(http.StatusInternalServerError)
	}
	e.Use(echometrics.Middleware(metrics.WithMetrics(m)))
	e.GET("/orders/:id", func(c echo.Context) error { return fmt.Errorf("order %s: %w", c.Param("id"), errConflict) })
	srv := routertest.Server(t, e)
	if status, answer := routertest.Do(t, "GET", srv.URL+"/orders/7", nil); status != http.StatusConflict || answer != "conflict" {
		t.Fatalf("%d %q, want 409 conflict, once", status, answer)
	}
	l := promtest.Labels{"resource": "orders/:id", "status": "409", "direction": "out"}
	if n, sum := promtest.Scrape(t, m.Handler()).Histogram(t, "genapp_http_request_size_bytes", l); n != 1 || sum != 8 {
		t.Errorf("%d answers of %v bytes recorded, want 1 of 8", n, sum)
	}
}

// TestRecoverOutside: with Recover before the middleware, a panic goes
// through the middleware, which records 500.
func TestRecoverOutside(t *testing.T) {
	m := routertest.New(t)
	e := newEcho()
	e.Use(middleware.Recover(), echometrics.Middleware(metrics.WithMetrics(m)))
	routes(e)
	srv := routertest.Server(t, e)
	if status, _ := routertest.Do(t, "GET", srv.URL+"/panic", nil); status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", status)
	}
	promtest.Scrape(t, m.Handler()).One(t, "genapp_http_requests_total", promtest.Labels{"resource": "panic", "status": "500"})
}
