package polling

import (
	"errors"
	"strings"
	"testing"

	"github.com/genapp-go/genapp/telegram"
)

// TestState walks a State through a run: not started, ready, a run of
// failures long enough to be unready and back, stopping, stopped; then a
// run that stops by itself and one refused.
func TestState(t *testing.T) {
	var s State
	says := func(what, want string) {
		t.Helper()
		if err := s.Ready(); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: Ready() = %v, want an error saying %q", what, err, want)
		}
	}
	says("never ran", "polling has not started")
	done := make(chan struct{})
	s.Start(done)
	if err := s.Ready(); err != nil {
		t.Errorf("started: Ready() = %v", err)
	}
	failure := &telegram.PollError{Code: 502, Description: "Bad Gateway"}
	for i := 1; i < telegram.UnreadyAfter; i++ {
		s.Failed(failure)
		if err := s.Ready(); err != nil {
			t.Errorf("after %d failures: Ready() = %v, want nil", i, err)
		}
	}
	s.Failed(failure)
	says("after UnreadyAfter failures", "3 getUpdates in a row failed, the last with: telegram: getUpdates failed (502): Bad Gateway")
	if err := s.Ready(); !errors.Is(err, failure) {
		t.Errorf("Ready() = %v does not wrap the last failure", err)
	}
	s.Succeeded()
	if err := s.Ready(); err != nil || s.Err() != nil {
		t.Errorf("after a success: Ready() = %v, Err() = %v", err, s.Err())
	}
	close(done)
	says("asked to stop", "polling is stopping")
	s.End()
	says("ended", "polling has stopped")
	if s.Err() != nil {
		t.Errorf("Err() after a stop asked for = %v", s.Err())
	}

	s.Start(make(chan struct{}))
	conflict := &telegram.PollError{Code: 409, Description: "Conflict", Stopped: true}
	s.Failed(conflict)
	s.End()
	if s.Ready() != conflict || s.Err() != conflict {
		t.Errorf("stopped on a 409: Ready() = %v, Err() = %v; want the failure", s.Ready(), s.Err())
	}
	refused := &telegram.PollError{Description: "nil bot"}
	s.Refuse(refused)
	if s.Ready() != refused || s.Err() != refused {
		t.Errorf("refused: Ready() = %v, Err() = %v; want the refusal", s.Ready(), s.Err())
	}
	s.Start(make(chan struct{}))
	if s.Ready() != nil || s.Err() != nil {
		t.Errorf("started again: Ready() = %v, Err() = %v; want nil", s.Ready(), s.Err())
	}
}
