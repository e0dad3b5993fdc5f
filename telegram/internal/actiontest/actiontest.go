package actiontest

import (
	"net/http"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
)

// Families of a tracked action.
const (
	Count    = "genapp_action_count_total"
	Duration = "genapp_action_duration_sec"
)

// NewMetrics returns an instance (app "bot", env "dev") on a registry of its
// own, so that tests share no series, with opts (such as
// metrics.WithActiveUsers, off otherwise).
func NewMetrics(t testing.TB, opts ...metrics.Option) *metrics.Metrics {
	t.Helper()
	m, err := metrics.New("bot", "dev", append([]metrics.Option{metrics.WithRegistry(prometheus.NewRegistry())}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Want asserts that action name has exactly ok runs with status "ok",
// failed with status "error", and one duration observation per run.
func Want(t testing.TB, e *promtest.Exposition, name string, ok, failed int) {
	t.Helper()
	gotOK := e.Sum(Count, promtest.Labels{"name": name, "status": "ok"})
	gotErr := e.Sum(Count, promtest.Labels{"name": name, "status": "error"})
	if gotOK != float64(ok) || gotErr != float64(failed) {
		t.Errorf("%s: ok=%v error=%v, want ok=%d error=%d", name, gotOK, gotErr, ok, failed)
	}
	if n, _ := e.Histogram(t, Duration, promtest.Labels{"name": name}); n != uint64(ok+failed) {
		t.Errorf("%s: %d durations observed, want %d", name, n, ok+failed)
	}
}

// Runs returns the number of runs recorded in e, all actions together.
func Runs(e *promtest.Exposition) int {
	n := 0
	for _, m := range e.Families[Count].GetMetric() {
		n += int(m.GetCounter().GetValue())
	}
	return n
}

// Wait scrapes h until it shows at least runs runs, for handlers that run on
// goroutines the test does not control, then returns one more scrape. It
// gives up after timeout and returns the last scrape, which the caller's
// assertions then fail on.
//
// The scrape that shows the runs is not the one returned: a scrape reads the
// families one after another, so it can show a run in the counter but not
// yet in the histogram. An action observes its duration before it counts,
// so once every run is counted, the next scrape shows all of them in both.
func Wait(t testing.TB, h http.Handler, runs int, timeout time.Duration) *promtest.Exposition {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		e := promtest.Scrape(t, h)
		if Runs(e) >= runs {
			return promtest.Scrape(t, h)
		}
		if time.Now().After(deadline) {
			return e
		}
		time.Sleep(5 * time.Millisecond)
	}
}
