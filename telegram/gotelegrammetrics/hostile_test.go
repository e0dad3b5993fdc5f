package gotelegrammetrics_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
)

type attackKey struct{}

// hostileBot is an offline synchronous bot with the global middlewares mws
// and the default handler def.
func hostileBot(t testing.TB, def bot.HandlerFunc, mws ...bot.Middleware) *bot.Bot {
	t.Helper()
	opts := []bot.Option{bot.WithSkipGetMe(), bot.WithNotAsyncHandlers(), bot.WithServerURL("http://127.0.0.1:1"), bot.WithDefaultHandler(def)}
	if len(mws) > 0 {
		opts = append(opts, bot.WithMiddlewares(mws...))
	}
	b, err := bot.New("TOKEN", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestHandlerKeepsGlobalMiddlewareContext: with tr.Middleware() first, a
// global middleware of the user's after it that derives the context (a
// value, a deadline) hands that context to the tracked handler, which
// claims the Middleware's run.
func TestHandlerKeepsGlobalMiddlewareContext(t *testing.T) {
	userMW := func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, b *bot.Bot, u *models.Update) {
			ctx = context.WithValue(ctx, attackKey{}, "request-id-42")
			ctx, cancel := context.WithTimeout(ctx, time.Hour)
			defer cancel()
			next(ctx, b, u)
		}
	}
	for _, withMiddleware := range []bool{false, true} {
		t.Run(fmt.Sprint("middleware=", withMiddleware), func(t *testing.T) {
			tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(actiontest.NewMetrics(t)))
			var gotValue any
			var hasDeadline bool
			h := tr.DefaultHandler(func(ctx context.Context, _ *bot.Bot, _ *models.Update) {
				gotValue = ctx.Value(attackKey{})
				_, hasDeadline = ctx.Deadline()
			})
			mws := []bot.Middleware{userMW}
			if withMiddleware {
				mws = []bot.Middleware{tr.Middleware(), userMW}
			}
			b := hostileBot(t, h, mws...)
			b.ProcessUpdate(context.Background(), text(t, "hi"))
			if gotValue != "request-id-42" || !hasDeadline {
				t.Errorf("tracked handler got ctx value %v, deadline %v; want the value and the deadline its caller's middleware set", gotValue, hasDeadline)
			}
		})
	}
}

// TestFailOutsideHandlerIgnored: Fail with a context no tracked handler
// was given is ignored, with the Middleware's run too: a global middleware
// after it that calls Fail before the handler runs fails nothing.
func TestFailOutsideHandlerIgnored(t *testing.T) {
	failing := func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, b *bot.Bot, u *models.Update) {
			gotelegrammetrics.Fail(ctx, errors.New("middleware's own trouble, not the handler's"))
			next(ctx, b, u)
		}
	}
	for _, withMiddleware := range []bool{false, true} {
		t.Run(fmt.Sprint("middleware=", withMiddleware), func(t *testing.T) {
			m := actiontest.NewMetrics(t)
			tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
			mws := []bot.Middleware{failing}
			if withMiddleware {
				mws = []bot.Middleware{tr.Middleware(), failing}
			}
			b := hostileBot(t, tr.DefaultHandler(nop), mws...)
			b.ProcessUpdate(context.Background(), text(t, "hi"))
			actiontest.Want(t, promtest.Scrape(t, m.Handler()), "text_handler", 1, 0)
		})
	}
}

// TestActionExcludesGlobalMiddleware: global middleware runs outside the
// tracked action, with the Middleware installed too: a slow global
// middleware after it (a throttle) is not counted in the handler's
// duration.
func TestActionExcludesGlobalMiddleware(t *testing.T) {
	const delay = 300 * time.Millisecond
	throttle := func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, b *bot.Bot, u *models.Update) {
			time.Sleep(delay)
			next(ctx, b, u)
		}
	}
	for _, withMiddleware := range []bool{false, true} {
		t.Run(fmt.Sprint("middleware=", withMiddleware), func(t *testing.T) {
			m := actiontest.NewMetrics(t)
			tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
			mws := []bot.Middleware{throttle}
			if withMiddleware {
				mws = []bot.Middleware{tr.Middleware(), throttle}
			}
			b := hostileBot(t, tr.DefaultHandler(nop), mws...)
			b.ProcessUpdate(context.Background(), text(t, "hi"))
			_, sum := promtest.Scrape(t, m.Handler()).Histogram(t, actiontest.Duration, promtest.Labels{"name": "text_handler"})
			if sum > 0.2 {
				t.Errorf("text_handler (instant) recorded %.3f s: the global middleware's %v was timed as the handler's", sum, delay)
			}
		})
	}
}

// TestTwoTrackersCountUpdateOnce: two Trackers on one bot recording in one
// Metrics (say metrics.Default), one's Middleware and the other's
// handlers: each update counts once in genapp_telegram_updates_total.
func TestTwoTrackersCountUpdateOnce(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr1 := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
	tr2 := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
	b := hostileBot(t, tr2.DefaultHandler(nop), tr1.Middleware())
	b.ProcessUpdate(context.Background(), text(t, "hi"))
	e := promtest.Scrape(t, m.Handler())
	if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": "message"}); got != 1 {
		t.Errorf("one update counted %v times in %s", got, actiontest.Updates)
	}
}

// TestNestedAcrossTrackers: without any Middleware, a handler of tr1 calls
// a handler of tr2 with its context (both on one Metrics): the update
// counts once.
func TestNestedAcrossTrackers(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr1 := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
	tr2 := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
	inner := tr2.DefaultHandler(nop)
	b := hostileBot(t, tr1.DefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) { inner(ctx, b, u) }))
	b.ProcessUpdate(context.Background(), text(t, "hi"))
	e := promtest.Scrape(t, m.Handler())
	if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": "message"}); got != 1 {
		t.Errorf("one update counted %v times in %s", got, actiontest.Updates)
	}
}

// TestConcurrentClaim: with the Middleware, an untracked handler (on the
// bot directly) fans the update out to two tracked handlers on
// goroutines, with its context: one claims the run, the other has its own,
// with no race (-race).
func TestConcurrentClaim(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
	a := tr.DefaultHandler(nop)
	fan := func(ctx context.Context, b *bot.Bot, u *models.Update) {
		var wg sync.WaitGroup
		for range 2 {
			wg.Add(1)
			go func() { defer wg.Done(); a(ctx, b, u) }()
		}
		wg.Wait()
	}
	b := hostileBot(t, fan, tr.Middleware())
	for range 20 {
		b.ProcessUpdate(context.Background(), text(t, "hi"))
	}
	actiontest.Want(t, promtest.Scrape(t, m.Handler()), "text_handler", 40, 0)
}

// TestWaitSeesHandlerStartedLate: a tracked handler starts a goroutine
// with its context and returns; the goroutine runs another tracked handler.
// Wait counts that one from its start until it returns.
func TestWaitSeesHandlerStartedLate(t *testing.T) {
	for _, withMiddleware := range []bool{false, true} {
		t.Run(fmt.Sprint("middleware=", withMiddleware), func(t *testing.T) {
			m := actiontest.NewMetrics(t)
			tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
			started, release, finished := make(chan struct{}), make(chan struct{}), make(chan struct{})
			slow := tr.DefaultHandler(func(context.Context, *bot.Bot, *models.Update) {
				close(started)
				<-release
			})
			outer := tr.DefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
				go func() { defer close(finished); slow(ctx, b, u) }()
			})
			var mws []bot.Middleware
			if withMiddleware {
				mws = append(mws, tr.Middleware())
			}
			b := hostileBot(t, outer, mws...)
			b.ProcessUpdate(context.Background(), text(t, "hi"))
			<-started
			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			err := tr.Wait(ctx)
			close(release)
			<-finished
			if err == nil {
				t.Errorf("Wait returned nil while a tracked handler of the update was still running")
			}
		})
	}
}

// TestNilUpdate: a tracked handler with a fixed name called with a nil
// update (by a match func that accepts anything, say) runs, and leaves
// nothing counted for Wait.
func TestNilUpdate(t *testing.T) {
	tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(actiontest.NewMetrics(t)))
	b := hostileBot(t, nop)
	ran := false
	if _, err := tr.RegisterHandlerMatchFunc(b, "any_handler", func(*models.Update) bool { return true }, func(context.Context, *bot.Bot, *models.Update) { ran = true }); err != nil {
		t.Fatal(err)
	}
	p := func() (p any) {
		defer func() { p = recover() }()
		b.ProcessUpdate(context.Background(), nil)
		return nil
	}()
	if p != nil {
		t.Errorf("a tracked handler panicked on a nil update: %v (ran=%v)", p, ran)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := tr.Wait(ctx); err != nil {
		t.Errorf("Wait with nothing running: %v (the in-flight count leaked)", err)
	}
}

// TestMiddlewareAsRouteMiddleware: tr.Middleware() handed to a route
// (RegisterHandler's m, which go-telegram/bot applies once, at
// registration) records the route's first update only, and Wait does not
// hang with nothing in flight.
func TestMiddlewareAsRouteMiddleware(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
	b := hostileBot(t, nop)
	b.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, nop, tr.Middleware())
	for range 3 {
		b.ProcessUpdate(context.Background(), command(t, "/start"))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := tr.Wait(ctx); err != nil {
		t.Errorf("Wait with nothing running: %v", err)
	}
}

// TestCompatNilDefault: LLMCommon22 records actions and no
// genapp_telegram_*; WithMetrics(nil) and an uninitialised metrics.Default
// record nothing and Wait still works; with and without the Middleware,
// nested, with Fail from a goroutine after return.
func TestCompatNilDefault(t *testing.T) {
	m22, err := metrics.New("bot", "dev", metrics.WithRegistry(newReg()), metrics.WithCompatibility(metrics.LLMCommon22))
	if err != nil {
		t.Fatal(err)
	}
	if metrics.Default() != nil {
		t.Skip("metrics.Default initialised by another test")
	}
	for _, tc := range []struct {
		name string
		tr   *gotelegrammetrics.Tracker
	}{{"llm22", gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m22))}, {"nil", gotelegrammetrics.New(gotelegrammetrics.WithMetrics(nil))}, {"default-uninit", gotelegrammetrics.New()}} {
		for _, withMiddleware := range []bool{false, true} {
			t.Run(fmt.Sprint(tc.name, "/middleware=", withMiddleware), func(t *testing.T) {
				tr := tc.tr
				var late context.Context
				inner := tr.DefaultHandler(func(ctx context.Context, _ *bot.Bot, _ *models.Update) { gotelegrammetrics.Fail(ctx, errors.New("x")) })
				outer := tr.DefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) { late = ctx; inner(ctx, b, u) })
				var mws []bot.Middleware
				if withMiddleware {
					mws = append(mws, tr.Middleware())
				}
				b := hostileBot(t, outer, mws...)
				b.ProcessUpdate(context.Background(), text(t, "hi"))
				done := make(chan struct{})
				go func() { defer close(done); gotelegrammetrics.Fail(late, errors.New("late")) }()
				<-done
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				if err := tr.Wait(ctx); err != nil {
					t.Error(err)
				}
			})
		}
	}
	e := promtest.Scrape(t, m22.Handler())
	if n := e.Series(actiontest.InFlight) + e.Series(actiontest.Updates); n != 0 {
		t.Errorf("LLMCommon22: %d genapp_telegram_* series", n)
	}
	if got := e.Sum(actiontest.Count, promtest.Labels{"name": "text_handler"}); got != 4 {
		t.Errorf("LLMCommon22: text_handler counted %v, want 4 (2 outer, 2 nested)", got)
	}
}

// TestWaitWithPanics: concurrent updates, with and without the
// Middleware, a third of the handlers panicking (recovered by a global
// middleware outside the Tracker's), others failing from goroutines after
// returning: Wait never returns while a handler runs and returns once all
// did.
func TestWaitWithPanics(t *testing.T) {
	for _, withMiddleware := range []bool{false, true} {
		t.Run(fmt.Sprint("middleware=", withMiddleware), func(t *testing.T) {
			m := actiontest.NewMetrics(t)
			tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
			var running sync.WaitGroup
			var mu sync.Mutex
			active := 0
			recoverMW := func(next bot.HandlerFunc) bot.HandlerFunc {
				return func(ctx context.Context, b *bot.Bot, u *models.Update) {
					defer func() { _ = recover() }()
					next(ctx, b, u)
				}
			}
			i := 0
			afterWait := make(chan struct{})
			var imu sync.Mutex
			h := tr.DefaultHandler(func(ctx context.Context, _ *bot.Bot, _ *models.Update) {
				mu.Lock()
				active++
				mu.Unlock()
				defer func() { mu.Lock(); active--; mu.Unlock() }()
				imu.Lock()
				i++
				k := i
				imu.Unlock()
				time.Sleep(time.Duration(k%5) * time.Millisecond)
				running.Add(1)
				go func() { defer running.Done(); <-afterWait; gotelegrammetrics.Fail(ctx, errors.New("late")) }()
				if k%3 == 0 {
					panic("boom")
				}
			})
			mws := []bot.Middleware{recoverMW}
			if withMiddleware {
				mws = append(mws, tr.Middleware())
			}
			b, err := bot.New("TOKEN", bot.WithSkipGetMe(), bot.WithServerURL("http://127.0.0.1:1"), bot.WithDefaultHandler(h), bot.WithMiddlewares(mws...))
			if err != nil {
				t.Fatal(err)
			}
			for range 60 {
				b.ProcessUpdate(context.Background(), text(t, "hi"))
			}
			if !withMiddleware {
				time.Sleep(50 * time.Millisecond) // let goroutines start
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tr.Wait(ctx); err != nil {
				t.Fatal(err)
			}
			mu.Lock()
			if active != 0 {
				t.Errorf("Wait returned with %d handlers running", active)
			}
			mu.Unlock()
			close(afterWait)
			running.Wait()
			e := actiontest.Wait(t, m.Handler(), 60, 5*time.Second)
			actiontest.Want(t, e, "text_handler", 40, 20)
			if g := actiontest.Gauge(e, actiontest.InFlight); g != 0 {
				t.Errorf("in flight %v after all returned", g)
			}
		})
	}
}

func newReg() *prometheus.Registry { return prometheus.NewRegistry() }

// TestAllocations: a tracked handler, the default one included, makes one
// allocation per update, two with the Middleware.
func TestAllocations(t *testing.T) {
	m := actiontest.NewMetrics(t)
	u := text(t, "hi")
	measure := func(b *bot.Bot) float64 {
		b.ProcessUpdate(context.Background(), u)
		return testing.AllocsPerRun(200, func() { b.ProcessUpdate(context.Background(), u) })
	}
	base := measure(hostileBot(t, nop))
	tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
	tracked := measure(hostileBot(t, tr.DefaultHandler(nop)))
	withMW := measure(hostileBot(t, tr.DefaultHandler(nop), tr.Middleware()))
	t.Logf("allocs per update: untracked %v, tracked %v (+%v), tracked+Middleware %v (+%v)", base, tracked, tracked-base, withMW, withMW-base)
	route := func(mws ...bot.Middleware) *bot.Bot {
		b := hostileBot(t, nop, mws...)
		tr.RegisterHandler(b, bot.HandlerTypeMessageText, "hi", bot.MatchTypeExact, nop)
		return b
	}
	rTracked, rMW := measure(route()), measure(route(tr.Middleware()))
	t.Logf("routed: tracked +%v, tracked+Middleware +%v", rTracked-base, rMW-base)
	if rTracked-base != 1 || rMW-base != 2 {
		t.Errorf("routed: the docs say 1 and 2 allocations")
	}
	if tracked-base != 1 || withMW-base != 2 {
		t.Errorf("default handler: the docs say 1 and 2 allocations (a tracked handler, the default one included)")
	}
}
