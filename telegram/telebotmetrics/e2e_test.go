package telebotmetrics_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"
	"gopkg.in/telebot.v3/middleware"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/telebottest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
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

	tr := telebotmetrics.New(bot, telebotmetrics.WithMetrics(m))
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
		return errors.New(telebottest.FailError)
	})
	tr.Handle("/boom", func(c tele.Context) error {
		if err := c.Send("panicking"); err != nil {
			return err
		}
		panic(errors.New(telebottest.PanicValue))
	})

	go bot.Start()
	defer bot.Stop()

	unrouted := telebottest.Play(srv)
	telebottest.Check(t, srv, m.Handler(), unrouted, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(onError)
	})
}

// TestTokenNeverInExposition: with the Bot API unreachable, a handler's
// send fails with telebot's error, which quotes the URL and so the token
// (telebot#770); the run is recorded as an error and the exposition never
// holds the token. telebotmetrics itself logs nothing and makes no errors.
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
	telebotmetrics.New(bot, telebotmetrics.WithMetrics(m)).Handle("/start", func(c tele.Context) error { return c.Send("hello") })

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
