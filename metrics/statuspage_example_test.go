package metrics_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/genapp-go/genapp/metrics"
)

// The status page on a mux of your own: at /ops/, beside the exposition it
// reads, /ops/prometheus.
func ExampleStatusPage() {
	mux := http.NewServeMux()
	mux.Handle("GET /ops/prometheus", metrics.Handler())
	mux.Handle("GET /ops/", metrics.StatusPage())
	srv := httptest.NewServer(mux)
	defer srv.Close()

	for _, path := range []string{"/ops/", "/ops/status.js", "/ops/prometheus"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
		fmt.Println(path, resp.Status, resp.Header.Get("Content-Type"))
	}
	// Output:
	// /ops/ 200 OK text/html; charset=utf-8
	// /ops/status.js 200 OK text/javascript; charset=utf-8
	// /ops/prometheus 200 OK text/plain; version=0.0.4; charset=utf-8; escaping=underscores
}
