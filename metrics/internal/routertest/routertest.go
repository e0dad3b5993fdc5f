package routertest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/benchtest"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/internal/spantest"
	"github.com/genapp-go/genapp/metrics"
)

// Router is the router under test.
type Router struct {
	// New returns the router serving the routes below through the adapter
	// under test, given opts, which pick the instance it records in with
	// metrics.WithMetrics; with page nil, the bare router, without the
	// adapter.
	//
	//	GET  /users/{id}          writes "user " and the id
	//	POST /users/{id}/echo     writes back the request body (with Echo)
	//	GET  /users/{id}/missing  answers 404 by itself, writing "no such user"
	//	GET  /teapot              answers 418 the router's own way (an echo handler returns an error)
	//	GET  /panic               panics; the router's panic recovery, inside the adapter, answers 500
	//	GET  /health              writes "ok"
	//	GET  /upgrade             takes over the connection (Upgrade)
	//	GET  /prometheus          serves page.Handler()
	New func(page *metrics.Metrics, opts ...metrics.MiddlewareOption) http.Handler
	// Default, when set, returns the same routes through the adapter's
	// Middleware, recording in the default instance. Run then calls
	// metrics.Init, which no test of the binary can undo: package
	// metrics's own tests check its default instance their own way.
	Default func() http.Handler
	// Param is the router's spelling of the id parameter: "{id}" or ":id".
	Param string
	// WrongMethod is the status the router answers to DELETE /users/42,
	// a path whose only route is GET, and WrongMethodResource the
	// resource it is recorded under.
	WrongMethod         int
	WrongMethodResource string
	// UpgradeStatus is the status recorded for GET /upgrade, whose handler
	// takes over the connection and answers 101 on it: 101 when the
	// adapter sees the takeover (Middleware's writer does), else the
	// status the router's writer holds (gin and echo: 200).
	UpgradeStatus int
	// LateErrorBody is set when the router writes the body of its own 404
	// and 405 after the middleware returned (gin): those bytes are not
	// recorded.
	LateErrorBody bool
	// Traced, when set, returns the router of New with the adapter
	// registered first and, after it, a middleware that hands the handlers
	// the request with the context traced(r.Context()), as a tracing
	// middleware of the router (otelgin, otelecho) does.
	Traced func(m *metrics.Metrics, traced func(context.Context) context.Context) http.Handler
}

// request is one request of the scenario and where it is recorded.
type request struct {
	method, path, body string
	resource           string
	status             int
}

// Run checks r: exact counts, resources, statuses and sizes of a scenario of
// requests, exclusions, exact counts under concurrent requests, and the
// instance recorded in.
func Run(t *testing.T, r Router) {
	t.Run("scenario", func(t *testing.T) { scenario(t, r) })
	t.Run("picked", func(t *testing.T) { picked(t, r) })
	t.Run("excluded", func(t *testing.T) { excluded(t, r) })
	t.Run("concurrent", func(t *testing.T) { concurrent(t, r) })
	t.Run("bare", func(t *testing.T) { bare(t, r) })
	if r.Default != nil {
		t.Run("default", func(t *testing.T) { defaultInstance(t, r) })
	}
	if r.Traced != nil {
		t.Run("traced", func(t *testing.T) { traced(t, r) })
	}
}

// traced: a span that a tracing middleware inside the adapter puts in the
// request becomes the exemplar of the request's duration.
func traced(t *testing.T, r Router) {
	m, err := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()), metrics.WithExemplars())
	if err != nil {
		t.Fatal(err)
	}
	srv := Server(t, r.Traced(m, func(ctx context.Context) context.Context {
		return spantest.Context(ctx, spantest.TraceID, spantest.SpanID)
	}))
	if status, _ := Do(t, "GET", srv.URL+"/users/7", nil); status != 200 {
		t.Fatalf("status %d", status)
	}
	page := promtest.ScrapeOpenMetrics(t, m.Handler())
	if got := spantest.Lines(page, "genapp_http_request_duration_sec_bucket", `resource="users/`+r.Param+`"`, spantest.Exemplar); len(got) != 1 {
		t.Errorf("exemplars of the traced request %q, want one:\n%s", got, page)
	}
}

// defaultInstance: Middleware records in the default instance, looked up
// per request, and an adapter given another instance leaves the default
// alone.
func defaultInstance(t *testing.T, r Router) {
	srv := Server(t, r.Default())
	if _, err := metrics.Init("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry())); err != nil {
		t.Fatal(err)
	}
	if status, answer := Do(t, "GET", srv.URL+"/users/7", nil); status != 200 || answer != "user 7" {
		t.Fatalf("%d %q", status, answer)
	}
	m := New(t)
	Do(t, "GET", Server(t, adapted(r, m)).URL+"/users/8", nil)
	user := promtest.Labels{"resource": "users/" + r.Param, "status": "200"}
	for name, page := range map[string]http.Handler{"default": metrics.Handler(), "given": m.Handler()} {
		if got := promtest.Scrape(t, page).Counter(t, "genapp_http_requests_total", user); got != 1 {
			t.Errorf("%s instance: %v requests, want 1", name, got)
		}
	}
}

// picked: the adapter records in the instance metrics.WithMetrics gave it,
// not in the one whose page the router serves.
func picked(t *testing.T, r Router) {
	given, served := New(t), New(t)
	srv := Server(t, r.New(served, metrics.WithMetrics(given)))
	Do(t, "GET", srv.URL+"/users/7", nil)
	Do(t, "GET", srv.URL+"/nope", nil)
	if e := promtest.ScrapeURL(t, srv.URL+"/prometheus"); e.Series("genapp_http_requests_total") != 0 {
		t.Errorf("the instance served records requests:\n%s", e.Text)
	}
	e := promtest.Scrape(t, given.Handler())
	e.One(t, "genapp_http_requests_total", promtest.Labels{"resource": "users/" + r.Param, "status": "200"})
	e.One(t, "genapp_http_requests_total", promtest.Labels{"resource": metrics.UnknownResource, "status": "404"})
}

// adapted returns the router of r recording in m, whose page it serves.
func adapted(r Router, m *metrics.Metrics, opts ...metrics.MiddlewareOption) http.Handler {
	return r.New(m, append([]metrics.MiddlewareOption{metrics.WithMetrics(m)}, opts...)...)
}

// New returns an instance on a fresh registry.
func New(t testing.TB) *metrics.Metrics {
	t.Helper()
	m, err := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Server serves h on a loopback server for the duration of the test.
func Server(t *testing.T, h http.Handler) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

var client = &http.Client{Timeout: 10 * time.Second}

// Do sends a request, chunked when body is an io.Reader of unknown length,
// and returns the status and body of the answer.
func Do(t testing.TB, method, url string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	return resp.StatusCode, string(b)
}

func scenario(t *testing.T, r Router) {
	p := r.Param
	user, echo := "users/"+p, "users/"+p+"/echo"
	requests := []request{
		{"GET", "/users/42", "", user, 200},
		{"GET", "/users/42", "", user, 200},
		{"GET", "/users/43", "", user, 200},
		{"POST", "/users/42/echo", "0123456789", echo, 200},
		{"POST", "/users/43/echo", "", echo, 200},
		{"GET", "/users/42/missing", "", "users/" + p + "/missing", 404},
		{"GET", "/teapot", "", "teapot", 418},
		{"GET", "/panic", "", "panic", 500},
		{"GET", "/upgrade", "", "upgrade", 101},
		{"GET", "/nope/123", "", metrics.UnknownResource, 404},
		{"GET", "/users/42/orders/7", "", metrics.UnknownResource, 404},
		{"GET", "/users", "", metrics.UnknownResource, 404},
		{"DELETE", "/users/42", "", r.WrongMethodResource, r.WrongMethod},
		{"GET", "/health", "", "", 200}, // excluded by default
		{"GET", "/prometheus", "", "", 200},
	}
	m := New(t)
	srv := Server(t, adapted(r, m))
	type key struct {
		method, resource string
		status           int
	}
	type sums struct {
		n       int
		in, out int
	}
	want := map[key]*sums{}
	for _, q := range requests {
		var body io.Reader
		if q.body != "" {
			body = strings.NewReader(q.body)
		}
		status, answer := Do(t, q.method, srv.URL+q.path, body)
		if status != q.status {
			t.Fatalf("%s %s: status %d, want %d (%q)", q.method, q.path, status, q.status, answer)
		}
		if q.path == "/users/42/echo" && answer != q.body {
			t.Errorf("echo answered %q, want the body sent %q", answer, q.body)
		}
		if q.resource == "" {
			continue
		}
		recorded := q.status
		if q.path == "/upgrade" {
			recorded = r.UpgradeStatus
		}
		k := key{q.method, q.resource, recorded}
		if want[k] == nil {
			want[k] = &sums{}
		}
		s := want[k]
		s.n++
		s.in += len(q.body)
		if !(r.LateErrorBody && (q.resource == metrics.UnknownResource || q.resource == metrics.UnroutedResource)) {
			s.out += len(answer)
		}
	}
	// A chunked body (no Content-Length) is counted as read, too.
	status, answer := Do(t, "POST", srv.URL+"/users/43/echo", io.MultiReader(strings.NewReader("abc"), strings.NewReader("de")))
	if status != 200 || answer != "abcde" {
		t.Fatalf("chunked echo: %d %q", status, answer)
	}
	want[key{"POST", echo, 200}].n++
	want[key{"POST", echo, 200}].in += 5
	want[key{"POST", echo, 200}].out += 5

	e := promtest.ScrapeURL(t, srv.URL+"/prometheus")
	for k, s := range want {
		l := promtest.Labels{"method": k.method, "resource": k.resource, "status": fmt.Sprint(k.status), "app_type": metrics.AppTypeAPI}
		if got := e.Counter(t, "genapp_http_requests_total", l); got != float64(s.n) {
			t.Errorf("requests %v = %v, want %d", l, got, s.n)
		}
		if n, _ := e.Histogram(t, "genapp_http_request_duration_sec", l); n != uint64(s.n) {
			t.Errorf("durations %v = %d, want %d", l, n, s.n)
		}
		for direction, bytes := range map[string]int{"in": s.in, "out": s.out} {
			sl := promtest.Labels{"method": k.method, "resource": k.resource, "status": fmt.Sprint(k.status), "direction": direction}
			if n, sum := e.Histogram(t, "genapp_http_request_size_bytes", sl); n != uint64(s.n) || sum != float64(bytes) {
				t.Errorf("size %v: %d observations summing %v, want %d summing %d", sl, n, sum, s.n, bytes)
			}
		}
	}
	if n := e.Series("genapp_http_requests_total"); n != len(want) {
		t.Errorf("%d series, want %d:\n%s", n, len(want), e.Text)
	}
	for _, id := range []string{"42", "43", "123", "nope", "health", "prometheus"} {
		if values := e.LabelValues("genapp_http_requests_total", "resource"); strings.Contains(strings.Join(values, " "), id) {
			t.Errorf("a resource carries %q from a path a client sent: %v", id, values)
		}
	}
}

// excluded: ExcludePaths replaces the defaults, for the URL path as sent.
func excluded(t *testing.T, r Router) {
	m := New(t)
	srv := Server(t, adapted(r, m, metrics.ExcludePaths("/prometheus", "/users/42")))
	Do(t, "GET", srv.URL+"/users/42", nil)
	Do(t, "GET", srv.URL+"/users/43", nil)
	Do(t, "GET", srv.URL+"/health", nil)
	e := promtest.ScrapeURL(t, srv.URL+"/prometheus")
	if got := e.Counter(t, "genapp_http_requests_total", promtest.Labels{"resource": "users/" + r.Param}); got != 1 {
		t.Errorf("users = %v, want 1: /users/42 is excluded", got)
	}
	e.One(t, "genapp_http_requests_total", promtest.Labels{"resource": "health", "status": "200"})
	if n := e.Series("genapp_http_requests_total"); n != 2 {
		t.Errorf("%d series, want users and health:\n%s", n, e.Text)
	}
}

// concurrent: exact counts when requests overlap (run with -race).
func concurrent(t *testing.T, r Router) {
	const workers, each = 8, 25
	m := New(t)
	srv := Server(t, adapted(r, m))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				path := fmt.Sprintf("/users/%d/echo", w*each+i)
				req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader("abc"))
				if err != nil {
					t.Error(err)
					return
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		})
	}
	wg.Wait()
	e := promtest.ScrapeURL(t, srv.URL+"/prometheus")
	l := promtest.Labels{"resource": "users/" + r.Param + "/echo", "direction": "in"}
	if n, sum := e.Histogram(t, "genapp_http_request_size_bytes", l); n != workers*each || sum != 3*workers*each {
		t.Errorf("%d requests, %v bytes in recorded, want %d and %d", n, sum, workers*each, 3*workers*each)
	}
}

// bare: the routes answer as the scenario expects without the adapter
// too, so that Bench compares like with like.
func bare(t *testing.T, r Router) {
	srv := Server(t, r.New(nil))
	if status, answer := Do(t, "POST", srv.URL+"/users/42/echo", strings.NewReader(benchBody)); status != 200 || answer != benchBody {
		t.Fatalf("bare echo: %d %q", status, answer)
	}
}

// Get sends GET base+path for each of paths, for Example functions; it
// panics on a failed request, which they cannot report otherwise.
func Get(base string, paths ...string) {
	for _, path := range paths {
		resp, err := client.Get(base + path)
		if err != nil {
			panic(err)
		}
		resp.Body.Close()
	}
}

// PrintSeries prints the exposition lines of family in m, as a scrape
// shows them: the output of Example functions.
func PrintSeries(m *metrics.Metrics, family string) {
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/prometheus", nil))
	for _, line := range strings.Split(rec.Body.String(), "\n") {
		if strings.HasPrefix(line, family+"{") {
			fmt.Println(line)
		}
	}
}

// Bench compares one request through the adapter (b.Run "tracked") with
// the bare router ("untracked"): POST /users/42/echo with a small body,
// through benchtest.Serve.
func Bench(b *testing.B, r Router) {
	b.Run("tracked", func(b *testing.B) {
		m, err := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
		if err != nil {
			b.Fatal(err)
		}
		benchtest.Serve(b, context.Background(), adapted(r, m), "POST", "http://bot.example/users/42/echo", benchBody)
	})
	b.Run("untracked", func(b *testing.B) {
		benchtest.Serve(b, context.Background(), r.New(nil), "POST", "http://bot.example/users/42/echo", benchBody)
	})
}

const benchBody = `{"name":"x"}`

// Echo writes back to w what it reads from body, the work of the echo
// route: through a pooled buffer, so that the benchmarks measure the
// router and the adapter, not io.Copy's 32 KB buffer.
func Echo(w io.Writer, body io.Reader) error {
	buf := buffers.Get().(*[512]byte)
	defer buffers.Put(buf)
	_, err := io.CopyBuffer(w, body, buf[:])
	return err
}

var buffers = sync.Pool{New: func() any { return new([512]byte) }}

// Upgrade is the handler of the upgrade route: it takes over the
// connection, as a WebSocket library does, answers 101 on it and closes it.
func Upgrade(w http.ResponseWriter, r *http.Request) {
	conn, rw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: routertest\r\n\r\n")
	_ = rw.Flush()
}
