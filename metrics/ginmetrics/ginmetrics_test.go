package ginmetrics_test

import (
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/ginmetrics"
	"github.com/genapp-go/genapp/metrics/internal/routertest"
)

func init() { gin.SetMode(gin.ReleaseMode) }

// routes registers routertest's routes on e.
func routes(e *gin.Engine) {
	e.GET("/users/:id", func(c *gin.Context) { c.String(http.StatusOK, "user "+c.Param("id")) })
	e.POST("/users/:id/echo", func(c *gin.Context) { _ = routertest.Echo(c.Writer, c.Request.Body) })
	e.GET("/users/:id/missing", func(c *gin.Context) { c.String(http.StatusNotFound, "no such user") })
	e.GET("/teapot", func(c *gin.Context) { c.Status(http.StatusTeapot) })
	e.GET("/panic", func(c *gin.Context) { panic("boom") })
	e.GET("/health", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	e.GET("/upgrade", gin.WrapF(routertest.Upgrade))
}

var router = routertest.Router{
	New: func(page *metrics.Metrics, opts ...metrics.MiddlewareOption) http.Handler {
		e := gin.New()
		if page != nil {
			e.Use(ginmetrics.Middleware(opts...))
			e.GET("/prometheus", gin.WrapH(page.Handler()))
		}
		e.Use(gin.RecoveryWithWriter(io.Discard))
		routes(e)
		return e
	},
	Default: func() http.Handler {
		e := gin.New()
		e.Use(ginmetrics.Middleware())
		routes(e)
		return e
	},
	Param:               ":id",
	UpgradeStatus:       http.StatusOK,
	WrongMethod:         http.StatusNotFound, // gin answers 404 unless HandleMethodNotAllowed
	WrongMethodResource: metrics.UnknownResource,
	LateErrorBody:       true,
	Traced: func(m *metrics.Metrics, traced func(context.Context) context.Context) http.Handler {
		e := gin.New()
		e.Use(ginmetrics.Middleware(metrics.WithMetrics(m)), func(c *gin.Context) {
			c.Request = c.Request.WithContext(traced(c.Request.Context())) // as otelgin does
			c.Next()
		})
		routes(e)
		return e
	},
}

func TestGin(t *testing.T) { routertest.Run(t, router) }

func BenchmarkGin(b *testing.B) { routertest.Bench(b, router) }

// TestMethodNotAllowed: with HandleMethodNotAllowed, gin's 405 matched no
// route.
func TestMethodNotAllowed(t *testing.T) {
	m := routertest.New(t)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.Use(ginmetrics.Middleware(metrics.WithMetrics(m)))
	routes(e)
	srv := routertest.Server(t, e)
	if status, _ := routertest.Do(t, "DELETE", srv.URL+"/users/42", nil); status != http.StatusMethodNotAllowed {
		t.Fatalf("status %d, want 405", status)
	}
	promtest.Scrape(t, m.Handler()).One(t, "genapp_http_requests_total",
		promtest.Labels{"method": "DELETE", "resource": metrics.UnroutedResource, "status": "405"})
}

// TestRecoveryOutside: with gin.Recovery before the middleware (as
// gin.Default has it), a panic goes through the middleware, which records
// 500.
func TestRecoveryOutside(t *testing.T) {
	m := routertest.New(t)
	e := gin.New()
	e.Use(gin.RecoveryWithWriter(io.Discard), ginmetrics.Middleware(metrics.WithMetrics(m)))
	routes(e)
	srv := routertest.Server(t, e)
	if status, _ := routertest.Do(t, "GET", srv.URL+"/panic", nil); status != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", status)
	}
	promtest.Scrape(t, m.Handler()).One(t, "genapp_http_requests_total",
		promtest.Labels{"resource": "panic", "status": "500"})
}
