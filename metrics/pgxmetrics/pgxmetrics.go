package pgxmetrics

import (
	"fmt"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/genapp-go/genapp/metrics"
)

// Register shows pool under the label database in the default instance of
// package metrics, as metrics.RegisterDB does for a *sql.DB. It records
// nothing and returns nil when metrics.Init has not been called. Call
// metrics.UnregisterDB(database) before closing the pool.
func Register(pool *pgxpool.Pool, database string) error {
	return RegisterIn(metrics.Default(), pool, database)
}

// RegisterIn is [Register] for the instance m.
func RegisterIn(m *metrics.Metrics, pool *pgxpool.Pool, database string) error {
	if m == nil {
		return nil
	}
	if pool == nil {
		return fmt.Errorf("pgxmetrics: Register(nil, %q): give the *pgxpool.Pool whose connections to show", database)
	}
	return m.RegisterPool(database, Stats(pool))
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
