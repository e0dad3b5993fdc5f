package ginmetrics_test

import (
	"net/http"
	"net/http/httptest"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/ginmetrics"
	"github.com/genapp-go/genapp/metrics/internal/routertest"
)

func ExampleMiddleware() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))

	r := gin.New()
	// First, on the engine; without metrics.WithMetrics it records in the Init default.
	r.Use(ginmetrics.Middleware(metrics.WithMetrics(m)), gin.Recovery())
	r.GET("/prometheus", gin.WrapH(m.Handler())) // metrics.Handler(): the Init default
	r.GET("/users/:id", func(c *gin.Context) { c.String(http.StatusOK, "hello "+c.Param("id")) })
	srv := httptest.NewServer(r)
	defer srv.Close()

	routertest.Get(srv.URL, "/users/1", "/users/2", "/nowhere", "/prometheus")
	routertest.PrintSeries(m, "genapp_http_requests_total")
	// Output:
	// genapp_http_requests_total{app="demobot",app_type="app_api",env="dev",method="GET",resource="/{unknown}",status="404"} 1
	// genapp_http_requests_total{app="demobot",app_type="app_api",env="dev",method="GET",resource="users/:id",status="200"} 2
}
