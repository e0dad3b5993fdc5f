package metrics_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/internal/servetest"
)

// TestStatusPageSecured: the status page and its assets are served under
// the TLS and authentication of the server, as /prometheus is.
func TestStatusPageSecured(t *testing.T) {
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	client := ts.Client()
	s := &keySecurity{tls: ts.TLS.Clone()}
	ts.Close()
	addr := servetest.Start(t, metrics.WithSecurity(s), metrics.WithStatusPage())
	for _, path := range []string{"/", "/status.js", "/status.css", "/status.svg", metrics.MetricsPath} {
		for key, want := range map[string]int{"": http.StatusUnauthorized, "k": http.StatusOK} {
			req, err := http.NewRequest(http.MethodGet, "https://"+addr+path, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header.Set("X-Key", key)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("GET %s, key %q: %v", path, key, err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != want {
				t.Errorf("GET %s, key %q: %s, want %d", path, key, resp.Status, want)
			}
		}
	}
}
