package tbot_test

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"
	"gopkg.in/telebot.v3/middleware"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/tbot"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// TestEndToEnd runs a real telebot bot, long polling the fake Bot API over
// HTTP, with every kind of route the issue names, and asserts the exact
// samples and the replies the server received.
func TestEndToEnd(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	m := actiontest.NewMetrics(t)

	var mu sync.Mutex
	var onError []string
	bot, err := tele.NewBot(tele.Settings{
		URL:    srv.URL,
		Token:  srv.Token,
		Poller: &tele.LongPoller{Timeout: time.Second},
		Client: &http.Client{Timeout: 5 * time.Second},
		OnError: func(err error, _ tele.Context) {
			mu.Lock()
			defer mu.Unlock()
			onError = append(onError, err.Error())
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	// Telebot runs handlers on their own goroutines: without a recover
	// middleware a panic would end the test binary, as it would end the bot.
	bot.Use(middleware.Recover())

	tr := tbot.New(bot, tbot.WithMetrics(m))
	markup := &tele.ReplyMarkup{}
	menu := markup.Data("Menu", "menu")
	markup.Inline(markup.Row(menu))
	tr.Handle("/start", func(c tele.Context) error { return c.Send("hello", markup) })
	tr.Handle(&menu, func(c tele.Context) error {
		if err := c.Respond(); err != nil {
			return err
		}
		return c.Send("menu " + c.Data())
	})
	tr.Handle(tele.OnText, func(c tele.Context) error { return c.Send("echo " + c.Text()) })
	tr.Handle(tele.OnCallback, func(c tele.Context) error { return c.Respond() })
	tr.Handle("/fail", func(c tele.Context) error {
		if err := c.Send("failing"); err != nil {
			return err
		}
		return errors.New("fail handler failed")
	})
	tr.Handle("/boom", func(c tele.Context) error {
		if err := c.Send("panicking"); err != nil {
			return err
		}
		panic(errors.New("boom handler panicked"))
	})

	go bot.Start()
	defer bot.Stop()

	srv.SendText(100, "/start")
	srv.PressButton(100, "\fmenu|42")
	srv.SendText(100, "hello")
	unrouted := srv.PressButton(100, "\fghost|7")
	srv.SendText(100, "/fail")
	srv.SendText(100, "/boom")
	srv.SendText(100, "/nope arg")

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sent, err := srv.WaitSent(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	e := actiontest.Wait(t, m.Handler(), 7, 5*time.Second)

	actiontest.Want(t, e, "start_handler", 1, 0)
	actiontest.Want(t, e, "menu_callback_handler", 1, 0)
	actiontest.Want(t, e, "text_handler", 1, 0)
	actiontest.Want(t, e, "callback_handler", 1, 0)
	actiontest.Want(t, e, "fail_handler", 0, 1)
	actiontest.Want(t, e, "boom_handler", 0, 1)
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	if got := e.Series(actiontest.Count); got != 7 {
		t.Errorf("%d series of %s, want 7 (7 names, one status each)", got, actiontest.Count)
	}

	var texts []string
	for _, s := range sent {
		if s.ChatID == 100 {
			texts = append(texts, s.Text)
		}
	}
	slices.Sort(texts) // telebot runs handlers concurrently
	if got := strings.Join(texts, "|"); got != "echo /nope arg|echo hello|failing|hello|menu 42|panicking" {
		t.Errorf("replies %s", got)
	}
	if answered := srv.Answered(); len(answered) != 2 || !slices.Contains(answered, strconv.Itoa(unrouted)) {
		t.Errorf("answered callbacks %v, want the menu one and %d", answered, unrouted)
	}
	mu.Lock()
	slices.Sort(onError)
	got := strings.Join(onError, "|")
	mu.Unlock()
	if got != "boom handler panicked|fail handler failed" {
		t.Errorf("OnError got %q, want the handler error and the recovered panic", got)
	}
	if strings.Contains(e.Text, srv.Token) {
		t.Error("the exposition contains the token")
	}
}

// TestTokenNeverInExposition: with the Bot API unreachable, a handler's
// send fails with telebot's error, which quotes the URL and so the token
// (telebot#770); the run is recorded as an error and the exposition never
// holds the token. tbot itself logs nothing and makes no errors.
func TestTokenNeverInExposition(t *testing.T) {
	srv := telegramtest.NewServer()
	m := actiontest.NewMetrics(t)
	var got []error
	bot, err := tele.NewBot(tele.Settings{
		URL: srv.URL, Token: srv.Token, Offline: true, Synchronous: true,
		Client:  &http.Client{Timeout: 5 * time.Second},
		OnError: func(err error, _ tele.Context) { got = append(got, err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close()
	tbot.New(bot, tbot.WithMetrics(m)).Handle("/start", func(c tele.Context) error { return c.Send("hello") })

	bot.ProcessUpdate(message("/start"))

	if len(got) != 1 || !strings.Contains(got[0].Error(), "connection refused") {
		t.Fatalf("OnError got %v, want the refused connection", got)
	}
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "start_handler", 0, 1)
	if strings.Contains(e.Text, srv.Token) || strings.Contains(e.Text, strings.SplitN(srv.Token, ":", 2)[1]) {
		t.Error("the exposition contains the token")
	}
}
