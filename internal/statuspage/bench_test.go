package statuspage

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// benchActions is how many more actions the benchmarks' registry holds:
// a busy bot's.
const benchActions = 50

// BenchmarkPage is a load of the page without script: gathering the
// registry, filling in the tables and writing the HTML.
func BenchmarkPage(b *testing.B) {
	reg := testRegistry(benchActions)
	benchHandler(b, Handler(func() (prometheus.Gatherer, string) { return reg, "bench" }, "prometheus"))
}

// BenchmarkScrape is a scrape of the same registry in the text format, for
// comparison: what each refresh of the page's script costs the server.
func BenchmarkScrape(b *testing.B) {
	benchHandler(b, promhttp.HandlerFor(testRegistry(benchActions), promhttp.HandlerOpts{}))
}

func benchHandler(b *testing.B, h http.Handler) {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatal(w.Code)
		}
	}
}
