package gotgbotmetrics_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/message"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// reply sends text to the chat of the update.
func reply(text string) handlers.Response {
	return func(b *gotgbot.Bot, ctx *ext.Context) error {
		_, err := b.SendMessage(ctx.EffectiveChat.Id, text, nil)
		return err
	}
}

// TestEndToEnd runs a real gotgbot bot, its Poller long polling the fake
// Bot API over HTTP, with every kind of handler, and asserts the exact
// samples, the replies the server received, and what gotgbot's dispatcher
// saw of errors and panics.
func TestEndToEnd(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	m := actiontest.NewMetrics(t)
	b, client := newBot(t, srv.URL, srv.Token, m)
	var got collector
	d := ext.NewDispatcher(got.dispatcherOpts())
	tr := track(t, d, m)

	tr.AddHandler(handlers.NewCommand("start", func(b *gotgbot.Bot, ctx *ext.Context) error {
		_, err := b.SendMessage(ctx.EffectiveChat.Id, "hello", &gotgbot.SendMessageOpts{ReplyMarkup: gotgbot.InlineKeyboardMarkup{
			InlineKeyboard: [][]gotgbot.InlineKeyboardButton{{{Text: "Menu", CallbackData: "menu:1"}}},
		}})
		return err
	}))
	if err := tr.AddCallback("menu", func(b *gotgbot.Bot, ctx *ext.Context) error {
		if _, err := ctx.CallbackQuery.Answer(b, nil); err != nil {
			return err
		}
		_, err := b.SendMessage(ctx.EffectiveChat.Id, "menu "+strings.TrimPrefix(ctx.CallbackQuery.Data, "menu:"), nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	tr.AddHandler(handlers.NewCallback(nil, func(b *gotgbot.Bot, ctx *ext.Context) error {
		_, err := ctx.CallbackQuery.Answer(b, nil)
		return err
	}))
	tr.AddHandler(handlers.NewCommand("fail", func(b *gotgbot.Bot, ctx *ext.Context) error {
		if err := reply("failing")(b, ctx); err != nil {
			return err
		}
		return errors.New("fail handler failed")
	}))
	tr.AddHandler(handlers.NewCommand("boom", func(b *gotgbot.Bot, ctx *ext.Context) error {
		if err := reply("panicking")(b, ctx); err != nil {
			return err
		}
		panic("boom handler panicked")
	}))
	tr.AddHandler(handlers.NewCommand("end", func(b *gotgbot.Bot, ctx *ext.Context) error {
		if err := reply("ending")(b, ctx); err != nil {
			return err
		}
		return ext.EndGroups
	}))
	tr.AddHandler(handlers.NewMessage(message.Text, func(b *gotgbot.Bot, ctx *ext.Context) error {
		return reply("echo "+ctx.EffectiveMessage.Text)(b, ctx)
	}))
	// A second group: every message passes here too, unless a handler
	// ended the groups.
	tr.AddHandlerToGroup(handlers.NewMessage(message.All, func(*gotgbot.Bot, *ext.Context) error { return ext.ContinueGroups }), 1)

	ctx, cancel := context.WithCancel(context.Background())
	polled := make(chan error, 1)
	p, err := gotgbotmetrics.NewPoller(client, gotgbotmetrics.WithPollTimeout(time.Second), gotgbotmetrics.WithErrorFunc(got.err))
	if err != nil {
		t.Fatal(err)
	}
	go func() { polled <- p.Poll(ctx, b, d) }()

	srv.SendText(100, "/start")
	srv.PressButton(100, "menu:42")
	srv.SendText(100, "hello")
	unrouted := srv.PressButton(100, "menux:7") // not the menu button: its unique is "menux"
	srv.SendText(100, "/fail")
	srv.SendText(100, "/boom")
	srv.SendText(100, "/nope arg")
	srv.SendText(100, "/end")

	wait, stop := context.WithTimeout(context.Background(), 10*time.Second)
	defer stop()
	sent, err := srv.WaitSent(wait, 7)
	if err != nil {
		t.Fatal(err)
	}
	// 8 in group 0; in group 1, the 4 messages whose handler neither
	// panicked nor ended the groups.
	e := actiontest.Wait(t, m.Handler(), 12, 5*time.Second)
	cancel()
	if err := <-polled; err != nil {
		t.Errorf("Poll = %v, want nil at the end of its context", err)
	}
	d.Stop()

	actiontest.Want(t, e, "start_handler", 1, 0)
	actiontest.Want(t, e, "menu_callback_handler", 1, 0)
	actiontest.Want(t, e, "callback_handler", 1, 0)
	actiontest.Want(t, e, "text_handler", 1, 0)
	actiontest.Want(t, e, "fail_handler", 0, 1)
	actiontest.Want(t, e, "boom_handler", 0, 1)
	actiontest.Want(t, e, "end_handler", 1, 0)
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	actiontest.Want(t, e, "message_handler", 4, 0)
	if got := e.Series(actiontest.Count); got != 9 {
		t.Errorf("%d series of %s, want 9 (9 names, one status each)", got, actiontest.Count)
	}
	for name, want := range map[string]string{"fail_handler": "error", "boom_handler": "panic"} {
		if n := e.Sum(actiontest.Count, promtest.Labels{"name": name, "error_name": want}); n != 1 {
			t.Errorf("%s with error_name %q: %v, want 1", name, want, n)
		}
	}

	var texts []string
	for _, s := range sent {
		if s.ChatID == 100 {
			texts = append(texts, s.Text)
		}
	}
	slices.Sort(texts) // gotgbot handles updates concurrently
	if got := strings.Join(texts, "|"); got != "echo /nope arg|echo hello|ending|failing|hello|menu 42|panicking" {
		t.Errorf("replies %s", got)
	}
	if answered := srv.Answered(); len(answered) != 2 || !slices.Contains(answered, strconv.Itoa(unrouted)) {
		t.Errorf("answered callbacks %v, want the menu one and %d", answered, unrouted)
	}
	got.mu.Lock()
	defer got.mu.Unlock()
	if len(got.errors) != 1 || got.errors[0].Error() != "fail handler failed" {
		t.Errorf("the dispatcher's Error got %v, want only the fail handler's error", got.errors)
	}
	if len(got.panics) != 1 || fmt.Sprint(got.panics[0]) != "boom handler panicked" {
		t.Errorf("the dispatcher's Panic got %v, want the boom handler's panic", got.panics)
	}
	secret := strings.SplitN(srv.Token, ":", 2)[1]
	for _, err := range got.errors {
		if strings.Contains(err.Error(), secret) {
			t.Errorf("an error holds the token's secret: %v", err)
		}
	}
	if strings.Contains(e.Text, secret) {
		t.Error("the exposition holds the token's secret")
	}
	if n := e.Sum("genapp_http_requests_total", promtest.Labels{"app_type": "telegram_api", "resource": "sendMessage", "status": "200"}); n != 7 {
		t.Errorf("sendMessage calls = %v, want 7", n)
	}
}

// TestTokenNeverInErrors: with the Bot API gone, a handler's send fails
// with gotgbot's error, which quotes the request URL; with the token in
// the httpclient client and the placeholder in the bot, neither the error
// the dispatcher's Error handler gets nor the exposition holds the token.
func TestTokenNeverInErrors(t *testing.T) {
	srv := telegramtest.NewServer()
	m := actiontest.NewMetrics(t)
	b, _ := newBot(t, srv.URL, srv.Token, m)
	srv.Close()
	var got collector
	d := ext.NewDispatcher(got.dispatcherOpts())
	track(t, d, m).AddHandler(handlers.NewCommand("start", reply("hello")))
	if err := d.ProcessUpdate(b, textUpdate("/start"), nil); err != nil {
		t.Fatal(err)
	}
	errs := got.errs()
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), "/botTOKEN/sendMessage") {
		t.Fatalf("the Error handler got %v, want the failed send, quoting the placeholder", errs)
	}
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "start_handler", 0, 1)
	secret := strings.SplitN(srv.Token, ":", 2)[1]
	for what, text := range map[string]string{"the error": errs[0].Error(), "the exposition": e.Text} {
		if strings.Contains(text, secret) {
			t.Errorf("%s holds the token's secret", what)
		}
	}
}
