package telegometrics_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"
	tu "github.com/mymmrac/telego/telegoutil"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegometrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// reply sends text to the chat of u.
func reply(ctx *th.Context, u telego.Update, text string) error {
	chat := u.Message.Chat.ID
	_, err := ctx.Bot().SendMessage(ctx, tu.Message(tu.ID(chat), text))
	return err
}

// demo is a bot with every kind of route the issue names, on the fake Bot
// API, polled by a telegometrics.Poller, its handler errors (recovered panics
// included) collected.
type demo struct {
	srv  *telegramtest.Server
	m    *metrics.Metrics
	logs *logs
	bh   *th.BotHandler

	mu     sync.Mutex
	failed []string
}

func newDemo(t *testing.T, ctx context.Context) *demo {
	t.Helper()
	d := &demo{srv: telegramtest.NewServer(), m: actiontest.NewMetrics(t)}
	t.Cleanup(d.srv.Close)
	bot, client, l := newBot(t, d.srv.URL, d.srv.Token, d.m)
	d.logs = l
	p, err := telegometrics.NewPoller(client, telegometrics.WithPollTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	bh, err := th.NewBotHandler(bot, p.Updates(ctx, bot), th.WithErrorHandler(func(_ *th.Context, _ telego.Update, err error) {
		d.mu.Lock()
		defer d.mu.Unlock()
		d.failed = append(d.failed, err.Error())
	}))
	if err != nil {
		t.Fatal(err)
	}
	tr := newTracker(t, bh, telegometrics.WithMetrics(d.m))
	// Telego runs handlers on their own goroutines: without a recovery a
	// panic would end the test binary, as it would end the bot.
	bh.Use(th.PanicRecoveryHandler(func(r any) error { return fmt.Errorf("recovered: %v", r) }))
	d.bh = bh

	err = errors.Join(
		tr.Command("start", func(ctx *th.Context, u telego.Update) error {
			_, err := ctx.Bot().SendMessage(ctx, tu.Message(tu.ID(u.Message.Chat.ID), "hello").WithReplyMarkup(
				tu.InlineKeyboard(tu.InlineKeyboardRow(tu.InlineKeyboardButton("Menu").WithCallbackData("menu:1")))))
			return err
		}),
		tr.Callback("menu", func(ctx *th.Context, u telego.Update) error {
			q := u.CallbackQuery
			if err := ctx.Bot().AnswerCallbackQuery(ctx, tu.CallbackQuery(q.ID)); err != nil {
				return err
			}
			_, payload, _ := strings.Cut(q.Data, ":")
			_, err := ctx.Bot().SendMessage(ctx, tu.Message(tu.ID(q.From.ID), "menu "+payload))
			return err
		}),
		tr.Command("fail", func(ctx *th.Context, u telego.Update) error {
			if err := reply(ctx, u, "failing"); err != nil {
				return err
			}
			return errors.New("fail handler failed")
		}),
		tr.Command("boom", func(ctx *th.Context, u telego.Update) error {
			if err := reply(ctx, u, "panicking"); err != nil {
				return err
			}
			panic("boom handler panicked")
		}),
		tr.HandleAs("media_handler", func(ctx *th.Context, u telego.Update) error {
			return reply(ctx, u, "nice picture")
		}, th.AnyMessageWithMedia()),
		tr.On(telegram.KindText, func(ctx *th.Context, u telego.Update) error {
			return reply(ctx, u, "echo "+u.Message.Text)
		}),
		tr.On(telegram.KindCallback, func(ctx *th.Context, u telego.Update) error {
			return ctx.Bot().AnswerCallbackQuery(ctx, tu.CallbackQuery(u.CallbackQuery.ID))
		}),
	)
	if err != nil {
		t.Fatal(err)
	}
	go bh.Start()
	t.Cleanup(func() { bh.Stop() })
	return d
}

// TestEndToEnd runs a real telego bot, long polling the fake Bot API over
// HTTP, with every kind of route the issue names, and asserts the exact
// samples, the replies the server received, and that the token is in no
// log line, error or exposition.
func TestEndToEnd(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := newDemo(t, ctx)
	srv := d.srv

	srv.SendText(100, "/start")
	srv.PressButton(100, "menu:42")
	srv.SendText(100, "hello")
	unrouted := srv.PressButton(100, "menux:7") // not the menu button: its unique is "menux"
	srv.SendText(100, "/fail")
	srv.SendText(100, "/boom")
	srv.SendText(100, "/nope arg")
	srv.SendUpdate(map[string]any{"message": map[string]any{"message_id": 9, "date": time.Now().Unix(),
		"chat": map[string]any{"id": 100, "type": "private"}, "photo": []any{map[string]any{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}}}})

	// Telego's first update takes seconds under -race: its JSON library
	// compiles the codec of telego.Update, which every route's predicates
	// clone the update with.
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	sent, err := srv.WaitSent(wctx, 7)
	if err != nil {
		t.Fatal(err)
	}
	e := actiontest.Wait(t, d.m.Handler(), 8, 10*time.Second)

	actiontest.Want(t, e, "start_handler", 1, 0)
	actiontest.Want(t, e, "menu_callback_handler", 1, 0)
	actiontest.Want(t, e, "text_handler", 1, 0)
	actiontest.Want(t, e, "callback_handler", 1, 0)
	actiontest.Want(t, e, "fail_handler", 0, 1)
	actiontest.Want(t, e, "boom_handler", 0, 1)
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	actiontest.Want(t, e, "media_handler", 1, 0)
	if got := e.Series(actiontest.Count); got != 8 {
		t.Errorf("%d series of %s, want 8 (8 names, one status each)", got, actiontest.Count)
	}
	for name, errorName := range map[string]string{"fail_handler": "error", "boom_handler": "panic"} {
		if got := e.Sum(actiontest.Count, promtest.Labels{"name": name, "error_name": errorName}); got != 1 {
			t.Errorf("%s: %v runs with error_name %q, want 1", name, got, errorName)
		}
	}

	for typ, want := range map[string]float64{"message": 6, "callback_query": 2} {
		if got := e.Counter(t, "genapp_telegram_updates_total", promtest.Labels{"type": typ}); got != want {
			t.Errorf("updates{type=%q} = %v, want %v", typ, got, want)
		}
	}
	if n := e.Series("genapp_telegram_updates_total"); n != 2 {
		t.Errorf("%d series of genapp_telegram_updates_total, want 2", n)
	}

	var texts []string
	for _, s := range sent {
		if s.ChatID == 100 {
			texts = append(texts, s.Text)
		}
	}
	slices.Sort(texts) // telego runs handlers concurrently
	if got := strings.Join(texts, "|"); got != "echo /nope arg|echo hello|failing|hello|menu 42|nice picture|panicking" {
		t.Errorf("replies %s", got)
	}
	if answered := srv.Answered(); len(answered) != 2 || !slices.Contains(answered, strconv.Itoa(unrouted)) {
		t.Errorf("answered callbacks %v, want the menu one and %d", answered, unrouted)
	}
	d.mu.Lock()
	slices.Sort(d.failed)
	got := strings.Join(d.failed, "|")
	d.mu.Unlock()
	if got != "fail handler failed|recovered: boom handler panicked" {
		t.Errorf("the error handler got %q, want the handler error and the recovered panic", got)
	}
	// Every Bot API call went through the tracked client, by method.
	if n := e.Sum("genapp_http_requests_total", promtest.Labels{"resource": "sendMessage", "status": "200", "app_type": "telegram_api"}); n != 7 {
		t.Errorf("%v sendMessage calls counted, want 7", n)
	}
	secret := strings.SplitN(srv.Token, ":", 2)[1]
	for what, text := range map[string]string{"exposition": e.Text, "log": d.logs.text(), "errors": got} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s holds the token's secret", what)
		}
	}
	if !strings.Contains(d.logs.text(), "/bot"+telegometrics.TokenPlaceholder+"/sendMessage") {
		t.Error("telego's debug log shows no API call: the token check above saw nothing")
	}
}

// TestConcurrentUpdates: a burst of updates, which telego handles on a
// goroutine each, is counted exactly, under -race.
func TestConcurrentUpdates(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	d := newDemo(t, ctx)
	const n = 60
	for i := range n {
		d.srv.SendText(int64(i+1), "/start")
		d.srv.SendText(int64(i+1), "hi "+strconv.Itoa(i))
		d.srv.PressButton(int64(i+1), "menu:"+strconv.Itoa(i))
	}
	wctx, wcancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer wcancel()
	if _, err := d.srv.WaitSent(wctx, 3*n); err != nil {
		t.Fatal(err)
	}
	e := actiontest.Wait(t, d.m.Handler(), 3*n, 10*time.Second)
	actiontest.Want(t, e, "start_handler", n, 0)
	actiontest.Want(t, e, "text_handler", n, 0)
	actiontest.Want(t, e, "menu_callback_handler", n, 0)
	if got := actiontest.Runs(e); got != 3*n {
		t.Errorf("%d runs recorded, want %d", got, 3*n)
	}
}
