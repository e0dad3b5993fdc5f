package telegramtest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Fault describes how the server misbehaves on a call, to test a bot's
// error handling.
type Fault struct {
	// Status is the HTTP status and error_code to fail with, e.g. 429 or
	// 502. 0 means success after Delay, or 429 if RetryAfter is set.
	Status int
	// RetryAfter is sent as parameters.retry_after, the seconds a client
	// must wait after a 429 Too Many Requests.
	RetryAfter int
	// Delay is how long to wait before answering (cut short when the
	// client gives up or the server closes).
	Delay time.Duration
	// Times is how many calls the fault applies to: 0 means once, a
	// negative number means every call until ClearFaults.
	Times int
	// Description overrides the error description, e.g. "Forbidden: bot
	// was blocked by the user". The default is what the real API says for
	// Status: "Too Many Requests: retry after N" for 429, else the HTTP
	// status text, such as "Bad Gateway".
	Description string
}

// fault is an injected Fault with its remaining count.
type fault struct {
	method string
	left   int // negative: unlimited
	Fault
}

// Inject makes the next calls of method (case-insensitive; "" means any
// method) misbehave as f says. Faults apply in the order injected: a call
// takes the first fault that matches its method.
func (s *Server) Inject(method string, f Fault) {
	left := f.Times
	if left == 0 {
		left = 1
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &fault{method: method, left: left, Fault: f})
}

// ClearFaults removes every injected fault not used up yet.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// takeFault returns the fault that applies to a call of method, if any,
// and uses it up once. s.mu must be held.
func (s *Server) takeFault(method string) *Fault {
	for i, f := range s.faults {
		if f.method != "" && !strings.EqualFold(f.method, method) {
			continue
		}
		if f.left > 0 {
			f.left--
			if f.left == 0 {
				s.faults = append(s.faults[:i], s.faults[i+1:]...)
			}
		}
		return &f.Fault
	}
	return nil
}

// applyFault waits out f's delay and returns the error response it
// demands, if any; faulted is false when the call should proceed.
func (s *Server) applyFault(ctx context.Context, f *Fault) (resp response, faulted bool) {
	if f == nil {
		return response{}, false
	}
	if f.Delay > 0 {
		s.sleep(ctx, f.Delay)
	}
	status := f.Status
	if status == 0 && f.RetryAfter > 0 {
		status = http.StatusTooManyRequests
	}
	if status == 0 || status == http.StatusOK {
		return response{}, false
	}
	desc := f.Description
	switch {
	case desc != "":
	case status == http.StatusTooManyRequests:
		desc = fmt.Sprintf("Too Many Requests: retry after %d", f.RetryAfter)
	default:
		desc = http.StatusText(status)
	}
	return response{status: status, description: desc, retryAfter: f.RetryAfter}, true
}

// sleep waits for d, or until ctx is done or the server closes.
func (s *Server) sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-s.ctx.Done():
	}
}
