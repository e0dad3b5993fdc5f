package pgxmetrics

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/genapp-go/genapp/metrics"
)

// Option configures [Register].
type Option func(*config)

type config struct {
	metrics *metrics.Metrics
}

// WithMetrics shows the pool in m instead of [metrics.Default]. A nil m
// records nothing.
func WithMetrics(m *metrics.Metrics) Option {
	return func(c *config) { c.metrics = m }
}

// Register shows pool under the label database in the default instance of
// package metrics, or in the one of [WithMetrics], as metrics.RegisterDB
// does for a *sql.DB. It records nothing and returns nil when there is no
// instance: before metrics.Init, the default is nil. Call UnregisterDB of
// the same instance before closing the pool.
func Register(pool *pgxpool.Pool, database string, opts ...Option) error {
	c := config{metrics: metrics.Default()}
	for _, o := range opts {
		o(&c)
	}
	if c.metrics == nil {
		return nil
	}
	if pool == nil {
		return fmt.Errorf("pgxmetrics: Register(nil, %q): give the *pgxpool.Pool whose connections to show", database)
	}
	return c.metrics.RegisterPool(database, Stats(pool))
}

// Stats returns the function that reads pool's state at each scrape: busy
// is the connections acquired, free the idle ones, size MaxConns, and
// overflow 0, as pgxpool never opens more than MaxConns.
func Stats(pool *pgxpool.Pool) func() metrics.PoolStats {
	return func() metrics.PoolStats {
		s := pool.Stat()
		return metrics.PoolStats{Busy: int(s.AcquiredConns()), Free: int(s.IdleConns()), Size: int(s.MaxConns())}
	}
}
