package metrics

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestInbound: the building blocks record by Middleware's rules, and give
// the request its own body back.
func TestInbound(t *testing.T) {
	m := newTest(t)
	in := m.NewInbound(ExcludePaths("/skip"))
	ctx := context.Background()

	r := httptest.NewRequest("POST", "/users/42", strings.NewReader("hello"))
	body := r.Body
	ir := in.Start(r)
	if !ir.Recording() {
		t.Fatal("not recording")
	}
	buf := make([]byte, 3)
	if n, _ := r.Body.Read(buf); n != 3 {
		t.Fatalf("read %d", n)
	}
	ir.Finish(r.Context(), "/users/:id", 0, 7, false) // no status written: 200
	if r.Body != body {
		t.Error("the request's own body is not given back")
	}

	in.Start(httptest.NewRequest("GET", "/a/1", nil)).Finish(ctx, "", 0, 0, true)    // panicked: 500
	in.Start(httptest.NewRequest("GET", "/a/2", nil)).Finish(ctx, "", 404, 0, false) // no route: unknown
	in.Start(httptest.NewRequest("GET", "/a/3", nil)).Finish(ctx, "", 401, 0, false) // no route: unrouted
	for _, ir := range []InboundRequest{in.Start(httptest.NewRequest("GET", "/skip", nil)), in.Start(nil), {}} {
		if ir.Recording() {
			t.Error("an excluded, nil or zero request is recorded")
		}
		//lint:ignore SA1012 a nil context must not panic
		ir.Finish(nil, "/skip", 200, 0, false)
	}
	var uninitialised *Metrics
	if uninitialised.NewInbound().Start(httptest.NewRequest("GET", "/", nil)).Recording() {
		t.Error("recording with no instance")
	}

	e := scrape(t, m)
	if n, sum := e.Histogram(t, "genapp_http_request_size_bytes", L{"resource": "users/:id", "status": "200", "method": "POST", "direction": "in"}); n != 1 || sum != 3 {
		t.Errorf("in: %d observations of %v bytes, want 1 of 3 (read, not claimed)", n, sum)
	}
	if _, sum := e.Histogram(t, "genapp_http_request_size_bytes", L{"resource": "users/:id", "direction": "out"}); sum != 7 {
		t.Errorf("out: %v bytes, want 7", sum)
	}
	e.One(t, "genapp_http_requests_total", L{"resource": UnroutedResource, "status": "500"})
	e.One(t, "genapp_http_requests_total", L{"resource": UnknownResource, "status": "404"})
	e.One(t, "genapp_http_requests_total", L{"resource": UnroutedResource, "status": "401"})
	if n := e.Series("genapp_http_requests_total"); n != 4 {
		t.Errorf("%d series, want 4:\n%s", n, e.Text)
	}
}

// A route too long to be a label value is not kept in the cache of
// resources: a RouteFrom that wrongly returns the client's path must not
// make clients hold 10,000 of their longest paths in memory for good.
func TestLongRouteNotCached(t *testing.T) {
	m := newTest(t)
	h := m.Middleware(http.NotFoundHandler(), RouteFrom(func(r *http.Request) string { return r.URL.Path }))
	long := "/" + strings.Repeat("a", 10<<10)
	h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", long, nil))
	scrape(t, m).One(t, "genapp_http_requests_total", L{"resource": OverflowValue, "status": "404"})
	if patternResources.cached(long) {
		t.Errorf("a route of %d bytes is cached", len(long))
	}
}

// cached reports whether k is in c.
func (c *seriesCache[K, V]) cached(k K) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.dirty != nil {
		_, ok := c.dirty[k]
		return ok
	}
	if read := c.read.Load(); read != nil {
		_, ok := (*read)[k]
		return ok
	}
	return false
}
