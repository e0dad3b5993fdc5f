package gotelegrammetrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
)

// syncBot is an offline bot that handles updates on the caller's
// goroutine, with tr's middleware and default handler.
func syncBot(t testing.TB, tr *gotelegrammetrics.Tracker, def bot.HandlerFunc) *bot.Bot {
	t.Helper()
	b, err := bot.New("TOKEN", bot.WithSkipGetMe(), bot.WithNotAsyncHandlers(),
		bot.WithServerURL("http://127.0.0.1:1"),
		bot.WithMiddlewares(tr.Middleware()), bot.WithDefaultHandler(tr.DefaultHandler(def)))
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

// TestNames: each kind of registration and each update the default
// handler takes is recorded under its name, derived from the route, never
// from what the user sent.
func TestNames(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
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
	if got := actiontest.Runs(promtest.Scrape(t, m.Handler())); got != 15 {
		t.Errorf("%d runs recorded, want 15, one per update", got)
	}
}

// TestBadRegistrations: a bad name, a nil regexp or match func, or a nil
// bot is a clear error, and nothing is registered: the update goes to the
// default handler.
func TestBadRegistrations(t *testing.T) {
	m := actiontest.NewMetrics(t)
	tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
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
	tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
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
	tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
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
	tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(nil))
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

// TestWait: Wait returns once the slow handlers in flight are done, and,
// when its context ends first, an error saying how many still run. With
// the Middleware it counts the updates from their dispatch on (Wait right
// after ProcessUpdate sees them); without it, from their handlers' start.
func TestWait(t *testing.T) {
	for _, withMiddleware := range []bool{false, true} {
		t.Run(fmt.Sprint("middleware=", withMiddleware), func(t *testing.T) {
			m := actiontest.NewMetrics(t)
			tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
			release := make(chan struct{})
			opts := []bot.Option{bot.WithSkipGetMe(), bot.WithServerURL("http://127.0.0.1:1"),
				bot.WithDefaultHandler(tr.DefaultHandler(func(context.Context, *bot.Bot, *models.Update) { <-release }))}
			if withMiddleware {
				opts = append(opts, bot.WithMiddlewares(tr.Middleware()))
			}
			b, err := bot.New("TOKEN", opts...)
			if err != nil {
				t.Fatal(err)
			}
			const burst = 20
			for range burst {
				b.ProcessUpdate(context.Background(), text(t, "slow")) // on goroutines of their own
			}
			if !withMiddleware {
				actiontest.ScrapeUntil(t, m.Handler(), "every handler started", func(e *promtest.Exposition) bool {
					return actiontest.Gauge(e, actiontest.InFlight) == burst
				})
			}
			short, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
			defer cancel()
			if err := tr.Wait(short); err == nil || !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "20 updates still being handled") {
				t.Errorf("Wait with handlers blocked = %v", err)
			}
			close(release)
			long, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if err := tr.Wait(long); err != nil {
				t.Fatal(err)
			}
			actiontest.Want(t, promtest.Scrape(t, m.Handler()), "text_handler", burst, 0)
		})
	}
}

// TestConcurrentDispatch: many updates of every route through the bot's
// own loop (b.Start), its handlers on goroutines of their own, with 4
// workers: every run and every update is recorded exactly once, with the
// Middleware and without it (run under -race).
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
	for _, withMiddleware := range []bool{false, true} {
		t.Run(fmt.Sprint("middleware=", withMiddleware), func(t *testing.T) {
			// The bot's own loop polls again at once on this last answer: fine
			// for the moment the test lasts.
			api, _ := pollingtest.Serve(t, http.StatusOK, append(batches, `{"ok":true,"result":[]}`)...)
			m := actiontest.NewMetrics(t)
			tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
			opts := []bot.Option{bot.WithSkipGetMe(), bot.WithServerURL(api.URL), bot.WithWorkers(4), bot.WithDefaultHandler(tr.DefaultHandler(nop))}
			if withMiddleware {
				opts = append(opts, bot.WithMiddlewares(tr.Middleware()))
			}
			b, err := bot.New("TOKEN", opts...)
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
		})
	}
}
