package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/go-chi/chi/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/internal/routertest"
)

// A chi router keeps the route it matched in the request's context, and
// completes it as sub-routers match: the middleware goes inside the router
// and reads the route once the handler has returned.
func ExampleRouteFrom() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	chiRoute := metrics.RouteFrom(func(r *http.Request) string {
		return chi.RouteContext(r.Context()).RoutePattern()
	})

	r := chi.NewRouter()
	r.Use(func(next http.Handler) http.Handler {
		return m.Middleware(next, chiRoute) // metrics.Middleware: the Init default
	})
	r.Route("/api", func(r chi.Router) {
		r.Get("/users/{id}", func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, "hello "+chi.URLParam(r, "id"))
		})
	})
	srv := httptest.NewServer(r)
	defer srv.Close()

	routertest.Get(srv.URL, "/api/users/1", "/api/users/2", "/nowhere")
	printSeries(m, "genapp_http_requests_total")
	// Output:
	// genapp_http_requests_total{app="demobot",app_type="app_api",env="dev",method="GET",resource="/{unknown}",status="404"} 1
	// genapp_http_requests_total{app="demobot",app_type="app_api",env="dev",method="GET",resource="api/users/{id}",status="200"} 2
}
