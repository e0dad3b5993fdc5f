package promserver

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// TestStartScrapeQuery runs a real Prometheus against an in-process target
// and reads the scraped value back through Query and Targets. Prometheus
// 2.x hands new targets to its scrapers at most every 5s, so the first
// sample takes about 6s to appear.
func TestStartScrapeQuery(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "promserver_test_total", Help: "test"})
	reg.MustRegister(c)
	c.Add(42)
	target := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer target.Close()

	srv := Start(t, Config{Jobs: []Job{{Name: "unit", Targets: []string{strings.TrimPrefix(target.URL, "http://")}}}})
	vec := srv.WaitVector(t, `promserver_test_total{job="unit"}`, 10*time.Second)
	if len(vec) != 1 || vec[0].Value != 42 {
		t.Fatalf("promserver_test_total = %v, want one sample of 42", vec)
	}

	ctx := context.Background()
	targets, err := srv.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 1 || targets[0].Health != "up" || targets[0].Labels["job"] != "unit" {
		t.Fatalf("targets = %+v, want the one unit target up", targets)
	}
	if _, err := srv.Query(ctx, `sum(`); err == nil || !strings.Contains(err.Error(), "bad_data") {
		t.Fatalf("Query of a syntax error: err = %v, want bad_data", err)
	}
	if _, err := srv.Query(ctx, `1`); err == nil || !strings.Contains(err.Error(), "scalar") {
		t.Fatalf("Query of a scalar: err = %v, want a not-a-vector error", err)
	}
	if _, err := srv.Eventually(`absent_metric_name`, time.Second); err == nil || !strings.Contains(err.Error(), "empty result") {
		t.Fatalf("Eventually of a missing series: err = %v, want empty result", err)
	}
}

// TestEventuallySlowAnswer: an answer that takes longer than the wait, as
// on a loaded machine, still decides the error: "empty result", not a
// deadline.
func TestEventuallySlowAnswer(t *testing.T) {
	const wait = 100 * time.Millisecond
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * wait)
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	defer api.Close()
	srv := &Server{URL: api.URL}
	if _, err := srv.Eventually(`absent_metric_name`, wait); err == nil || !strings.Contains(err.Error(), "empty result") {
		t.Fatalf("Eventually: err = %v, want empty result", err)
	}
}

func TestConfigRejectsJobWithoutTargets(t *testing.T) {
	if _, err := configText(Config{Jobs: []Job{{Name: "x"}}}); err == nil {
		t.Fatal("configText accepted a job without targets")
	}
}
