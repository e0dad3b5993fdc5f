package telegramtest_test

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genapp-go/genapp/telegram/telegramtest"
	tele "gopkg.in/telebot.v3"
)

// startTelebot runs a telebot bot with long polling against srv until the
// test ends. Handler errors fail the test, except those while the bot
// stops: the server records a message before the bot has read the answer,
// so a test may stop the bot while a handler finishes its last call.
//
// The test's deferred srv.Close runs before this cleanup stops the bot: a
// poll telebot starts while stopping (Stop cannot cancel it) then fails at
// once instead of waiting out the long-poll cap.
func startTelebot(t *testing.T, srv *telegramtest.Server, setup func(*tele.Bot)) *tele.Bot {
	t.Helper()
	var stopping atomic.Bool
	b, err := tele.NewBot(tele.Settings{
		URL:    srv.URL,
		Token:  srv.Token,
		Poller: &tele.LongPoller{Timeout: 10 * time.Second},
		Client: &http.Client{Timeout: 10 * time.Second},
		OnError: func(err error, _ tele.Context) {
			if !stopping.Load() {
				t.Errorf("telebot handler: %v", err)
			}
		},
	})
	if err != nil {
		t.Fatalf("NewBot: %v", err)
	}
	setup(b)
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.Start()
	}()
	t.Cleanup(func() {
		stopping.Store(true)
		b.Stop()
		<-done
	})
	return b
}

// TestTelebot runs a real telebot bot against the server: getMe at start,
// a command, a text and an inline button arrive by long polling; the bot
// replies, edits its message and answers the callback query.
func TestTelebot(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()

	b := startTelebot(t, srv, func(b *tele.Bot) {
		menu := &tele.ReplyMarkup{}
		btn := menu.Data("Menu", "menu", "42")
		menu.Inline(menu.Row(btn))
		b.Handle("/start", func(c tele.Context) error {
			return c.Send("hello "+c.Message().Payload, menu)
		})
		b.Handle(tele.OnText, func(c tele.Context) error {
			return c.Send("echo: " + c.Text())
		})
		b.Handle(&btn, func(c tele.Context) error {
			if err := c.Respond(&tele.CallbackResponse{Text: "ok"}); err != nil {
				return err
			}
			return c.Edit("pressed " + c.Data())
		})
	})
	if b.Me.Username != "test_bot" || b.Me.ID != srv.Bot().ID || !b.Me.IsBot {
		t.Errorf("getMe = %+v, want %+v", b.Me, srv.Bot())
	}

	ctx := waitCtx(t)
	srv.SendText(100, "/start@test_bot me")
	sent, err := srv.WaitSent(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	first := sent[0]
	if first.Method != "sendMessage" || first.ChatID != 100 || first.Text != "hello me" {
		t.Errorf("reply to /start = %+v", first)
	}
	if data := first.CallbackData(); !slices.Equal(data, []string{"\fmenu|42"}) {
		t.Errorf("buttons %q of reply markup %s, want the menu button", data, first.ReplyMarkup)
	}

	id := srv.PressButton(100, "\fmenu|42")
	sent, err = srv.WaitSent(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	edit := sent[1]
	if edit.Method != "editMessageText" || edit.MessageID != first.MessageID || edit.Text != "pressed 42" {
		t.Errorf("edit after button = %+v, want an edit of message %d", edit, first.MessageID)
	}
	if got := srv.Answered(); len(got) != 1 || got[0] != strconv.Itoa(id) {
		t.Errorf("Answered() = %v, want [%d]", got, id)
	}

	srv.SendText(100, "hi there")
	sent, err = srv.WaitSent(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if sent[2].Text != "echo: hi there" {
		t.Errorf("reply to text = %+v", sent[2])
	}
}

// TestTelebotFaults proves injected faults reach telebot as its own error
// types: 429 as FloodError with RetryAfter, 500 as ErrInternal, other 5xx
// as an error with the code, and a delay as a slow but successful call.
func TestTelebotFaults(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	b, err := tele.NewBot(tele.Settings{URL: srv.URL, Token: srv.Token, Poller: &tele.LongPoller{}})
	if err != nil {
		t.Fatal(err)
	}
	chat := &tele.Chat{ID: 7}

	srv.Inject("sendMessage", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 3})
	_, err = b.Send(chat, "x")
	var flood tele.FloodError
	if !errors.As(err, &flood) || flood.RetryAfter != 3 {
		t.Errorf("after 429: err = %v, want FloodError{RetryAfter: 3}", err)
	}

	srv.Inject("", telegramtest.Fault{Status: http.StatusInternalServerError})
	if _, err := b.Send(chat, "x"); !errors.Is(err, tele.ErrInternal) {
		t.Errorf("after 500: err = %v, want ErrInternal", err)
	}

	srv.Inject("sendMessage", telegramtest.Fault{Status: http.StatusBadGateway})
	if _, err := b.Send(chat, "x"); err == nil || err.Error() != "telegram: Bad Gateway (502)" {
		t.Errorf("after 502: err = %v", err)
	}

	srv.Inject("sendMessage", telegramtest.Fault{Delay: 100 * time.Millisecond})
	start := time.Now()
	if _, err := b.Send(chat, "slow"); err != nil {
		t.Errorf("after delay: %v", err)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("delayed call took %v, want >= 100ms", d)
	}
	if sent := srv.Sent(); len(sent) != 1 || sent[0].Text != "slow" {
		t.Errorf("Sent() = %+v, want only the delayed message", sent)
	}
}
