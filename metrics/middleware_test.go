package metrics

import (
	"bufio"
	"bytes"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// serve runs h behind m.Middleware on a real loopback server.
func serve(t *testing.T, m *Metrics, h http.Handler, opts ...MiddlewareOption) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(m.Middleware(h, opts...))
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, url string, body io.Reader) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestMiddlewareResources(t *testing.T) {
	m := newTest(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "user") })
	mux.HandleFunc("POST /users/{id}/missing", func(w http.ResponseWriter, r *http.Request) { http.NotFound(w, r) })
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {})
	srv := serve(t, m, mux)

	do(t, "GET", srv.URL+"/users/42", nil)
	do(t, "GET", srv.URL+"/users/43", nil)
	do(t, "POST", srv.URL+"/users/43/missing", nil)
	do(t, "GET", srv.URL+"/", nil)
	for i := range 3 {
		do(t, "GET", srv.URL+"/random/"+strings.Repeat("x", i+1), nil)
	}

	e := scrape(t, m)
	for _, c := range []struct {
		labels L
		want   float64
	}{
		{L{"method": "GET", "resource": "users/{id}", "status": "200", "app_type": "app_api"}, 2},
		{L{"method": "POST", "resource": "users/{id}/missing", "status": "404"}, 1}, // a matched route's own 404 keeps its route
		{L{"method": "GET", "resource": "/", "status": "200"}, 1},
		{L{"method": "GET", "resource": "/{unknown}", "status": "404"}, 3},
	} {
		if got := e.Counter(t, "genapp_http_requests_total", c.labels); got != c.want {
			t.Errorf("%v = %v, want %v", c.labels, got, c.want)
		}
	}
	if n := e.Series("genapp_http_requests_total"); n != 4 {
		t.Errorf("%d series, want 4", n)
	}
}

// TestMiddlewareUnrouted: without a route pattern, the path a client sent is
// never recorded, neither cleaned nor as it is.
func TestMiddlewareUnrouted(t *testing.T) {
	m := newTest(t)
	srv := serve(t, m, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	do(t, "GET", srv.URL+"/users/123/orders/5b3d1e2a-9c4f-4e8a-b7d6-0f1e2d3c4b5a", nil)
	do(t, "GET", srv.URL+"/other", nil)
	do(t, "PURGE", srv.URL+"/cache", nil)
	e := scrape(t, m)
	if got := e.Counter(t, "genapp_http_requests_total", L{"method": "GET", "resource": UnroutedResource, "status": "200"}); got != 2 {
		t.Errorf("GET = %v, want 2", got)
	}
	e.One(t, "genapp_http_requests_total", L{"method": "OTHER", "resource": UnroutedResource})
}

// routes returns a ServeMux that serves h on each of patterns.
func routes(h http.HandlerFunc, patterns ...string) *http.ServeMux {
	mux := http.NewServeMux()
	for _, p := range patterns {
		mux.Handle(p, h)
	}
	return mux
}

func TestMiddlewareExcludedPaths(t *testing.T) {
	m := newTest(t)
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {})
	srv := serve(t, m, h)
	for _, p := range DefaultExcludedPaths() {
		do(t, "GET", srv.URL+p, nil)
	}
	if n := scrape(t, m).Series("genapp_http_requests_total"); n != 0 {
		t.Fatalf("%d series recorded for excluded paths", n)
	}

	custom := serve(t, m, h, ExcludePaths("/ping"))
	do(t, "GET", custom.URL+"/ping", nil)
	do(t, "GET", custom.URL+"/health", nil) // not excluded: the option replaces the list
	e := scrape(t, m)
	if n := e.Series("genapp_http_requests_total"); n != 1 {
		t.Fatalf("%d series, want only health", n)
	}
	e.One(t, "genapp_http_requests_total", L{"resource": UnroutedResource})
}

func TestMiddlewareSizes(t *testing.T) {
	m := newTest(t)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Length", "")
		_, _ = w.Write(b)
		_, _ = w.Write(b)
	})
	mux.HandleFunc("GET /stream", func(w http.ResponseWriter, r *http.Request) {
		for range 5 {
			_, _ = io.WriteString(w, "chunk-") // 6 bytes, no Content-Length: chunked
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("GET /copy", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(w, strings.NewReader(strings.Repeat("z", 1000))) // through io.ReaderFrom
	})
	srv := serve(t, m, mux)

	do(t, "POST", srv.URL+"/echo", strings.NewReader("0123456789"))                                   // Content-Length: 10
	do(t, "POST", srv.URL+"/echo", io.MultiReader(strings.NewReader("abc"), strings.NewReader("de"))) // chunked, 5 bytes
	if code, body := do(t, "GET", srv.URL+"/stream", nil); code != 200 || body != strings.Repeat("chunk-", 5) {
		t.Fatalf("stream: %d %q", code, body)
	}
	do(t, "GET", srv.URL+"/copy", nil)

	e := scrape(t, m)
	size := func(resource, direction string) (uint64, float64) {
		return e.Histogram(t, "genapp_http_request_size_bytes", L{"resource": resource, "direction": direction})
	}
	if n, sum := size("echo", "in"); n != 2 || sum != 15 {
		t.Errorf("echo in: count %d sum %v, want 2 and 15", n, sum)
	}
	if n, sum := size("echo", "out"); n != 2 || sum != 30 {
		t.Errorf("echo out: count %d sum %v, want 2 and 30", n, sum)
	}
	if n, sum := size("stream", "out"); n != 1 || sum != 30 {
		t.Errorf("stream out: count %d sum %v, want 1 and 30", n, sum)
	}
	if n, sum := size("stream", "in"); n != 1 || sum != 0 {
		t.Errorf("stream in: count %d sum %v, want 1 and 0", n, sum)
	}
	if _, sum := size("copy", "out"); sum != 1000 {
		t.Errorf("copy out: sum %v, want 1000", sum)
	}
	if n, _ := e.Histogram(t, "genapp_http_request_duration_sec", L{"resource": "echo", "status": "200"}); n != 2 {
		t.Errorf("echo duration count %d, want 2", n)
	}
}

func TestMiddlewarePanic(t *testing.T) {
	m := newTest(t)
	h := m.Middleware(routes(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusOK)
		panic(http.ErrAbortHandler)
	}, "/boom"))
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/boom", nil))
	}()
	if recovered != http.ErrAbortHandler {
		t.Fatalf("panic not re-raised unchanged: %v", recovered)
	}
	e := scrape(t, m)
	if got := e.Counter(t, "genapp_http_requests_total", L{"resource": "boom", "status": "500"}); got != 1 {
		t.Fatalf("count = %v", got)
	}
	if n := e.Series("genapp_http_requests_total"); n != 1 {
		t.Fatalf("%d series, want only status 500", n)
	}
}

// TestMiddlewareStatusCodes: the first final status wins, informational
// responses do not count, and no WriteHeader means 200.
func TestMiddlewareStatusCodes(t *testing.T) {
	m := newTest(t)
	h := m.Middleware(routes(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/early-hints":
			w.WriteHeader(http.StatusEarlyHints)
			w.WriteHeader(http.StatusCreated)
		case "/nothing":
		case "/twice":
			w.WriteHeader(http.StatusTeapot)
			w.WriteHeader(http.StatusOK) // superfluous, ignored by net/http too
		}
	}, "/early-hints", "/nothing", "/twice"))
	for _, p := range []string{"/early-hints", "/nothing", "/twice"} {
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", p, nil))
	}
	e := scrape(t, m)
	e.One(t, "genapp_http_requests_total", L{"resource": "early-hints", "status": "201"})
	e.One(t, "genapp_http_requests_total", L{"resource": "nothing", "status": "200"})
	e.One(t, "genapp_http_requests_total", L{"resource": "twice", "status": "418"})
}

// Writers with every combination of the optional interfaces.
type plainWriter struct{ http.ResponseWriter }
type flushWriter struct{ http.ResponseWriter }
type hijackWriter struct{ http.ResponseWriter }
type readFromWriter struct{ http.ResponseWriter }
type allWriter struct{ http.ResponseWriter }

func (flushWriter) Flush() {}
func (hijackWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, http.ErrNotSupported
}
func (w readFromWriter) ReadFrom(r io.Reader) (int64, error) { return io.Copy(w.ResponseWriter, r) }
func (allWriter) Flush()                                     {}
func (allWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, http.ErrNotSupported
}
func (w allWriter) ReadFrom(r io.Reader) (int64, error) { return io.Copy(w.ResponseWriter, r) }

type flushHijackWriter struct{ hijackWriter }
type flushReadFromWriter struct{ readFromWriter }
type hijackReadFromWriter struct{ readFromWriter }

func (flushHijackWriter) Flush()   {}
func (flushReadFromWriter) Flush() {}
func (hijackReadFromWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return nil, nil, http.ErrNotSupported
}

func TestMiddlewareKeepsWriterInterfaces(t *testing.T) {
	m := newTest(t)
	rec := httptest.NewRecorder()
	writers := []http.ResponseWriter{
		plainWriter{rec}, flushWriter{rec}, hijackWriter{rec}, readFromWriter{rec},
		flushHijackWriter{hijackWriter{rec}}, flushReadFromWriter{readFromWriter{rec}},
		hijackReadFromWriter{readFromWriter{rec}}, allWriter{rec},
	}
	for _, orig := range writers {
		h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			for _, c := range []struct {
				name      string
				orig, got bool
			}{
				{"Flusher", is[http.Flusher](orig), is[http.Flusher](w)},
				{"Hijacker", is[http.Hijacker](orig), is[http.Hijacker](w)},
				{"ReaderFrom", is[io.ReaderFrom](orig), is[io.ReaderFrom](w)},
			} {
				if c.orig != c.got {
					t.Errorf("%T: %s on original %v, on wrapped %v", orig, c.name, c.orig, c.got)
				}
			}
			if u, ok := w.(interface{ Unwrap() http.ResponseWriter }); !ok || u.Unwrap() != orig {
				t.Errorf("%T: Unwrap does not return the original writer", orig)
			}
			if rf, ok := w.(io.ReaderFrom); ok {
				_, _ = rf.ReadFrom(strings.NewReader("abc"))
			}
		}))
		h.ServeHTTP(orig, httptest.NewRequest("GET", "/w", nil))
	}
	_, sum := scrape(t, m).Histogram(t, "genapp_http_request_size_bytes", L{"direction": "out"})
	if sum != 12 {
		t.Errorf("bytes through ReadFrom = %v, want 12 (4 writers x 3)", sum)
	}
}

func is[I any](w http.ResponseWriter) bool { _, ok := w.(I); return ok }

// TestMiddlewareHijackOnRealServer: a websocket-style upgrade through the
// middleware works and is recorded as 101.
func TestMiddlewareHijackOnRealServer(t *testing.T) {
	m := newTest(t)
	srv := serve(t, m, routes(func(w http.ResponseWriter, r *http.Request) {
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		defer conn.Close()
		_, _ = rw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\nhello")
		_ = rw.Flush()
	}, "/ws"))
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_, _ = io.WriteString(conn, "GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: x\r\n\r\n")
	got, _ := io.ReadAll(conn)
	if !bytes.HasSuffix(got, []byte("hello")) {
		t.Fatalf("hijacked response = %q", got)
	}
	// The client sees EOF when the handler closes the connection, just
	// before the middleware records: wait for the record, boundedly.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if len(scrape(t, m).Find("genapp_http_requests_total", L{"resource": "ws"})) > 0 {
			break
		}
	}
	scrape(t, m).One(t, "genapp_http_requests_total", L{"resource": "ws", "status": "101"})
}

// TestWithMetrics: Middleware(next, WithMetrics(m)) records exactly what
// m.Middleware(next) records, and in m alone: not in the default instance
// nor in another. WithMetrics(nil) records nothing, and WithMetrics given
// to a method wins over its receiver.
func TestWithMetrics(t *testing.T) {
	def := initTest(t)
	byOption, byMethod, receiver, given := newTest(t), newTest(t), newTest(t), newTest(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "user") })
	traffic := func(h http.Handler) {
		for _, r := range []*http.Request{
			httptest.NewRequest("GET", "/users/1", nil),
			httptest.NewRequest("GET", "/users/2", nil),
			httptest.NewRequest("POST", "/users/3", strings.NewReader("abc")),
			httptest.NewRequest("GET", "/nope", nil),
		} {
			h.ServeHTTP(httptest.NewRecorder(), r)
		}
	}
	traffic(Middleware(mux, WithMetrics(byOption)))
	traffic(byMethod.Middleware(mux))
	traffic(Middleware(mux, WithMetrics(nil)))
	traffic(receiver.Middleware(mux, WithMetrics(given)))

	// The counts and sizes, not the durations, which differ run to run.
	counts := func(m *Metrics) string {
		var lines []string
		for _, line := range strings.Split(scrape(t, m).Text, "\n") {
			if strings.HasPrefix(line, "genapp_http_requests_total{") || strings.HasPrefix(line, "genapp_http_request_size_bytes_") {
				lines = append(lines, line)
			}
		}
		return strings.Join(lines, "\n")
	}
	want := counts(byMethod)
	if n := scrape(t, byMethod).Series("genapp_http_requests_total"); n != 3 {
		t.Fatalf("m.Middleware recorded %d series, want 3:\n%s", n, want)
	}
	for name, m := range map[string]*Metrics{"WithMetrics": byOption, "WithMetrics given to a method": given} {
		if got := counts(m); got != want {
			t.Errorf("%s recorded\n%s\nwant what m.Middleware recorded\n%s", name, got, want)
		}
	}
	for name, m := range map[string]*Metrics{"the default": def, "the receiver overridden": receiver} {
		if n := scrape(t, m).Series("genapp_http_requests_total"); n != 0 {
			t.Errorf("%s recorded %d series, want none", name, n)
		}
	}
}

// TestMiddlewareNotInitialised: before Init the handler gets the original
// writer and body, and nothing is recorded.
func TestMiddlewareNotInitialised(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/x", strings.NewReader("body"))
	body := req.Body
	Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if w != rec || r != req || r.Body != body {
			t.Error("the handler did not get the original writer, request and body")
		}
		w.WriteHeader(http.StatusAccepted)
	})).ServeHTTP(rec, req)
	if rec.Code != http.StatusAccepted {
		t.Fatalf("code = %d", rec.Code)
	}
}

func TestHandlerNotInitialised(t *testing.T) {
	e := scrape(t, nil)
	for name := range e.Families {
		if strings.HasPrefix(name, "genapp_") {
			t.Errorf("%s exported before Init", name)
		}
	}
	if e.Families["go_goroutines"] == nil {
		t.Error("Handler before Init does not serve the default registry")
	}
}

func TestHandlerNegotiation(t *testing.T) {
	m := initTest(t)
	_ = run(m, "x", func(*Action) error { return nil })
	for _, c := range []struct{ accept, encoding, wantType, wantEncoding string }{
		{"", "", "text/plain; version=0.0.4", ""},
		{"application/openmetrics-text; version=1.0.0", "", "application/openmetrics-text; version=1.0.0", ""},
		{"", "gzip", "text/plain; version=0.0.4", "gzip"},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", "/prometheus", nil)
		if c.accept != "" {
			req.Header.Set("Accept", c.accept)
		}
		if c.encoding != "" {
			req.Header.Set("Accept-Encoding", c.encoding)
		}
		Handler().ServeHTTP(rec, req)
		if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, c.wantType) {
			t.Errorf("Accept %q: Content-Type %q, want %q", c.accept, ct, c.wantType)
		}
		if ce := rec.Header().Get("Content-Encoding"); ce != c.wantEncoding {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q", c.encoding, ce)
		}
	}
}

// TestMiddlewareLateBodyRead: http.TimeoutHandler returns on timeout while
// its handler goes on with a copy of the request. A late read of the body
// must neither race with the next request through the middleware nor see
// its data (run with -race).
func TestMiddlewareLateBodyRead(t *testing.T) {
	m := newTest(t)
	late := make(chan string, 4)
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/slow" {
			time.Sleep(100 * time.Millisecond)
			b, _ := io.ReadAll(r.Body)
			late <- string(b)
			return
		}
		_, _ = io.Copy(io.Discard, r.Body)
	})
	// The mux outside TimeoutHandler: the pattern a mux sets on the copy
	// TimeoutHandler makes never reaches the middleware.
	timeout := http.TimeoutHandler(slow, 20*time.Millisecond, "timeout")
	srv := serve(t, m, routes(timeout.ServeHTTP, "/slow", "/fast"))
	for _, chunked := range []bool{false, true} {
		body := func(s string) io.Reader {
			if chunked {
				return io.MultiReader(strings.NewReader(s)) // no length: sent chunked
			}
			return strings.NewReader(s)
		}
		if code, _ := do(t, "POST", srv.URL+"/slow", body("first request")); code != http.StatusServiceUnavailable {
			t.Fatalf("chunked=%v: /slow answered %d, want 503 from the timeout", chunked, code)
		}
		for range 5 {
			do(t, "POST", srv.URL+"/fast", body("SECRET OF ANOTHER REQUEST"))
		}
		select {
		case got := <-late:
			if strings.Contains(got, "SECRET") {
				t.Fatalf("chunked=%v: a late read saw another request's body: %q", chunked, got)
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the slow handler never read its body")
		}
	}
	e := scrape(t, m)
	if got := e.Counter(t, "genapp_http_requests_total", L{"resource": "fast", "status": "200"}); got != 10 {
		t.Errorf("fast requests = %v, want 10", got)
	}
	if _, sum := e.Histogram(t, "genapp_http_request_size_bytes", L{"resource": "fast", "direction": "in"}); sum != 10*25 {
		t.Errorf("fast request bytes = %v, want %d", sum, 10*25)
	}
}
