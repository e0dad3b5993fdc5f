package gotelegrammetrics_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/logtest"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
)

// newTracker is New with opts, which must be good.
func newTracker(t testing.TB, opts ...gotelegrammetrics.Option) *gotelegrammetrics.Tracker {
	t.Helper()
	tr, err := gotelegrammetrics.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// syncBot is an offline bot that handles updates on the caller's
// goroutine, with tr's default handler def (nil: the updates no route
// takes are counted only) and opts.
func syncBot(t testing.TB, tr *gotelegrammetrics.Tracker, def bot.HandlerFunc, opts ...bot.Option) *bot.Bot {
	t.Helper()
	b, err := bot.New("TOKEN", append([]bot.Option{bot.WithSkipGetMe(), bot.WithNotAsyncHandlers(),
		bot.WithServerURL("http://127.0.0.1:1"), tr.WithDefaultHandler(def)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func nop(context.Context, *bot.Bot, *models.Update) {}

// update parses an update as the Bot API sends it.
func update(t testing.TB, js string) *models.Update {
	t.Helper()
	u, err := gotelegrammetrics.ParseUpdate([]byte(js))
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func command(t testing.TB, text string) *models.Update {
	n := strings.IndexByte(text+" ", ' ')
	return update(t, fmt.Sprintf(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":%q,"entities":[{"type":"bot_command","offset":0,"length":%d}]}}`, text, n))
}

func text(t testing.TB, s string) *models.Update {
	return update(t, fmt.Sprintf(`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":%q}}`, s))
}

func callback(t testing.TB, data string) *models.Update {
	return update(t, fmt.Sprintf(`{"update_id":1,"callback_query":{"id":"1","from":{"id":1},"data":%q}}`, data))
}

// waitUntil polls cond for at most 10 s.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !cond(); time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s, still not %s", what)
		}
	}
}

// TestNew: a nil option is an error that says which, and no Tracker.
func TestNew(t *testing.T) {
	tr, err := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(nil), nil)
	if tr != nil || err == nil || !strings.Contains(err.Error(), "gotelegrammetrics: New: option 2 of 2 is nil") {
		t.Errorf("New with a nil option = %v, %v", tr, err)
	}
}

// TestNames: each kind of registration and each update the default
// handler takes is recorded under its name, derived from the route, never
// from what the user sent.
func TestNames(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	b := syncBot(t, tr, nop)
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, nop)
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "Main-Menu", bot.MatchTypeCommandStartOnly, nop)
	tr.RegisterHandler(b, bot.HandlerTypeCallbackQueryData, "hello", bot.MatchTypePrefix, nop)
	tr.RegisterHandler(b, bot.HandlerTypeCallbackQueryData, "menu:", bot.MatchTypePrefix, nop)
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "Help me", bot.MatchTypeExact, nop)
	tr.RegisterHandler(b, bot.HandlerTypePhotoCaption, "cat", bot.MatchTypeCommand, nop)
	if _, err := tr.RegisterHandlerRegexp(b, "digits_handler", bot.HandlerTypeMessageText, regexp.MustCompile(`^\d+$`), nop); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.RegisterHandlerMatchFunc(b, "sticker_handler", func(u *models.Update) bool { return u.Message != nil && u.Message.Sticker != nil }, nop); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.RegisterHandlerAs(b, "stop_handler", bot.HandlerTypeMessageText, "quit", bot.MatchTypeCommand, nop); err != nil {
		t.Fatal(err)
	}

	for _, tc := range []struct {
		u    *models.Update
		name string
	}{
		{command(t, "/start payload"), "start_handler"},
		{command(t, "/Main-Menu"), "main_menu_handler"},
		{callback(t, "hello"), "hello_callback_handler"},
		{callback(t, "menu:42"), "menu_callback_handler"},
		{text(t, "Help me"), "help_me_button_handler"},
		{update(t, `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"photo":[{"file_id":"x"}],"caption":"/cat","caption_entities":[{"type":"bot_command","offset":0,"length":4}]}}`), "cat_handler"},
		{text(t, "12345"), "digits_handler"},
		{update(t, `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"sticker":{"file_id":"x"}}}`), "sticker_handler"},
		{command(t, "/quit"), "stop_handler"},
		// The default handler.
		{text(t, "anything at all"), "text_handler"},
		{command(t, "/nope@bot arg"), "unknown_command_handler"},
		{callback(t, "ghost:7"), "callback_handler"},
		{update(t, `{"update_id":1,"edited_message":{"message_id":1,"date":1,"edit_date":2,"chat":{"id":1,"type":"private"},"text":"/start"}}`), "edited_message_handler"},
		{update(t, `{"update_id":1,"inline_query":{"id":"1","from":{"id":1},"query":"q"}}`), "inline_query_handler"},
		{update(t, `{"update_id":1}`), "other_handler"},
	} {
		b.ProcessUpdate(context.Background(), tc.u)
		e := promtest.Scrape(t, m.Handler())
		if got := e.Sum(actiontest.Count, promtest.Labels{"name": tc.name, "status": "ok"}); got != 1 {
			t.Errorf("%s: %v runs, want 1", tc.name, got)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	if got := actiontest.Runs(e); got != 15 {
		t.Errorf("%d runs recorded, want 15, one per update", got)
	}
	if got := e.Sum(actiontest.Updates, nil); got != 15 {
		t.Errorf("%v updates counted, want 15", got)
	}
}

// TestUnroutedCounted: with the default handler of WithDefaultHandler(nil)
// an update no route takes is counted, by type, with its lag, and nothing
// else happens: no action, no log line (go-telegram/bot's own default
// handler logs every update).
func TestUnroutedCounted(t *testing.T) {
	var logged logtest.Buffer
	defer log.SetOutput(log.Writer())
	log.SetOutput(&logged)
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	b := syncBot(t, tr, nil)
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, nop)
	for _, u := range []*models.Update{command(t, "/start"), command(t, "/nope"), text(t, "hi"), callback(t, "x"), update(t, `{"update_id":1,"some_future_update":{}}`)} {
		b.ProcessUpdate(context.Background(), u)
	}
	e := promtest.Scrape(t, m.Handler())
	for typ, want := range map[string]float64{"message": 3, "callback_query": 1, "other": 1} {
		if got := e.Sum(actiontest.Updates, promtest.Labels{"type": typ}); got != want {
			t.Errorf("updates{type=%q} = %v, want %v", typ, got, want)
		}
	}
	if count, _ := e.Histogram(t, actiontest.Lag, promtest.Labels{"type": "message"}); count != 3 {
		t.Errorf("lag{type=message} observed %d times, want 3", count)
	}
	if n := actiontest.Runs(e); n != 1 {
		t.Errorf("%d runs recorded, want 1 (start_handler)", n)
	}
	if got := actiontest.Gauge(e, actiontest.InFlight); got != 0 {
		t.Errorf("%s = %v, want 0", actiontest.InFlight, got)
	}
	if logged.String() != "" {
		t.Errorf("logged %q, want nothing", logged.String())
	}
}

// TestUpdateTypes: every Bot API update type is counted under its own
// label; a message-like update's lag runs from its date (edit_date when
// edited), a member change's, join request's and reaction's from their
// date, the other types observe none.
func TestUpdateTypes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	b := syncBot(t, newTracker(t, gotelegrammetrics.WithMetrics(m)), nil)
	now := time.Now()
	date, edited := now.Add(-90*time.Second).Unix(), now.Add(-20*time.Second).Unix()
	for _, typ := range telegram.UpdateTypes() {
		body := fmt.Sprintf(`{"date":%d,"edit_date":%d,"chat":{"id":1,"type":"private"}}`, date, edited)
		if typ == telegram.UpdateMyChatMember || typ == telegram.UpdateChatMember {
			body = fmt.Sprintf(`{"date":%d,"old_chat_member":{"status":"member","user":{"id":1}},"new_chat_member":{"status":"left","user":{"id":1}}}`, date)
		}
		b.ProcessUpdate(context.Background(), update(t, `{"update_id":1,"`+string(typ)+`":`+body+`}`))
	}
	e := promtest.Scrape(t, m.Handler())
	for _, typ := range telegram.UpdateTypes() {
		if got := e.Sum(actiontest.Updates, promtest.Labels{"type": string(typ)}); got != 1 {
			t.Errorf("updates{type=%q} = %v, want 1", typ, got)
		}
		var count uint64
		var sum float64
		if len(e.Find(actiontest.Lag, promtest.Labels{"type": string(typ)})) > 0 {
			count, sum = e.Histogram(t, actiontest.Lag, promtest.Labels{"type": string(typ)})
		}
		switch typ {
		case telegram.UpdateMessage, telegram.UpdateChannelPost, telegram.UpdateBusinessMessage,
			telegram.UpdateMyChatMember, telegram.UpdateChatMember, telegram.UpdateChatJoinRequest,
			telegram.UpdateMessageReaction, telegram.UpdateMessageReactionCount:
			if count != 1 || sum < 85 || sum > 120 {
				t.Errorf("lag{type=%q} = %d observations, %v s; want 1, about 90 s (its date)", typ, count, sum)
			}
		case telegram.UpdateEditedMessage, telegram.UpdateEditedChannelPost, telegram.UpdateEditedBusinessMessage:
			if count != 1 || sum < 15 || sum > 50 {
				t.Errorf("lag{type=%q} = %d observations, %v s; want 1, about 20 s (its edit_date)", typ, count, sum)
			}
		default:
			if count != 0 {
				t.Errorf("lag{type=%q} observed %d times; the type carries no date", typ, count)
			}
		}
	}
	if n := e.Series(actiontest.Updates); n != len(telegram.UpdateTypes()) {
		t.Errorf("%d series of %s, want %d", n, actiontest.Updates, len(telegram.UpdateTypes()))
	}
}

// TestCountedOnce: a handler that dispatches the update again with its
// context (to hand it to another route, say) records both actions and
// counts the update once.
func TestCountedOnce(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	b := syncBot(t, tr, nop)
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "help", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		b.ProcessUpdate(ctx, text(t, "again")) // text_handler, within help_handler
	})
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "plain", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		b.ProcessUpdate(ctx, command(t, "/x")) // to the default handler, within plain_handler
	})
	b.ProcessUpdate(context.Background(), command(t, "/help"))
	b.ProcessUpdate(context.Background(), command(t, "/plain"))
	e := promtest.Scrape(t, m.Handler())
	if got := e.Sum(actiontest.Updates, nil); got != 2 {
		t.Errorf("%v updates counted, want 2", got)
	}
	for _, name := range []string{"help_handler", "text_handler", "plain_handler", telegram.UnknownCommand} {
		actiontest.Want(t, e, name, 1, 0)
	}
}

// TestBadRegistrations: a bad name, a nil regexp or match func, or a nil
// bot is a clear error, and nothing is registered: the update goes to the
// default handler.
func TestBadRegistrations(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	b := syncBot(t, tr, nop)
	for _, tc := range []struct {
		register func() (string, error)
		want     string
	}{
		{func() (string, error) {
			return tr.RegisterHandlerAs(b, "Start!", bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, nop)
		}, `action name "Start!": character 'S' at 0 is not allowed`},
		{func() (string, error) {
			return tr.RegisterHandlerAs(b, "", bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, nop)
		}, "want 1 to 100 characters"},
		{func() (string, error) {
			return tr.RegisterHandlerRegexp(b, "start_handler", bot.HandlerTypeMessageText, nil, nop)
		}, "nil regexp"},
		{func() (string, error) { return tr.RegisterHandlerMatchFunc(b, "start_handler", nil, nop) }, "nil match func"},
		{func() (string, error) {
			return tr.RegisterHandlerAs(nil, "start_handler", bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, nop)
		}, "nil *bot.Bot"},
	} {
		id, err := tc.register()
		if err == nil || id != "" || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("got id %q, error %v; want an error with %q", id, err, tc.want)
		}
	}
	b.ProcessUpdate(context.Background(), command(t, "/start"))
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	if got := actiontest.Runs(e); got != 1 {
		t.Errorf("%d runs, want 1", got)
	}
}

// TestFail: Fail marks the run failed with its error's name; the first
// error wins; nil, a context no tracked handler was given, and a call
// after the handler returned change nothing; a 429 is flood_wait.
func TestFail(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	b := syncBot(t, tr, nop)
	var late context.Context
	handlers := map[string]bot.HandlerFunc{
		"ok": func(ctx context.Context, _ *bot.Bot, _ *models.Update) { gotelegrammetrics.Fail(ctx, nil) },
		"first": func(ctx context.Context, _ *bot.Bot, _ *models.Update) {
			gotelegrammetrics.Fail(ctx, context.DeadlineExceeded)
			gotelegrammetrics.Fail(ctx, errors.New("second"))
		},
		"flood": func(ctx context.Context, _ *bot.Bot, _ *models.Update) {
			gotelegrammetrics.Fail(ctx, fmt.Errorf("reply: %w", &bot.TooManyRequestsError{Message: "too many requests", RetryAfter: 3}))
		},
		"late": func(ctx context.Context, _ *bot.Bot, _ *models.Update) { late = ctx },
	}
	for name, h := range handlers {
		tr.RegisterHandler(b, bot.HandlerTypeMessageText, name, bot.MatchTypeCommand, h)
		b.ProcessUpdate(context.Background(), command(t, "/"+name))
	}
	gotelegrammetrics.Fail(late, errors.New("after the handler returned"))
	gotelegrammetrics.Fail(context.Background(), errors.New("not in a handler"))

	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "ok_handler", 1, 0)
	actiontest.Want(t, e, "late_handler", 1, 0)
	actiontest.Want(t, e, "first_handler", 0, 1)
	actiontest.Want(t, e, "flood_handler", 0, 1)
	for name, errorName := range map[string]string{"first_handler": metrics.ErrorNameDeadline, "flood_handler": metrics.ErrorNameFloodWait} {
		if got := e.Sum(actiontest.Count, promtest.Labels{"name": name, "error_name": errorName}); got != 1 {
			t.Errorf("%s: %v runs with error_name %q, want 1", name, got, errorName)
		}
	}
}

// TestPanic: a panic is recorded as an error named panic and continues,
// unchanged, to the caller of the handler: go-telegram/bot recovers none.
func TestPanic(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	b := syncBot(t, tr, nop)
	cause := errors.New("boom")
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "boom", bot.MatchTypeCommand, func(ctx context.Context, _ *bot.Bot, _ *models.Update) {
		gotelegrammetrics.Fail(ctx, errors.New("failed before the panic"))
		panic(cause)
	})
	got := func() (p any) {
		defer func() { p = recover() }()
		b.ProcessUpdate(context.Background(), command(t, "/boom"))
		return nil
	}()
	if got != cause {
		t.Errorf("recovered %v, want the handler's panic unchanged", got)
	}
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "boom_handler", 0, 1)
	if got := e.Sum(actiontest.Count, promtest.Labels{"name": "boom_handler", "error_name": metrics.ErrorNamePanic}); got != 1 {
		t.Errorf("%v runs with error_name panic, want 1", got)
	}
	if got := actiontest.Gauge(e, actiontest.InFlight); got != 0 {
		t.Errorf("%s = %v after the panic, want 0", actiontest.InFlight, got)
	}
	if err := tr.Wait(context.Background()); err != nil {
		t.Errorf("Wait after the panic: %v (the in-flight count leaked)", err)
	}
}

// TestRouteMiddleware: middleware given to RegisterHandler runs inside the
// tracked action, in order, and a nil metrics instance records nothing and
// changes nothing.
func TestRouteMiddleware(t *testing.T) {
	var order []string
	mw := func(name string) bot.Middleware {
		return func(next bot.HandlerFunc) bot.HandlerFunc {
			return func(ctx context.Context, b *bot.Bot, u *models.Update) {
				order = append(order, name)
				next(ctx, b, u)
			}
		}
	}
	tr := newTracker(t, gotelegrammetrics.WithMetrics(nil))
	b := syncBot(t, tr, nop)
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, _ *bot.Bot, _ *models.Update) {
		order = append(order, "handler")
		gotelegrammetrics.Fail(ctx, errors.New("recorded nowhere"))
	}, mw("a"), mw("b"))
	b.ProcessUpdate(context.Background(), command(t, "/start"))
	if got := strings.Join(order, ","); got != "a,b,handler" {
		t.Errorf("ran %s", got)
	}
}

type requestID struct{}

// TestGlobalMiddleware: the middlewares of bot.WithMiddlewares run outside
// the tracked action: a slow one (a throttle) is not timed as the
// handler's, the context it derives (a value, a deadline) reaches the
// handler, and its own Fail before the handler runs fails nothing.
func TestGlobalMiddleware(t *testing.T) {
	const delay = 300 * time.Millisecond
	outer := func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, b *bot.Bot, u *models.Update) {
			time.Sleep(delay)
			ctx = context.WithValue(ctx, requestID{}, "request-id-42")
			ctx, cancel := context.WithTimeout(ctx, time.Hour)
			defer cancel()
			gotelegrammetrics.Fail(ctx, errors.New("the middleware's own trouble, not the handler's"))
			next(ctx, b, u)
		}
	}
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	var gotValue any
	var hasDeadline bool
	b := syncBot(t, tr, func(ctx context.Context, _ *bot.Bot, _ *models.Update) {
		gotValue = ctx.Value(requestID{})
		_, hasDeadline = ctx.Deadline()
	}, bot.WithMiddlewares(outer))
	b.ProcessUpdate(context.Background(), text(t, "hi"))
	if gotValue != "request-id-42" || !hasDeadline {
		t.Errorf("the handler got ctx value %v, deadline %v; want the value and the deadline the middleware set", gotValue, hasDeadline)
	}
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "text_handler", 1, 0)
	if _, sum := e.Histogram(t, actiontest.Duration, promtest.Labels{"name": "text_handler"}); sum > 0.2 {
		t.Errorf("text_handler (instant) recorded %.3f s: the middleware's %v was timed as the handler's", sum, delay)
	}
}

// TestWait: Wait returns once the slow handlers in flight are done, and,
// when its context ends first, an error saying how many still run. A
// handler's goroutine that dispatches another update to a tracked handler
// after it returned is waited for too.
func TestWait(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	release := make(chan struct{})
	b, err := bot.New("TOKEN", bot.WithSkipGetMe(), bot.WithServerURL("http://127.0.0.1:1"),
		tr.WithDefaultHandler(func(context.Context, *bot.Bot, *models.Update) { <-release }))
	if err != nil {
		t.Fatal(err)
	}
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "later", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		go b.ProcessUpdate(ctx, text(t, "slow")) // after this handler returned
	})
	const burst = 20
	for range burst - 1 {
		b.ProcessUpdate(context.Background(), text(t, "slow")) // on goroutines of their own
	}
	b.ProcessUpdate(context.Background(), command(t, "/later"))
	actiontest.ScrapeUntil(t, m.Handler(), "every slow handler started", func(e *promtest.Exposition) bool {
		return actiontest.Gauge(e, actiontest.InFlight) == burst-1 && e.Sum(actiontest.Updates, nil) == burst && actiontest.Runs(e) == 1
	})
	short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	if err := tr.Wait(short); err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "20 handlers still running") {
		t.Errorf("Wait with handlers blocked = %v", err)
	}
	close(release)
	long, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Wait(long); err != nil {
		t.Fatal(err)
	}
	actiontest.Want(t, promtest.Scrape(t, m.Handler()), "text_handler", burst, 0)
}

// TestWaitWithPanics: concurrent updates, a third of the handlers
// panicking (recovered by a global middleware), others failing from
// goroutines after returning: Wait never returns while a handler runs and
// returns once all did (run under -race).
func TestWaitWithPanics(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	var running sync.WaitGroup
	var active, started, i atomic.Int64
	recoverMW := func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, b *bot.Bot, u *models.Update) {
			defer func() { _ = recover() }()
			next(ctx, b, u)
		}
	}
	afterWait := make(chan struct{})
	h := func(ctx context.Context, _ *bot.Bot, _ *models.Update) {
		active.Add(1)
		started.Add(1)
		defer active.Add(-1)
		k := i.Add(1)
		time.Sleep(time.Duration(k%5) * time.Millisecond)
		running.Add(1)
		go func() { defer running.Done(); <-afterWait; gotelegrammetrics.Fail(ctx, errors.New("late")) }()
		if k%3 == 0 {
			panic("boom")
		}
	}
	b, err := bot.New("TOKEN", bot.WithSkipGetMe(), bot.WithServerURL("http://127.0.0.1:1"), tr.WithDefaultHandler(h), bot.WithMiddlewares(recoverMW))
	if err != nil {
		t.Fatal(err)
	}
	for range 60 {
		b.ProcessUpdate(context.Background(), text(t, "hi"))
	}
	waitUntil(t, "every handler started", func() bool { return started.Load() == 60 })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := tr.Wait(ctx); err != nil {
		t.Fatal(err)
	}
	if n := active.Load(); n != 0 {
		t.Errorf("Wait returned with %d handlers running", n)
	}
	close(afterWait)
	running.Wait()
	e := actiontest.Wait(t, m.Handler(), 60, 5*time.Second)
	actiontest.Want(t, e, "text_handler", 40, 20)
	if g := actiontest.Gauge(e, actiontest.InFlight); g != 0 {
		t.Errorf("in flight %v after all returned", g)
	}
}

// TestConcurrentDispatch: many updates of every route through the bot's
// own loop (b.Start), its handlers on goroutines of their own, with 4
// workers: every run and every update is recorded exactly once (run under
// -race).
func TestConcurrentDispatch(t *testing.T) {
	const perRoute = 50
	routes := []string{"/start", "menu:1", "hello", "/nope"}
	var answers []string
	for i := range perRoute * len(routes) {
		var u string
		switch r := routes[i%len(routes)]; {
		case strings.HasPrefix(r, "/"):
			u = fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":%q,"entities":[{"type":"bot_command","offset":0,"length":%d}]}}`, i+1, r, len(r))
		case strings.Contains(r, ":"):
			u = fmt.Sprintf(`{"update_id":%d,"callback_query":{"id":"1","from":{"id":1},"data":%q}}`, i+1, r)
		default:
			u = fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":%q}}`, i+1, r)
		}
		answers = append(answers, u)
	}
	var batches []string
	for i := 0; i < len(answers); i += 25 {
		batches = append(batches, `{"ok":true,"result":[`+strings.Join(answers[i:i+25], ",")+`]}`)
	}
	// The bot's own loop polls again at once on this last answer: fine
	// for the moment the test lasts.
	api, _ := pollingtest.Serve(t, http.StatusOK, append(batches, `{"ok":true,"result":[]}`)...)
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	b, err := bot.New("TOKEN", bot.WithSkipGetMe(), bot.WithServerURL(api.URL), bot.WithWorkers(4), tr.WithDefaultHandler(nop))
	if err != nil {
		t.Fatal(err)
	}
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, nop)
	tr.RegisterHandler(b, bot.HandlerTypeCallbackQueryData, "menu:", bot.MatchTypePrefix, func(ctx context.Context, _ *bot.Bot, _ *models.Update) {
		gotelegrammetrics.Fail(ctx, errors.New("menu failed"))
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.Start(ctx) }()
	e := actiontest.Wait(t, m.Handler(), perRoute*len(routes), 10*time.Second)
	cancel()
	<-done
	actiontest.Want(t, e, "start_handler", perRoute, 0)
	actiontest.Want(t, e, "menu_callback_handler", 0, perRoute)
	actiontest.Want(t, e, "text_handler", perRoute, 0)
	actiontest.Want(t, e, "unknown_command_handler", perRoute, 0)
	for typ, want := range map[string]float64{"message": 3 * perRoute, "callback_query": perRoute} {
		if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ}); got != want {
			t.Errorf("updates{type=%q} = %v, want %v", typ, got, want)
		}
	}
	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	if err := tr.Wait(wait); err != nil {
		t.Error(err)
	}
}

// TestNilUpdate: a tracked handler with a fixed name called with a nil
// update (by a match func that accepts anything, say) runs, counts it as
// other, and leaves nothing counted for Wait.
func TestNilUpdate(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := newTracker(t, gotelegrammetrics.WithMetrics(m))
	b := syncBot(t, tr, nil)
	ran := false
	if _, err := tr.RegisterHandlerMatchFunc(b, "any_handler", func(*models.Update) bool { return true }, func(context.Context, *bot.Bot, *models.Update) { ran = true }); err != nil {
		t.Fatal(err)
	}
	p := func() (p any) {
		defer func() { p = recover() }()
		b.ProcessUpdate(context.Background(), nil)
		return nil
	}()
	if p != nil || !ran {
		t.Errorf("a tracked handler on a nil update: panic %v, ran %v", p, ran)
	}
	if got := promtest.Scrape(t, m.Handler()).Sum(actiontest.Updates, promtest.Labels{"type": "other"}); got != 1 {
		t.Errorf("updates{type=other} = %v, want 1", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	if err := tr.Wait(ctx); err != nil {
		t.Errorf("Wait with nothing running: %v (the in-flight count leaked)", err)
	}
}

// TestCompatNilDefault: LLMCommon22 records actions and no
// genapp_telegram_*; WithMetrics(nil) and an uninitialised metrics.Default
// record nothing; Wait works in each, with a nested run and a Fail from a
// goroutine after the handler returned.
func TestCompatNilDefault(t *testing.T) {
	m22, err := metrics.New("bot", "dev", metrics.WithRegistry(prometheus.NewRegistry()), metrics.WithCompatibility(metrics.LLMCommon22))
	if err != nil {
		t.Fatal(err)
	}
	if metrics.Default() != nil {
		t.Skip("metrics.Default initialised by another test")
	}
	for name, tr := range map[string]*gotelegrammetrics.Tracker{
		"llm22":          newTracker(t, gotelegrammetrics.WithMetrics(m22)),
		"nil":            newTracker(t, gotelegrammetrics.WithMetrics(nil)),
		"default-uninit": newTracker(t),
	} {
		t.Run(name, func(t *testing.T) {
			var late context.Context
			b := syncBot(t, tr, func(ctx context.Context, _ *bot.Bot, _ *models.Update) { gotelegrammetrics.Fail(ctx, errors.New("x")) })
			tr.RegisterHandler(b, bot.HandlerTypeMessageText, "hi", bot.MatchTypeExact, func(ctx context.Context, b *bot.Bot, u *models.Update) {
				late = ctx
				b.ProcessUpdate(ctx, text(t, "nested"))
			})
			b.ProcessUpdate(context.Background(), text(t, "hi"))
			b.ProcessUpdate(context.Background(), callback(t, "x"))
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
	e := promtest.Scrape(t, m22.Handler())
	if n := e.Series(actiontest.InFlight) + e.Series(actiontest.Updates); n != 0 {
		t.Errorf("LLMCommon22: %d genapp_telegram_* series", n)
	}
	actiontest.Want(t, e, "hi_button_handler", 1, 0)
	actiontest.Want(t, e, "text_handler", 0, 1)
	actiontest.Want(t, e, "callback_handler", 0, 1)
}

// TestAllocations: a tracked handler, the default one included, makes one
// allocation per update (the context Fail finds); counting an update no
// route takes, none.
func TestAllocations(t *testing.T) {
	tr := newTracker(t, gotelegrammetrics.WithMetrics(actiontest.NewMetrics(t)))
	u := text(t, "hi")
	measure := func(b *bot.Bot) float64 {
		b.ProcessUpdate(context.Background(), u)
		return testing.AllocsPerRun(200, func() { b.ProcessUpdate(context.Background(), u) })
	}
	plain := func(opts ...bot.Option) *bot.Bot {
		b, err := bot.New("TOKEN", append([]bot.Option{bot.WithSkipGetMe(), bot.WithNotAsyncHandlers(), bot.WithServerURL("http://127.0.0.1:1")}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	base := measure(plain(bot.WithDefaultHandler(nop)))
	routed := plain()
	tr.RegisterHandler(routed, bot.HandlerTypeMessageText, "hi", bot.MatchTypeExact, nop)
	for name, tc := range map[string]struct {
		b    *bot.Bot
		want float64
	}{
		"routed":        {routed, 1},
		"default":       {syncBot(t, tr, nop), 1},
		"unrouted, nil": {syncBot(t, tr, nil), 0},
	} {
		if got := measure(tc.b) - base; got != tc.want {
			t.Errorf("%s: %v allocations per update more than untracked, want %v", name, got, tc.want)
		}
	}
}
