package pgxmetrics_test

import (
	"context"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/internal/toolstest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/pgxmetrics"
)

// TestRegisterPostgres puts a pool of a real PostgreSQL server under a
// known load and checks the gauges exactly after each step.
func TestRegisterPostgres(t *testing.T) {
	url := toolstest.StartPostgres(t)
	ctx := context.Background()
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 4
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	m := newMetrics(t)
	if err := pgxmetrics.Register(pool, "orders", pgxmetrics.WithMetrics(m)); err != nil {
		t.Fatal(err)
	}
	want := func(busy, free, size int) {
		t.Helper()
		e := promtest.Scrape(t, m.Handler())
		for name, v := range map[string]int{
			"genapp_sql_pool_busy_connections": busy, "genapp_sql_pool_free_connections": free,
			"genapp_sql_pool_size": size, "genapp_sql_pool_overflow_connections": 0,
		} {
			if got := e.One(t, name, promtest.Labels{"database": "orders", "env": "dev", "app": "demobot"}).GetGauge().GetValue(); got != float64(v) {
				t.Errorf("%s = %v, want %d", name, got, v)
			}
		}
	}
	var conns []*pgxpool.Conn
	for range 3 {
		c, err := pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		conns = append(conns, c)
	}
	want(3, 0, 4)
	conns[0].Release()
	want(2, 1, 4)
	conns[1].Release()
	conns[2].Release()
	want(0, 3, 4)

	if err := pgxmetrics.Register(pool, "orders", pgxmetrics.WithMetrics(m)); err == nil || !strings.Contains(err.Error(), `"orders" is already registered`) {
		t.Errorf("a second registration: %v", err)
	}
	if err := pgxmetrics.Register(nil, "other", pgxmetrics.WithMetrics(m)); err == nil || !strings.Contains(err.Error(), "Register(nil") {
		t.Errorf("a nil pool: %v", err)
	}
}

// TestRegisterWithMetrics: the pool is shown in the instance WithMetrics
// gives and in no other. A pool that never connected has its size and no
// connection: no server is needed.
func TestRegisterWithMetrics(t *testing.T) {
	cfg, err := pgxpool.ParseConfig("postgres://app@127.0.0.1:1/orders")
	if err != nil {
		t.Fatal(err)
	}
	cfg.MaxConns = 3
	pool, err := pgxpool.NewWithConfig(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	given, other := newMetrics(t), newMetrics(t)
	if err := pgxmetrics.Register(pool, "orders", pgxmetrics.WithMetrics(given)); err != nil {
		t.Fatal(err)
	}
	e := promtest.Scrape(t, given.Handler())
	if got := e.One(t, "genapp_sql_pool_size", promtest.Labels{"database": "orders"}).GetGauge().GetValue(); got != 3 {
		t.Errorf("genapp_sql_pool_size = %v, want 3", got)
	}
	if got := e.One(t, "genapp_sql_pool_busy_connections", promtest.Labels{"database": "orders"}).GetGauge().GetValue(); got != 0 {
		t.Errorf("genapp_sql_pool_busy_connections = %v, want 0", got)
	}
	if e := promtest.Scrape(t, other.Handler()); e.Series("genapp_sql_pool_size") != 0 {
		t.Errorf("another instance shows the pool:\n%s", e.Text)
	}
	if err := pgxmetrics.Register(pool, "orders", pgxmetrics.WithMetrics(nil)); err != nil {
		t.Errorf("Register with WithMetrics(nil) = %v, want nil", err)
	}
}

func TestRegisterBeforeInit(t *testing.T) {
	if err := pgxmetrics.Register(nil, "orders"); err != nil {
		t.Errorf("Register before Init = %v, want nil", err)
	}
}

// newMetrics returns an instance on a fresh registry.
func newMetrics(t *testing.T) *metrics.Metrics {
	t.Helper()
	m, err := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}
