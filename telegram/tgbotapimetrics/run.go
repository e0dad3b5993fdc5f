package tgbotapimetrics

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/internal/bottoken"
)

// Run handles the updates from updates, at most workers at a time, until
// updates is closed and every handler has returned, or until ctx ends.
//
// When ctx ends Run stops taking updates (those still in the channel stay
// there; a worker that was at that very moment picking one from a ready
// channel runs it as a handler in flight) and waits for the handlers in
// flight, at most the shutdown timeout
// ([WithShutdownTimeout], [DefaultShutdownTimeout] by default). Handlers
// run with a context that carries ctx's values but is cancelled only when
// that timeout passes, so that they can finish what they started. Run
// returns nil when every handler returned in time, and otherwise an
// [*AbandonedError] listing the updates whose handlers were still running;
// their contexts are cancelled and their runs are recorded if and when
// they return.
//
// Handler errors are logged, not returned. With tgbotapi, stop the producer
// with BotAPI.StopReceivingUpdates, which closes the channel.
func (r *Router) Run(ctx context.Context, updates <-chan tgbotapi.Update, workers int) error {
	if workers < 1 {
		return fmt.Errorf("tgbotapimetrics: Run with %d workers: want 1 or more", workers)
	}
	return run(r, ctx, updates, workers, func(u tgbotapi.Update) (tgbotapi.Update, json.RawMessage) { return u, nil })
}

// run is Run for updates of type T, each of which open turns into the
// update and, when the Poller fetched it, its JSON.
func run[T any](r *Router, ctx context.Context, updates <-chan T, workers int, open func(T) (tgbotapi.Update, json.RawMessage)) error {
	hctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()

	var flight inFlight
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() { work(r, ctx, hctx, updates, open, &flight) })
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()

	select {
	case <-done:
		return nil
	case <-ctx.Done():
	}
	timer := time.NewTimer(r.grace)
	defer timer.Stop()
	select {
	case <-done:
		return nil
	case <-timer.C:
	}
	abandoned := flight.snapshot() // before cancel, which lets them return
	cancel()
	return &AbandonedError{Timeout: r.grace, Handlers: abandoned}
}

// work is one worker: it takes updates until stop ends or updates closes,
// and runs their handlers with hctx.
func work[T any](r *Router, stop, hctx context.Context, updates <-chan T, open func(T) (tgbotapi.Update, json.RawMessage), flight *inFlight) {
	for stop.Err() == nil {
		var u tgbotapi.Update
		var raw json.RawMessage
		select {
		case <-stop.Done():
			return
		case v, ok := <-updates:
			if !ok {
				return
			}
			u, raw = open(v)
		}
		rt, ok, err := r.handle(hctx, u, raw, flight)
		if !ok {
			continue
		}
		if _, panicked := err.(*PanicError); err != nil && !panicked { // panics are logged by run
			r.log.ErrorContext(hctx, "telegram handler failed",
				"action", rt.name, "update_id", u.UpdateID, "error", bottoken.Redact(err.Error()))
		}
	}
}

// Abandoned is a handler still running when [Router.Run] stopped waiting.
type Abandoned struct {
	UpdateID int
	Action   string
	Running  time.Duration // how long it had been running
}

// AbandonedError reports the handlers [Router.Run] stopped waiting for.
type AbandonedError struct {
	Timeout  time.Duration
	Handlers []Abandoned // by update ID
}

func (e *AbandonedError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "tgbotapimetrics: %d handlers still running after the %v shutdown timeout:", len(e.Handlers), e.Timeout)
	for i, h := range e.Handlers {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, " update %d (%s, running %v)", h.UpdateID, h.Action, h.Running.Round(time.Millisecond))
	}
	return b.String()
}

// inFlight is the set of handlers running under Run.
type inFlight struct {
	mu   sync.Mutex
	next uint64
	runs map[uint64]flightRun
}

type flightRun struct {
	updateID int
	action   string
	start    time.Time
}

func (f *inFlight) add(updateID int, action string) uint64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.runs == nil {
		f.runs = map[uint64]flightRun{}
	}
	f.next++
	f.runs[f.next] = flightRun{updateID, action, time.Now()}
	return f.next
}

func (f *inFlight) remove(id uint64) {
	f.mu.Lock()
	delete(f.runs, id)
	f.mu.Unlock()
}

func (f *inFlight) snapshot() []Abandoned {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := make([]Abandoned, 0, len(f.runs))
	for _, r := range f.runs {
		out = append(out, Abandoned{UpdateID: r.updateID, Action: r.action, Running: time.Since(r.start)})
	}
	slices.SortFunc(out, func(a, b Abandoned) int { return cmp.Compare(a.UpdateID, b.UpdateID) })
	return out
}
