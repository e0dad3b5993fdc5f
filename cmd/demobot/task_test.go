package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
)

// TestSessionStore: the cleanup task reads and deletes through the pool of
// the session database that the page shows, with exact figures; the
// database refuses any other statement.
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
	for _, query := range []string{"DROP TABLE sessions", sqlTouch} { // the touch without its arguments
		if _, err := s.db.ExecContext(ctx, query); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("session database: cannot run %q with 0 arguments", query)) {
			t.Errorf("%s: %v", query, err)
		}
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
