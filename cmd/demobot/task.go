package main

import (
	"context"
	"errors"
	"log/slog"
	"sync"
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

// sessions remembers when each chat was last seen.
type sessions struct {
	mu       sync.Mutex
	lastSeen map[int64]time.Time
	cleanups int
}

func (s *sessions) touch(chatID int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lastSeen[chatID] = time.Now()
}

// cleanup drops the sessions idle for sessionIdle, tracked as cleanup_task
// with the number of sessions it looked at as the action's size.
func (s *sessions) cleanup(now time.Time) (err error) {
	a := metrics.Track(cleanupTask)
	defer a.End(&err)
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cleanups++; s.cleanups%cleanupFailEvery == 0 {
		return errCleanupBusy
	}
	a.Size(len(s.lastSeen))
	for id, seen := range s.lastSeen {
		if now.Sub(seen) > sessionIdle {
			delete(s.lastSeen, id)
		}
	}
	return nil
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
			if err := d.sessions.cleanup(now); err != nil {
				log.Warn(cleanupTask+" failed", "error", err)
			}
			if err := auth.refresh(ctx); err != nil && ctx.Err() == nil {
				log.Warn("token refresh failed", "error", err)
			}
		}
	}
}
