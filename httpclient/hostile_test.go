package httpclient_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
)

// TestHostileUpstream: an upstream that answers with statuses made up at
// will creates no more series than the limit: status and method are under
// the series guard like the resource.
func TestHostileUpstream(t *testing.T) {
	const limit = 100
	m, err := metrics.New("testapp", "dev", metrics.WithRegistry(prometheus.NewRegistry()),
		metrics.WithMaxSeries(limit), metrics.WithLogger(slog.New(slog.DiscardHandler)))
	if err != nil {
		t.Fatal(err)
	}
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(r.URL.Query().Get("status"))
		w.WriteHeader(code)
	}))
	defer upstream.Close()
	client := httpclient.New(httpclient.WithMetrics(m))
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"}
	sent := 0
	for code := 200; code < 600; code++ {
		for _, method := range methods {
			req, _ := http.NewRequest(method, upstream.URL+"/v1?status="+strconv.Itoa(code), nil)
			exchange(t, client, req)
			sent++
		}
	}
	e := scrape(t, m)
	for _, family := range []string{requestsTotal, durationSec, sizeBytes} {
		if n := e.Series(family); n > limit {
			t.Errorf("%s: %d series after %d statuses x %d methods, limit %d", family, n, 400, len(methods), limit)
		}
	}
	if got := e.Sum(requestsTotal, nil); got != float64(sent) {
		t.Errorf("%v exchanges recorded, %d sent", got, sent)
	}
	folded := e.Counter(t, requestsTotal, map[string]string{"status": metrics.OverflowValue})
	if counted := e.Counter(t, "genapp_series_overflow_total", map[string]string{"label": "resource"}); counted != folded || folded == 0 {
		t.Errorf("folded %v exchanges, counted %v", folded, counted)
	}
}
