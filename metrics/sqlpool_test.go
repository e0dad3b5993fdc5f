package metrics

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	_ "github.com/jackc/pgx/v5/stdlib" // the PostgreSQL driver: tests only
	"github.com/prometheus/client_golang/prometheus"
	_ "modernc.org/sqlite" // the SQLite driver, pure Go: tests only

	"github.com/genapp-go/genapp/internal/toolstest"
)

// wantPool checks the four gauges of database exactly.
func wantPool(t *testing.T, m *Metrics, database string, want PoolStats) {
	t.Helper()
	e := scrape(t, m)
	for name, v := range map[string]int{
		"genapp_sql_pool_busy_connections":     want.Busy,
		"genapp_sql_pool_free_connections":     want.Free,
		"genapp_sql_pool_size":                 want.Size,
		"genapp_sql_pool_overflow_connections": want.Overflow,
	} {
		s := e.One(t, name, L{"database": database, "env": "dev", "app": "demobot"})
		if len(s.GetLabel()) != 3 || s.GetGauge() == nil || s.GetGauge().GetValue() != float64(v) {
			t.Errorf("%s{database=%q} = %v with %d labels, want gauge %d with database, env, app", name, database, s.GetGauge().GetValue(), len(s.GetLabel()), v)
		}
	}
}

// holdConns takes n connections of db and pings through each, so that
// they are open and in use until release.
func holdConns(t *testing.T, db *sql.DB, n int) (release func(k int)) {
	t.Helper()
	ctx := context.Background()
	conns := make([]*sql.Conn, n)
	for i := range conns {
		c, err := db.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := c.PingContext(ctx); err != nil {
			t.Fatal(err)
		}
		conns[i] = c
	}
	t.Cleanup(func() {
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return func(k int) {
		for _, c := range conns[:k] {
			if err := c.Close(); err != nil {
				t.Fatal(err)
			}
		}
		conns = conns[k:]
	}
}

// testPoolLoad puts db under a known load and checks the gauges after each
// step: 3 connections in use, then 2 in use and 1 idle, then 3 idle.
func testPoolLoad(t *testing.T, db *sql.DB) {
	m := newTest(t)
	db.SetMaxOpenConns(5)
	db.SetMaxIdleConns(5)
	if err := m.RegisterDB(db, "sessions"); err != nil {
		t.Fatal(err)
	}
	release := holdConns(t, db, 3)
	wantPool(t, m, "sessions", PoolStats{Busy: 3, Size: 5})
	release(1)
	wantPool(t, m, "sessions", PoolStats{Busy: 2, Free: 1, Size: 5})
	release(2)
	wantPool(t, m, "sessions", PoolStats{Free: 3, Size: 5})
	db.SetMaxOpenConns(0)
	wantPool(t, m, "sessions", PoolStats{Free: 3})
}

func openSQLite(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(t.TempDir(), "test.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func TestRegisterDBSQLite(t *testing.T) { testPoolLoad(t, openSQLite(t)) }

// TestRegisterDBPostgres runs the same load on a real PostgreSQL server,
// through pgx's database/sql driver.
func TestRegisterDBPostgres(t *testing.T) {
	db, err := sql.Open("pgx", toolstest.StartPostgres(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	testPoolLoad(t, db)
}

// TestRegisterDBMistakes: each mistake is an error that names it, and
// nothing is registered.
func TestRegisterDBMistakes(t *testing.T) {
	m := newTest(t)
	db := openSQLite(t)
	if err := m.RegisterDB(db, "main"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		db       *sql.DB
		database string
		want     string
	}{
		{db, "main", `pool "main" is already registered`},
		{nil, "other", `RegisterDB(nil, "other")`},
		{db, "", "1 to MaxLabelLen (128) bytes of UTF-8"},
		{db, strings.Repeat("d", MaxLabelLen+1), "1 to MaxLabelLen (128) bytes of UTF-8"},
		{db, "bad\xff", "1 to MaxLabelLen (128) bytes of UTF-8"},
	} {
		if err := m.RegisterDB(c.db, c.database); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("RegisterDB(%v, %q) = %v, want an error containing %q", c.db, c.database, err, c.want)
		}
	}
	if n := scrape(t, m).Series("genapp_sql_pool_size"); n != 1 {
		t.Errorf("%d pools shown, want 1", n)
	}
	if !m.UnregisterDB("main") || m.UnregisterDB("main") {
		t.Error("UnregisterDB does not report the one pool it removed")
	}
	if _, ok := scrape(t, m).Families["genapp_sql_pool_size"]; ok {
		t.Error("a pool shown after UnregisterDB")
	}
	if err := m.RegisterDB(db, "main"); err != nil {
		t.Errorf("RegisterDB after UnregisterDB: %v", err)
	}
	if err := m.RegisterPool("x", nil); err == nil || !strings.Contains(err.Error(), "RegisterPool") {
		t.Errorf("RegisterPool with nil stats: %v", err)
	}

	legacy, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithCompatibility(LLMCommon22))
	if err != nil {
		t.Fatal(err)
	}
	if err := legacy.RegisterDB(db, "main"); err == nil || !strings.Contains(err.Error(), "llm_common 2.2.0") {
		t.Errorf("RegisterDB in the 2.2.0 mode: %v, want an error naming the mode", err)
	}

	small, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithMaxSeries(4))
	if err != nil {
		t.Fatal(err)
	}
	if err := small.RegisterDB(db, "one"); err != nil {
		t.Fatal(err)
	}
	if err := small.RegisterDB(db, "two"); err == nil || !strings.Contains(err.Error(), "too many pools") {
		t.Errorf("a pool past the limit: %v", err)
	}
}

func TestRegisterDBBeforeInit(t *testing.T) {
	if err := RegisterDB(openSQLite(t), "main"); err != nil {
		t.Errorf("RegisterDB before Init = %v, want nil", err)
	}
	if err := RegisterDB(nil, ""); err != nil {
		t.Errorf("RegisterDB(nil) before Init = %v, want nil", err)
	}
	if UnregisterDB("main") {
		t.Error("UnregisterDB before Init reports a pool")
	}
}
