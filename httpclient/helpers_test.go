package httpclient_test

import (
	"bytes"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
)

const (
	requestsTotal = "genapp_http_requests_total"
	durationSec   = "genapp_http_request_duration_sec"
	sizeBytes     = "genapp_http_request_size_bytes"
)

// newMetrics returns an instance on a registry of its own.
func newMetrics(t testing.TB) *metrics.Metrics {
	t.Helper()
	m, err := metrics.New("testapp", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func scrape(t testing.TB, m *metrics.Metrics) *promtest.Exposition {
	t.Helper()
	return promtest.Scrape(t, m.Handler())
}

// want is one expected exchange series.
type want struct {
	appType, method, resource, status string
	count                             uint64
	in, out                           float64 // sums of the size histograms
}

// check asserts that e holds exactly w's count in all four series of w
// (requests, duration, size in, size out), with w's size sums, and returns
// the sum of the duration histogram.
func check(t testing.TB, e *promtest.Exposition, w want) (durationSum float64) {
	t.Helper()
	l := promtest.Labels{"app_type": w.appType, "method": w.method, "resource": w.resource, "status": w.status, "app": "testapp", "env": "dev"}
	if got := e.Counter(t, requestsTotal, l); got != float64(w.count) {
		t.Errorf("%s%v = %v, want %d", requestsTotal, l, got, w.count)
	}
	n, durationSum := e.Histogram(t, durationSec, l)
	if n != w.count {
		t.Errorf("%s%v count = %d, want %d", durationSec, l, n, w.count)
	}
	for dir, sum := range map[string]float64{"in": w.in, "out": w.out} {
		ld := promtest.Labels{"direction": dir}
		for k, v := range l {
			ld[k] = v
		}
		n, s := e.Histogram(t, sizeBytes, ld)
		if n != w.count || s != sum {
			t.Errorf("%s%v = count %d sum %v, want count %d sum %v", sizeBytes, ld, n, s, w.count, sum)
		}
	}
	return durationSum
}

// checkSeries asserts that each family has n series (n exchanges of distinct
// labels were recorded, and nothing else).
func checkSeries(t testing.TB, e *promtest.Exposition, n int) {
	t.Helper()
	for name, want := range map[string]int{requestsTotal: n, durationSec: n, sizeBytes: 2 * n} {
		if got := e.Series(name); got != want {
			t.Errorf("%s has %d series, want %d:\n%s", name, got, want, e.Text)
		}
	}
}

// roundTripFunc is a base transport made of a function.
type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// exchange sends req with c and reads the answer to its end, which ends the
// recorded exchange.
func exchange(t testing.TB, c *http.Client, req *http.Request) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// readWhole does req with c and asserts that the caller reads exactly the
// body the server wrote.
func readWhole(t *testing.T, c *http.Client, req *http.Request, body []byte) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || !bytes.Equal(got, body) {
		t.Fatalf("the caller read %d bytes (%v), not the %d the server wrote", len(got), err, len(body))
	}
}

// checkNoLLM asserts that e has no genapp_llm_* series but the price
// table's, which every instance has.
func checkNoLLM(t *testing.T, e *promtest.Exposition) {
	t.Helper()
	for name := range e.Families {
		if strings.HasPrefix(name, "genapp_llm_") && name != "genapp_llm_price_table_info" && e.Series(name) > 0 {
			t.Errorf("%s recorded:\n%s", name, e.Text)
		}
	}
}
