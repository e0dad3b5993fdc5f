package main

import (
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

// Periodic jobs.
const (
	taskEvery   = time.Second
	cleanupTask = "cleanup_task"
	// sessionIdle is how long a chat stays in the session table after its
	// last update.
	sessionIdle = 30 * time.Second
	// cleanupFailEvery makes every so many cleanup runs fail on purpose, so
	// that the task's error series exists.
	cleanupFailEvery = 5
)

// errCleanupBusy names itself, so that its series reads error_name="store_busy".
var errCleanupBusy = metrics.NamedError("store_busy", errors.New("session store busy (fails on purpose every 5th run)"))

// sessionsDatabase is the database label of the session store's pool.
const sessionsDatabase = "sessions"

// sessions remembers when each chat was last seen, in the session database
// (sessiondb.go): its pool is on the page as genapp_sql_pool_*{database="sessions"}.
type sessions struct {
	db       *sql.DB
	cleanups atomic.Int64
}

// openSessions opens the session store and registers its pool in the
// default metrics instance.
func openSessions() (*sessions, error) {
	db := openSessionDB()
	// One connection, which the handlers and the cleanup take in turn:
	// genapp_sql_pool_size is 1, and busy and free show who has it.
	db.SetMaxOpenConns(1)
	if err := metrics.RegisterDB(db, sessionsDatabase); err != nil {
		_ = db.Close()
		return nil, err
	}
	return &sessions{db: db}, nil
}

// close unregisters the pool, then closes the store.
func (s *sessions) close() error {
	metrics.UnregisterDB(sessionsDatabase)
	return s.db.Close()
}

func (s *sessions) touch(ctx context.Context, chatID int64) error {
	_, err := s.db.ExecContext(ctx, sqlTouch, chatID, time.Now().UnixNano())
	return err
}

// cleanup drops the sessions idle for sessionIdle, tracked as cleanup_task
// with the number of sessions it looked at as the action's size.
func (s *sessions) cleanup(ctx context.Context, now time.Time) (err error) {
	a := metrics.TrackContext(ctx, cleanupTask)
	defer a.End(&err)
	if s.cleanups.Add(1)%cleanupFailEvery == 0 {
		return errCleanupBusy
	}
	var n int
	if err := s.db.QueryRowContext(ctx, sqlCount).Scan(&n); err != nil {
		return err
	}
	a.Size(n)
	_, err = s.db.ExecContext(ctx, sqlDropOld, now.Add(-sessionIdle).UnixNano())
	return err
}

// runTasks runs the periodic jobs every taskEvery until ctx ends: the
// session cleanup, and a token refresh against the auth service at authURL.
func (d *demo) runTasks(ctx context.Context, authURL string, log *slog.Logger) {
	auth := newAuthClient(authURL)
	t := time.NewTicker(taskEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			run := withSpan(ctx) // one trace per run of the jobs
			if err := d.sessions.cleanup(run, now); err != nil && ctx.Err() == nil {
				log.Warn(cleanupTask+" failed", "error", err)
			}
			if err := auth.refresh(run); err != nil && ctx.Err() == nil {
				log.Warn("token refresh failed", "error", err)
			}
		}
	}
}
