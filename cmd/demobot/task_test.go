package main

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
)

// TestSessionStore: the cleanup task reads and deletes through the SQLite
// pool that the page shows, with exact figures.
func TestSessionStore(t *testing.T) {
	inProcess.Lock()
	defer inProcess.Unlock()
	m, err := metrics.Init("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	s, err := openSessions()
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, chat := range []int64{1, 2, 3, 2} {
		if err := s.touch(ctx, chat); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.cleanup(ctx, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.cleanup(ctx, time.Now()); err != nil {
		t.Fatal(err)
	}
	e := promtest.Scrape(t, m.Handler())
	if got := e.Counter(t, "genapp_action_size_total", promtest.Labels{"name": cleanupTask}); got != 3 {
		t.Errorf("sessions looked at = %v, want 3 then 0", got)
	}
	pool := promtest.Labels{"database": sessionsDatabase}
	for name, want := range map[string]float64{
		"genapp_sql_pool_size": 1, "genapp_sql_pool_free_connections": 1,
		"genapp_sql_pool_busy_connections": 0, "genapp_sql_pool_overflow_connections": 0,
	} {
		if got := e.One(t, name, pool).GetGauge().GetValue(); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	if err := s.close(); err != nil {
		t.Fatal(err)
	}
	if _, shown := promtest.Scrape(t, m.Handler()).Families["genapp_sql_pool_size"]; shown {
		t.Error("the pool is shown after close")
	}
}
