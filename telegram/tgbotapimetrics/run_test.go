package tgbotapimetrics_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// TestRunCountsExactly runs 10,000 updates through 16 workers (run it with
// -race): every run is recorded once, with its outcome, and no more than 16
// handlers ever run at once.
func TestRunCountsExactly(t *testing.T) {
	const updates, workers = 10_000, 16
	m := actiontest.NewMetrics(t)
	var running, peak atomic.Int32
	tracked := func(err error) tgbotapimetrics.Handler {
		return func(context.Context, tgbotapi.Update) error {
			n := running.Add(1)
			defer running.Add(-1)
			for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
			}
			return err
		}
	}
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), discard,
		tgbotapimetrics.Command("start", tracked(nil)),
		tgbotapimetrics.Command("fail", tracked(errors.New("fail"))),
		tgbotapimetrics.Command("boom", func(ctx context.Context, u tgbotapi.Update) error {
			_ = tracked(nil)(ctx, u)
			panic("boom")
		}),
		tgbotapimetrics.Callback("menu", tracked(nil)),
		tgbotapimetrics.On(telegram.KindText, tracked(nil)),
	)

	ch := make(chan tgbotapi.Update, updates)
	for i := range updates {
		switch i % 5 {
		case 0:
			ch <- command(i, "/start")
		case 1:
			ch <- command(i, "/fail")
		case 2:
			ch <- command(i, "/boom")
		case 3:
			ch <- callback(i, fmt.Sprintf("menu:%d", i))
		case 4:
			ch <- text(i, "hi")
		}
	}
	close(ch)

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := r.Run(ctx, ch, workers); err != nil {
		t.Fatal(err)
	}
	if ctx.Err() != nil {
		t.Fatal("Run did not finish within 30s")
	}

	e := promtest.Scrape(t, m.Handler())
	const each = updates / 5
	actiontest.Want(t, e, "start_handler", each, 0)
	actiontest.Want(t, e, "fail_handler", 0, each)
	actiontest.Want(t, e, "boom_handler", 0, each)
	actiontest.Want(t, e, "menu_callback_handler", each, 0)
	actiontest.Want(t, e, "text_handler", each, 0)
	if p := peak.Load(); p > workers {
		t.Errorf("%d handlers ran at once, want at most %d", p, workers)
	}
}

// TestRunShutdown: when ctx ends, Run stops taking updates, lets the
// handlers in flight finish within the shutdown timeout and reports those
// it had to abandon.
func TestRunShutdown(t *testing.T) {
	const (
		grace = 300 * time.Millisecond
		work  = 100 * time.Millisecond // fast handlers finish well within grace
	)
	m := actiontest.NewMetrics(t)
	var started, finished sync.WaitGroup
	started.Add(5)
	finished.Add(5)
	var ctxAliveAfterWork atomic.Int32
	var stuckSaw [2]error
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), discard, tgbotapimetrics.WithShutdownTimeout(grace),
		tgbotapimetrics.Command("fast", func(ctx context.Context, u tgbotapi.Update) error {
			defer finished.Done()
			started.Done()
			time.Sleep(work)
			if ctx.Err() == nil {
				ctxAliveAfterWork.Add(1)
			}
			return nil
		}),
		tgbotapimetrics.Command("stuck", func(ctx context.Context, u tgbotapi.Update) error {
			defer finished.Done()
			started.Done()
			select {
			case <-ctx.Done(): // cancelled when the shutdown timeout passes
			case <-time.After(5 * time.Second):
			}
			stuckSaw[u.UpdateID-4] = ctx.Err()
			return ctx.Err()
		}),
	)
	ch := make(chan tgbotapi.Update, 8)
	for i, cmd := range []string{"/fast", "/fast", "/fast", "/stuck", "/stuck"} {
		ch <- command(i+1, cmd)
	}
	for i := range 3 { // never taken: Run stops taking updates when ctx ends
		ch <- command(10+i, "/fast")
	}

	ctx, cancel := context.WithCancel(context.Background())
	result := make(chan error, 1)
	go func() { result <- r.Run(ctx, ch, 5) }()
	started.Wait()
	stopped := time.Now()
	cancel()
	var err error
	select {
	case err = <-result:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return within 5s of its context ending")
	}
	took := time.Since(stopped)

	var ae *tgbotapimetrics.AbandonedError
	if !errors.As(err, &ae) {
		t.Fatalf("Run returned %v, want an *AbandonedError", err)
	}
	if took < grace || took > grace+time.Second {
		t.Errorf("Run returned %v after ctx ended, want just after the %v shutdown timeout", took, grace)
	}
	if len(ae.Handlers) != 2 || ae.Handlers[0].UpdateID != 4 || ae.Handlers[1].UpdateID != 5 ||
		ae.Handlers[0].Action != "stuck_handler" || ae.Handlers[0].Running < grace {
		t.Errorf("abandoned %+v, want updates 4 and 5 of stuck_handler, running at least %v", ae.Handlers, grace)
	}
	if !strings.HasPrefix(err.Error(), "tgbotapimetrics: 2 handlers still running after the 300ms shutdown timeout: update 4 (stuck_handler, running ") {
		t.Errorf("error text %q", err)
	}
	if len(ch) != 3 {
		t.Errorf("%d updates left in the channel, want the 3 Run never took", len(ch))
	}

	finished.Wait() // the abandoned handlers return once their context is cancelled
	if n := ctxAliveAfterWork.Load(); n != 3 {
		t.Errorf("%d fast handlers kept a live context while finishing, want 3", n)
	}
	if stuckSaw != [2]error{context.Canceled, context.Canceled} {
		t.Errorf("abandoned handlers saw %v, want their contexts cancelled", stuckSaw)
	}
	// The abandoned runs are recorded just after their handlers return.
	e := actiontest.Wait(t, m.Handler(), 5, 2*time.Second)
	actiontest.Want(t, e, "fast_handler", 3, 0)
	actiontest.Want(t, e, "stuck_handler", 0, 2)
}

// TestRunReturnsWhenChannelCloses: a closed channel is a normal end; Run
// waits for the handlers in flight however long they take.
func TestRunReturnsWhenChannelCloses(t *testing.T) {
	m := actiontest.NewMetrics(t)
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), discard, tgbotapimetrics.WithShutdownTimeout(time.Millisecond),
		tgbotapimetrics.Command("slow", func(context.Context, tgbotapi.Update) error { time.Sleep(50 * time.Millisecond); return nil }))
	ch := make(chan tgbotapi.Update, 2)
	ch <- command(1, "/slow")
	ch <- command(2, "/slow")
	close(ch)
	if err := r.Run(context.Background(), ch, 2); err != nil {
		t.Fatal(err)
	}
	actiontest.Want(t, promtest.Scrape(t, m.Handler()), "slow_handler", 2, 0)
}
