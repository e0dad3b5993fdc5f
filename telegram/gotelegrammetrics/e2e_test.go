package gotelegrammetrics_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/logtest"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// testBot is a go-telegram/bot bot on the fake Bot API, talking through
// httpclient.NewTelegram with the token placeholder, its errors and debug
// output (every request and answer) in log, polled by a Poller until the
// test ends.
type testBot struct {
	*bot.Bot
	srv *telegramtest.Server
	m   *metrics.Metrics
	tr  *gotelegrammetrics.Tracker
	log *logtest.Buffer
}

// newTestBot builds the bot with the tracked default handler def and
// opts, registers its routes with routes, and polls.
func newTestBot(t *testing.T, srv *telegramtest.Server, def bot.HandlerFunc, routes func(*gotelegrammetrics.Tracker, *bot.Bot), opts ...bot.Option) *testBot {
	t.Helper()
	m := actiontest.NewMetrics(t)
	tr, err := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
	if err != nil {
		t.Fatal(err)
	}
	tb := &testBot{srv: srv, m: m, tr: tr, log: &logtest.Buffer{}}
	client := httpclient.NewTelegram(srv.Token, httpclient.WithMetrics(m), httpclient.WithTimeout(5*time.Second))
	logf := func(format string, args ...any) { fmt.Fprintf(tb.log, format+"\n", args...) }
	b, err := bot.New(httpclient.TokenPlaceholder, append([]bot.Option{
		tr.WithDefaultHandler(def),
		bot.WithServerURL(srv.URL),
		bot.WithHTTPClient(2*time.Second, client),
		bot.WithErrorsHandler(func(err error) { logf("error: %v", err) }),
		bot.WithDebug(),
		bot.WithDebugHandler(logf),
	}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	tb.Bot = b
	routes(tr, b)
	t.Cleanup(startPolling(t, srv, tr, b, client,
		gotelegrammetrics.WithErrorsHandler(func(err error) { fmt.Fprintf(tb.log, "poller: %v\n", err) })))
	return tb
}

// recoverPanics is a global middleware that recovers what handlers throw,
// into panics: go-telegram/bot recovers nothing, and a panic would end the
// test binary.
func recoverPanics(panics *logtest.Buffer) bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, b *bot.Bot, u *models.Update) {
			defer func() {
				if r := recover(); r != nil {
					fmt.Fprintf(panics, "%v\n", r)
				}
			}()
			next(ctx, b, u)
		}
	}
}

func send(ctx context.Context, b *bot.Bot, chatID int64, text string) error {
	_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: chatID, Text: text})
	return err
}

// TestEndToEnd runs a real go-telegram/bot bot, fed by a Poller from the
// fake Bot API over HTTP, with every kind of route the issue names, and
// asserts the exact samples, the replies the server received, and that the
// token's secret is in no log line, error or sample.
func TestEndToEnd(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	var panics logtest.Buffer
	echo := func(ctx context.Context, b *bot.Bot, u *models.Update) {
		if u.CallbackQuery != nil {
			if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID}); err != nil {
				gotelegrammetrics.Fail(ctx, err)
			}
			return
		}
		if err := send(ctx, b, u.Message.Chat.ID, "echo "+u.Message.Text); err != nil {
			gotelegrammetrics.Fail(ctx, err)
		}
	}
	tb := newTestBot(t, srv, echo, func(tr *gotelegrammetrics.Tracker, b *bot.Bot) {
		tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{
				ChatID: u.Message.Chat.ID, Text: "hello",
				ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Menu", CallbackData: "menu:42"}}}},
			})
			gotelegrammetrics.Fail(ctx, err)
		})
		tr.RegisterHandler(b, bot.HandlerTypeCallbackQueryData, "menu:", bot.MatchTypePrefix, func(ctx context.Context, b *bot.Bot, u *models.Update) {
			if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: u.CallbackQuery.ID}); err != nil {
				gotelegrammetrics.Fail(ctx, err)
				return
			}
			gotelegrammetrics.Fail(ctx, send(ctx, b, u.CallbackQuery.From.ID, "menu "+strings.TrimPrefix(u.CallbackQuery.Data, "menu:")))
		})
		tr.RegisterHandler(b, bot.HandlerTypeMessageText, "fail", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
			if err := send(ctx, b, u.Message.Chat.ID, "failing"); err != nil {
				gotelegrammetrics.Fail(ctx, err)
				return
			}
			gotelegrammetrics.Fail(ctx, errors.New("fail handler failed"))
		})
		tr.RegisterHandler(b, bot.HandlerTypeMessageText, "boom", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
			if err := send(ctx, b, u.Message.Chat.ID, "panicking"); err != nil {
				gotelegrammetrics.Fail(ctx, err)
				return
			}
			panic("boom handler panicked")
		})
	}, bot.WithMiddlewares(recoverPanics(&panics)))

	srv.SendText(100, "/start")
	srv.PressButton(100, "menu:42")
	srv.SendText(100, "hello")
	unrouted := srv.PressButton(100, "ghost:7")
	srv.SendText(100, "/fail")
	srv.SendText(100, "/boom")
	srv.SendText(100, "/nope arg")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sent, err := srv.WaitSent(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	e := actiontest.Wait(t, tb.m.Handler(), 7, 5*time.Second)

	actiontest.Want(t, e, "start_handler", 1, 0)
	actiontest.Want(t, e, "menu_callback_handler", 1, 0)
	actiontest.Want(t, e, "text_handler", 1, 0)
	actiontest.Want(t, e, "callback_handler", 1, 0)
	actiontest.Want(t, e, "fail_handler", 0, 1)
	actiontest.Want(t, e, "boom_handler", 0, 1)
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	if got := e.Sum(actiontest.Updates, nil); got != 7 {
		t.Errorf("%v updates counted, want 7", got)
	}
	if got := e.Series(actiontest.Count); got != 7 {
		t.Errorf("%d series of %s, want 7 (7 names, one status each)", got, actiontest.Count)
	}
	for name, errorName := range map[string]string{"fail_handler": metrics.ErrorNameOther, "boom_handler": metrics.ErrorNamePanic} {
		if got := e.Sum(actiontest.Count, promtest.Labels{"name": name, "status": "error", "error_name": errorName}); got != 1 {
			t.Errorf("%s: %v runs with error_name %q, want 1", name, got, errorName)
		}
	}

	var texts []string
	for _, s := range sent {
		if s.ChatID == 100 {
			texts = append(texts, s.Text)
		}
	}
	slices.Sort(texts) // go-telegram/bot runs handlers concurrently
	if got := strings.Join(texts, "|"); got != "echo /nope arg|echo hello|failing|hello|menu 42|panicking" {
		t.Errorf("replies %s", got)
	}
	if answered := srv.Answered(); len(answered) != 2 || !slices.Contains(answered, strconv.Itoa(unrouted)) {
		t.Errorf("answered callbacks %v, want the menu one and %d", answered, unrouted)
	}
	if got := panics.String(); got != "boom handler panicked\n" {
		t.Errorf("recovered %q, want the handler's panic, passed on unchanged", got)
	}
	// The Bot API calls went through the tracked client, by method.
	if got := e.Sum("genapp_http_requests_total", promtest.Labels{"resource": "sendMessage", "status": "200"}); got != 6 {
		t.Errorf("%v sendMessage calls recorded, want 6", got)
	}
	secret := strings.SplitN(srv.Token, ":", 2)[1]
	if !strings.Contains(tb.log.String(), "request url") {
		t.Fatalf("the bot's debug log is empty: nothing to check for the token\n%s", tb.log)
	}
	for what, text := range map[string]string{"exposition": e.Text, "log": tb.log.String(), "panics": panics.String()} {
		if strings.Contains(text, secret) {
			t.Errorf("the %s holds the token's secret", what)
		}
	}
}

// TestFloodWait: a 429 of the Bot API reaches the handler as
// go-telegram/bot's *bot.TooManyRequestsError, which a run failed with
// records as flood_wait; the client records the wait asked for by method.
func TestFloodWait(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	srv.Inject("sendMessage", telegramtest.Fault{RetryAfter: 7})
	tb := newTestBot(t, srv, nil, func(tr *gotelegrammetrics.Tracker, b *bot.Bot) {
		tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
			gotelegrammetrics.Fail(ctx, send(ctx, b, u.Message.Chat.ID, "hi"))
		})
	})
	srv.SendText(100, "/start")
	e := actiontest.Wait(t, tb.m.Handler(), 1, 10*time.Second)
	if got := e.Sum(actiontest.Count, promtest.Labels{"name": "start_handler", "status": "error", "error_name": metrics.ErrorNameFloodWait}); got != 1 {
		t.Errorf("start_handler: %v runs failed with flood_wait, want 1", got)
	}
	if count, sum := e.Histogram(t, actiontest.FloodWait, promtest.Labels{"method": "sendMessage"}); count != 1 || sum != 7 {
		t.Errorf("flood waits of sendMessage = %d, %v; want 1, 7", count, sum)
	}
}
