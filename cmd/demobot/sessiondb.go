package main

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"sync"
)

// The session database stands in for the SQL database a bot keeps its
// state in (PostgreSQL, SQLite), as the fake Bot API stands in for
// Telegram: a database/sql driver, in the process, that runs the three
// statements of the session store on a map. The store is a real *sql.DB,
// so its pool is what metrics.RegisterDB shows for any driver, and the demo
// links no database engine.
const (
	sqlTouch   = `INSERT INTO sessions (chat_id, last_seen) VALUES (?, ?) ON CONFLICT (chat_id) DO UPDATE SET last_seen = excluded.last_seen`
	sqlCount   = `SELECT count(*) FROM sessions`
	sqlDropOld = `DELETE FROM sessions WHERE last_seen < ?`
)

// sessionDB is the database: when each chat was last seen, by chat ID. It
// is the driver.Connector of the *sql.DB that openSessionDB returns.
type sessionDB struct {
	mu       sync.Mutex
	lastSeen map[int64]int64 // Unix nanoseconds
}

// openSessionDB returns a *sql.DB on a new, empty session database.
func openSessionDB() *sql.DB {
	return sql.OpenDB(&sessionDB{lastSeen: map[int64]int64{}})
}

func (db *sessionDB) Connect(context.Context) (driver.Conn, error) { return sessionConn{db}, nil }
func (db *sessionDB) Driver() driver.Driver                        { return sessionDriver{} }

// sessionDriver is the Driver of the connector: it opens nothing by name.
type sessionDriver struct{}

func (sessionDriver) Open(string) (driver.Conn, error) {
	return nil, errors.New("session database: open it with openSessionDB")
}

// sessionConn is a connection to the database. It runs statements
// directly (driver.ExecerContext, driver.QueryerContext), without
// preparing them or taking transactions.
type sessionConn struct{ db *sessionDB }

func (sessionConn) Close() error { return nil }

func (sessionConn) Prepare(query string) (driver.Stmt, error) {
	return nil, fmt.Errorf("session database: no prepared statements (%q)", query)
}

func (sessionConn) Begin() (driver.Tx, error) {
	return nil, errors.New("session database: no transactions")
}

func (c sessionConn) ExecContext(_ context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	c.db.mu.Lock()
	defer c.db.mu.Unlock()
	switch {
	case query == sqlTouch && len(args) == 2:
		chatID, ok1 := args[0].Value.(int64)
		at, ok2 := args[1].Value.(int64)
		if !ok1 || !ok2 {
			break
		}
		c.db.lastSeen[chatID] = at
		return driver.RowsAffected(1), nil
	case query == sqlDropOld && len(args) == 1:
		before, ok := args[0].Value.(int64)
		if !ok {
			break
		}
		var n int64
		for chatID, at := range c.db.lastSeen {
			if at < before {
				delete(c.db.lastSeen, chatID)
				n++
			}
		}
		return driver.RowsAffected(n), nil
	}
	return nil, fmt.Errorf("session database: cannot run %q with %d arguments", query, len(args))
}

func (c sessionConn) QueryContext(_ context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	if query != sqlCount || len(args) != 0 {
		return nil, fmt.Errorf("session database: cannot run %q with %d arguments", query, len(args))
	}
	c.db.mu.Lock()
	defer c.db.mu.Unlock()
	return &countRows{n: int64(len(c.db.lastSeen))}, nil
}

// countRows is the one row of sqlCount.
type countRows struct {
	n    int64
	read bool
}

func (r *countRows) Columns() []string { return []string{"count(*)"} }
func (r *countRows) Close() error      { return nil }

func (r *countRows) Next(dest []driver.Value) error {
	if r.read {
		return io.EOF
	}
	r.read = true
	dest[0] = r.n
	return nil
}
