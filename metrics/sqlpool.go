package metrics

import (
	"database/sql"
	"errors"
	"fmt"
	"maps"
	"sync"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// PoolStats is the state of a pool of database connections at one moment,
// as the genapp_sql_pool_* gauges show it.
type PoolStats struct {
	Busy     int // connections in use: genapp_sql_pool_busy_connections
	Free     int // idle connections: genapp_sql_pool_free_connections
	Size     int // the most connections the pool opens, 0 for no limit: genapp_sql_pool_size
	Overflow int // connections opened past Size: genapp_sql_pool_overflow_connections
}

// RegisterDB shows db's pool in the genapp_sql_pool_* gauges of the default
// instance under database, the analogue of llm_common's
// register_sqlalchemy_engine_monitoring(engine, database=...). It records
// nothing and returns nil when [Init] has not been called.
func RegisterDB(db *sql.DB, database string) error { return Default().RegisterDB(db, database) }

// RegisterDB shows db's pool in m's genapp_sql_pool_* gauges under the
// label database, read at each scrape from db.Stats(): busy is InUse, free
// is Idle, size is MaxOpenConnections (0 when unlimited, the default of
// database/sql), and overflow is always 0, as database/sql never opens
// more than its maximum.
func (m *Metrics) RegisterDB(db *sql.DB, database string) error {
	if m == nil {
		return nil
	}
	if db == nil {
		return fmt.Errorf("metrics: RegisterDB(nil, %q): give the *sql.DB whose pool to show", database)
	}
	return m.RegisterPool(database, func() PoolStats {
		s := db.Stats()
		return PoolStats{Busy: s.InUse, Free: s.Idle, Size: s.MaxOpenConnections}
	})
}

// UnregisterDB stops showing the pool registered under database in the
// default instance, and reports whether there was one. Unregister a pool
// before closing it, so that the page does not show a closed pool as idle.
func UnregisterDB(database string) bool { return Default().UnregisterDB(database) }

// UnregisterDB stops showing the pool registered under database in m, by
// [Metrics.RegisterDB] or [Metrics.RegisterPool], and reports whether there
// was one; its name can then be registered again.
func (m *Metrics) UnregisterDB(database string) bool {
	if m == nil {
		return false
	}
	p := m.f.pools
	p.mu.Lock()
	defer p.mu.Unlock()
	_, ok := p.stats[database]
	delete(p.stats, database)
	return ok
}

// RegisterPool shows a pool of database connections that is not a
// *sql.DB in the genapp_sql_pool_* gauges under the label database: stats
// is called at each scrape, from the scraping goroutine, and must be safe
// for concurrent use. It records nothing and returns nil for a nil m.
//
// database must be 1 to [MaxLabelLen] bytes of UTF-8 and not registered
// before in m's families; an instance holds at most as many pools as
// [WithMaxSeries] allows action names. The [LLMCommon22] mode has no
// genapp_sql_pool_* families and refuses pools.
func (m *Metrics) RegisterPool(database string, stats func() PoolStats) error {
	if m == nil {
		return nil
	}
	if stats == nil {
		return fmt.Errorf("metrics: RegisterPool(%q, nil): give the function that reads the pool's state", database)
	}
	return m.f.pools.add(database, stats, m.f.maxKeys, m.f.compat)
}

// sqlPools holds the registered pools and describes their gauges.
type sqlPools struct {
	busy, free, size, overflow *prometheus.Desc

	mu    sync.Mutex
	stats map[string]func() PoolStats // by database
}

func newSQLPools(constLabels prometheus.Labels) *sqlPools {
	desc := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc(name, help, []string{"database"}, constLabels)
	}
	return &sqlPools{
		busy:     desc("genapp_sql_pool_busy_connections", "Connections of the pool in use"),
		free:     desc("genapp_sql_pool_free_connections", "Idle connections of the pool"),
		size:     desc("genapp_sql_pool_size", "Most connections the pool opens, 0 for no limit"),
		overflow: desc("genapp_sql_pool_overflow_connections", "Connections the pool opened past its size"),
		stats:    map[string]func() PoolStats{},
	}
}

func (p *sqlPools) add(database string, stats func() PoolStats, limit int, compat Compatibility) error {
	switch {
	case compat == LLMCommon22:
		return fmt.Errorf("metrics: pool %q: the genapp_sql_pool_* families are not part of %v; leave WithCompatibility out to have them", database, compat)
	case database == "" || len(database) > MaxLabelLen || !utf8.ValidString(database):
		return fmt.Errorf("metrics: pool name %q: it becomes the database label, 1 to MaxLabelLen (%d) bytes of UTF-8", database, MaxLabelLen)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, ok := p.stats[database]; ok {
		return fmt.Errorf("metrics: pool %q is already registered: give each pool a name of its own", database)
	}
	if len(p.stats) >= limit {
		return errors.New("metrics: too many pools registered: at most as many as WithMaxSeries allows action names")
	}
	p.stats[database] = stats
	return nil
}

// Describe implements prometheus.Collector.
func (p *sqlPools) Describe(ch chan<- *prometheus.Desc) {
	ch <- p.busy
	ch <- p.free
	ch <- p.size
	ch <- p.overflow
}

// Collect implements prometheus.Collector.
func (p *sqlPools) Collect(ch chan<- prometheus.Metric) {
	p.mu.Lock()
	pools := maps.Clone(p.stats)
	p.mu.Unlock()
	for name, stats := range pools {
		s := stats()
		for _, g := range [...]struct {
			desc  *prometheus.Desc
			value int
		}{{p.busy, s.Busy}, {p.free, s.Free}, {p.size, s.Size}, {p.overflow, s.Overflow}} {
			ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(g.value), name)
		}
	}
}
