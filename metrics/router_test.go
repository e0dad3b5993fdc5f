package metrics_test

import (
	"io"
	"net/http"
	"testing"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/internal/routertest"
)

// The handlers of routertest's routes, as net/http handlers; id is the
// router's way to read the id parameter.
func user(id func(*http.Request) string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "user "+id(r)) }
}

func echoBody(w http.ResponseWriter, r *http.Request) { _ = routertest.Echo(w, r.Body) }

func missing(w http.ResponseWriter, r *http.Request) {
	w.WriteHeader(http.StatusNotFound)
	_, _ = io.WriteString(w, "no such user")
}

func teapot(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusTeapot) }

func panics(w http.ResponseWriter, r *http.Request) { panic("boom") }

func ok(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }

// recoverer answers 500 to a panic, as routers' recovery middleware does:
// net/http has none of its own.
func recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if recover() != nil {
				w.WriteHeader(http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}

var serveMux = routertest.Router{
	New: func(page *metrics.Metrics, opts ...metrics.MiddlewareOption) http.Handler {
		mux := http.NewServeMux()
		mux.HandleFunc("GET /users/{id}", user(func(r *http.Request) string { return r.PathValue("id") }))
		mux.HandleFunc("POST /users/{id}/echo", echoBody)
		mux.HandleFunc("GET /users/{id}/missing", missing)
		mux.HandleFunc("GET /teapot", teapot)
		mux.HandleFunc("GET /panic", panics)
		mux.HandleFunc("GET /health", ok)
		mux.HandleFunc("GET /upgrade", routertest.Upgrade)
		if page == nil {
			return recoverer(mux)
		}
		mux.Handle("GET /prometheus", page.Handler())
		return metrics.Middleware(recoverer(mux), opts...)
	},
	Param:               "{id}",
	UpgradeStatus:       http.StatusSwitchingProtocols,
	WrongMethod:         http.StatusMethodNotAllowed,
	WrongMethodResource: metrics.UnroutedResource,
}

func TestServeMuxRouter(t *testing.T) { routertest.Run(t, serveMux) }

func BenchmarkServeMux(b *testing.B) { routertest.Bench(b, serveMux) }

// chiRoute is the route chi matched, complete once the handler has returned.
func chiRoute(r *http.Request) string { return chi.RouteContext(r.Context()).RoutePattern() }

// chiMiddleware is Middleware as a chi middleware, taking chi's route.
func chiMiddleware(opts ...metrics.MiddlewareOption) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return metrics.Middleware(next, append(opts, metrics.RouteFrom(chiRoute))...)
	}
}

var chiRouter = routertest.Router{
	New: func(page *metrics.Metrics, opts ...metrics.MiddlewareOption) http.Handler {
		r := chi.NewRouter()
		if page != nil {
			r.Use(chiMiddleware(opts...))
		}
		r.Use(middleware.Recoverer)
		if page != nil {
			r.Method("GET", "/prometheus", page.Handler())
		}
		r.Get("/users/{id}", user(func(r *http.Request) string { return chi.URLParam(r, "id") }))
		r.Post("/users/{id}/echo", echoBody)
		r.Get("/users/{id}/missing", missing)
		r.Get("/teapot", teapot)
		r.Get("/panic", panics)
		r.Get("/health", ok)
		r.Get("/upgrade", routertest.Upgrade)
		return r
	},
	Param:               "{id}",
	UpgradeStatus:       http.StatusSwitchingProtocols,
	WrongMethod:         http.StatusMethodNotAllowed,
	WrongMethodResource: metrics.UnroutedResource,
}

func TestChiRouter(t *testing.T) { routertest.Run(t, chiRouter) }

func BenchmarkChi(b *testing.B) { routertest.Bench(b, chiRouter) }

// TestChiNested: the route is the whole template across Route, Mount and
// sub-routers, whatever wraps the request (RequestID hands on a copy of it)
// and wherever the middleware is: on the root router or on a mounted one.
func TestChiNested(t *testing.T) {
	m := routertest.New(t)
	admin := chi.NewRouter()
	admin.Use(chiMiddleware(metrics.WithMetrics(m))) // a second middleware: admin requests are recorded twice
	admin.Get("/stats/{day}", ok)
	admin.Mount("/jobs", func() http.Handler {
		jobs := chi.NewRouter()
		jobs.Get("/{job}/runs/{run}", ok)
		return jobs
	}())

	r := chi.NewRouter()
	r.Use(chiMiddleware(metrics.WithMetrics(m)))
	r.Use(middleware.RequestID)
	r.Route("/api", func(r chi.Router) {
		r.Route("/v1", func(r chi.Router) {
			r.Get("/users/{id}", ok)
			r.Get("/articles/{slug:[a-z-]+}", ok)
		})
	})
	r.Mount("/admin", admin)
	srv := routertest.Server(t, r)

	for _, c := range []struct {
		path   string
		status int
	}{
		{"/api/v1/users/42", 200},
		{"/api/v1/users/43", 200},
		{"/api/v1/articles/hello-world", 200},
		{"/api/v1/articles/0042", 404}, // the regexp does not match
		{"/admin/stats/2026-11-27", 200},
		{"/admin/jobs/7/runs/9", 200},
		{"/admin/nothing", 404},
		{"/nothing", 404},
	} {
		if status, _ := routertest.Do(t, "GET", srv.URL+c.path, nil); status != c.status {
			t.Fatalf("%s: %d, want %d", c.path, status, c.status)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	for _, c := range []struct {
		resource, status string
		want             float64
	}{
		{"api/v1/users/{id}", "200", 2},
		{"api/v1/articles/{slug:[a-z-]+}", "200", 1},
		{"admin/stats/{day}", "200", 2},           // by both middlewares
		{"admin/jobs/{job}/runs/{run}", "200", 2}, // a mount in a mount
		// No route inside a Mount or Route is a 404 of the mount's: chi's
		// pattern is the mount's, a template still.
		{"admin/*", "404", 2},
		{"api/v1/*", "404", 1}, // the regexp does not match
		{metrics.UnknownResource, "404", 1},
	} {
		if got := e.Sum("genapp_http_requests_total", promtest.Labels{"resource": c.resource, "status": c.status}); got != c.want {
			t.Errorf("%s %s = %v, want %v", c.resource, c.status, got, c.want)
		}
	}
	if n := e.Series("genapp_http_requests_total"); n != 7 {
		t.Errorf("%d series, want 7:\n%s", n, e.Text)
	}
}
