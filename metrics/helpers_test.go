package metrics

import (
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
)

// newTest returns an instance on a fresh registry, so tests do not share
// series.
func newTest(t *testing.T) *Metrics {
	t.Helper()
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// initTest makes a fresh instance the process default for the duration of
// the test.
func initTest(t *testing.T) *Metrics {
	t.Helper()
	m, err := Init("demobot", "dev", WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { defaultMetrics.Store(nil) })
	return m
}

func scrape(t *testing.T, m *Metrics) *promtest.Exposition {
	t.Helper()
	return promtest.Scrape(t, m.Handler())
}

type L = promtest.Labels

func promtestScrapeRegistry(t testing.TB, reg *prometheus.Registry) *promtest.Exposition {
	t.Helper()
	return promtest.Scrape(t, handlerFor(reg))
}
