package polling

import (
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/genapp-go/genapp/telegram"
)

// State is what every adapter's Poller tells of its polling: whether it
// can take updates ([State.Ready]) and what it stopped on ([State.Err]).
// It also counts the getUpdates that failed in a row, for the backoff. A
// State serves one run at a time; its methods are safe for concurrent
// use, and its zero value is that of a Poller that never ran.
type State struct {
	mu      sync.Mutex
	ran     bool            // a run started once
	running bool            // between Start and End
	done    <-chan struct{} // closed when the run is asked to stop
	retry   Retry
	last    *telegram.PollError // the last failure of the run
	err     *telegram.PollError // what the last run stopped on by itself
}

// Start begins a run, which is asked to stop when done is closed: from
// then on Ready reports the run stopping, while it finishes.
func (s *State) Start(done <-chan struct{}) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ran, s.running, s.done = true, true, done
	s.retry, s.last, s.err = Retry{}, nil, nil
}

// End ends the run: it returned.
func (s *State) End() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.running = false
}

// Refuse records f as what a run that could not start stopped on.
func (s *State) Refuse(f *telegram.PollError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.ran, s.running, s.err = true, false, f
}

// Failed counts one more failed getUpdates and returns how long to wait
// (see [Retry.Failed]). A failure that stops polling (f.Stopped) is what
// Err returns from then on.
func (s *State) Failed(f *telegram.PollError) time.Duration {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.last = f
	if f.Stopped {
		s.err = f
	}
	return s.retry.Failed(f.RetryAfter)
}

// Succeeded ends a run of failed getUpdates.
func (s *State) Succeeded() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.retry.Succeeded()
	s.last = nil
}

// Err returns the *telegram.PollError the last run stopped on by itself;
// nil while it runs, and after it was asked to stop.
func (s *State) Err() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.err != nil {
		return s.err
	}
	return nil
}

// errNotStarted, errStopping and errStopped say why a Poller is not ready.
var (
	errNotStarted = errors.New("telegram: polling has not started")
	errStopping   = errors.New("telegram: polling is stopping")
	errStopped    = errors.New("telegram: polling has stopped")
)

// Ready returns nil while the run polls and can take updates: it started,
// is not asked to stop, and fewer than [telegram.UnreadyAfter] getUpdates
// failed in a row. Otherwise it returns why not: polling has not started,
// is stopping, has stopped (with what it stopped on, if it stopped by
// itself), or fails (with the last failure). The texts hold no bot token:
// a *telegram.PollError holds none.
func (s *State) Ready() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.err != nil:
		return s.err
	case !s.ran:
		return errNotStarted
	case !s.running:
		return errStopped
	case stopping(s.done):
		return errStopping
	case s.retry.failures >= telegram.UnreadyAfter:
		return fmt.Errorf("telegram: polling fails: %d getUpdates in a row failed, the last with: %w", s.retry.failures, s.last)
	}
	return nil
}

// stopping reports whether done is closed.
func stopping(done <-chan struct{}) bool {
	select {
	case <-done:
		return true
	default:
		return false
	}
}
