package metrics

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestWithStatusPage: with the option, GET / of the server is the status
// page of the default instance, showing its actions, beside /prometheus;
// without it, / is not found. Before Init, StatusPage shows the process-wide
// default registry.
func TestWithStatusPage(t *testing.T) {
	if body := getPage(t, StatusPage(), "/"); !strings.Contains(body, "<title>genapp status</title>") {
		t.Errorf("before Init, the page is not titled genapp status:\n%s", body)
	}
	m := initTest(t)
	_ = run(m, "served_task", func(*Action) error { return nil })
	for _, c := range []struct {
		opts []ServeOption
		want map[string]int
	}{
		{nil, map[string]int{"/": http.StatusNotFound, MetricsPath: http.StatusOK}},
		{[]ServeOption{WithStatusPage()}, map[string]int{"/": http.StatusOK, "/status.js": http.StatusOK, "/nothing": http.StatusNotFound, MetricsPath: http.StatusOK, LivenessPath: http.StatusOK}},
	} {
		base := startServer(t, c.opts...)
		for path, want := range c.want {
			resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(base + path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("%d options: GET %s: %s, want %d", len(c.opts), path, resp.Status, want)
			}
			if path == "/" && want == http.StatusOK {
				row := `<tr><td class="k">served_task</td><td class="n">1</td><td class="n">–</td><td class="n">0.0%</td><td class="n">9.5 ms</td></tr>`
				if !strings.Contains(string(body), row) || !strings.Contains(string(body), "<title>demobot (dev) status</title>") {
					t.Errorf("GET / does not show the row of served_task %s:\n%s", row, body)
				}
			}
		}
	}
}

// startServer runs ServeListener on a loopback port until the test ends.
func startServer(t *testing.T, opts ...ServeOption) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln, opts...) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("ServeListener: %v", err)
		}
	})
	return "http://" + ln.Addr().String()
}

// getPage serves GET path with h and returns the body.
func getPage(t *testing.T, h http.Handler, path string) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.Handle("GET /", h)
	req, err := http.NewRequest(http.MethodGet, path, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, req)
	return w.Body.String()
}
