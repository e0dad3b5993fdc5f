package echometrics_test

import (
	"net/http"
	"net/http/httptest"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/echometrics"
	"github.com/genapp-go/genapp/metrics/internal/routertest"
)

func ExampleMiddleware() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))

	e := echo.New()
	// First of all middleware; without metrics.WithMetrics it records in the Init default.
	e.Use(echometrics.Middleware(metrics.WithMetrics(m)), middleware.Recover())
	e.GET("/prometheus", echo.WrapHandler(m.Handler())) // metrics.Handler(): the Init default
	e.GET("/users/:id", func(c echo.Context) error { return c.String(http.StatusOK, "hello "+c.Param("id")) })
	srv := httptest.NewServer(e)
	defer srv.Close()

	routertest.Get(srv.URL, "/users/1", "/users/2", "/nowhere", "/prometheus")
	routertest.PrintSeries(m, "genapp_http_requests_total")
	// Output:
	// genapp_http_requests_total{app="demobot",app_type="app_api",env="dev",method="GET",resource="/{unknown}",status="404"} 1
	// genapp_http_requests_total{app="demobot",app_type="app_api",env="dev",method="GET",resource="users/:id",status="200"} 2
}
