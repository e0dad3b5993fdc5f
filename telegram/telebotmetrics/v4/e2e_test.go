package telebotmetrics_test

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tele "gopkg.in/telebot.v4"
	"gopkg.in/telebot.v4/middleware"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/telebottest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics/v4"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// liveBot is a telebot v4 bot on srv, polling with a telebotmetrics.Poller through
// httpclient's Telegram client (the bot holds only the placeholder token),
// whose OnError texts and srv's log lines are collected.
type liveBot struct {
	*tele.Bot
	m   *metrics.Metrics
	mu  sync.Mutex
	log []string
}

func (lb *liveBot) logf(format string, args ...any) {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	lb.log = append(lb.log, fmt.Sprintf(format, args...))
}

func (lb *liveBot) logged() []string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return slices.Clone(lb.log)
}

func newLiveBot(t *testing.T) (*liveBot, *telegramtest.Server) {
	t.Helper()
	lb := &liveBot{m: actiontest.NewMetrics(t)}
	srv := telegramtest.NewServer(telegramtest.WithLogf(lb.logf))
	t.Cleanup(srv.Close)
	client := httpclient.NewTelegram(srv.Token, httpclient.WithMetrics(lb.m), httpclient.WithTimeout(10*time.Second))
	bot, err := tele.NewBot(tele.Settings{
		URL:     srv.URL,
		Token:   httpclient.TokenPlaceholder,
		Client:  client,
		Poller:  telebotmetrics.NewPoller(client, telebotmetrics.WithPollTimeout(time.Second)),
		OnError: func(err error, _ tele.Context) { lb.logf("OnError: %v", err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	// Telebot runs handlers on their own goroutines: without a recover
	// middleware a panic would end the test binary, as it would end the bot.
	bot.Use(middleware.Recover())
	lb.Bot = bot
	return lb, srv
}

// TestEndToEnd runs a real telebot v4 bot, long polling the fake Bot API
// over HTTP, with every kind of route, and asserts the exact samples, the
// replies the server received, and that the token's secret is in no
// error, log line or exposition.
func TestEndToEnd(t *testing.T) {
	lb, srv := newLiveBot(t)
	tr := telebotmetrics.New(lb.Bot, telebotmetrics.WithMetrics(lb.m))
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
		panic(telebottest.PanicValue) // v4's Recover takes strings too
	})

	go lb.Start()
	defer lb.Stop()

	unrouted := telebottest.Play(srv)
	e := telebottest.Check(t, srv, lb.m.Handler(), unrouted, func() []string {
		var onError []string
		for _, l := range lb.logged() {
			if s, ok := strings.CutPrefix(l, "OnError: "); ok {
				onError = append(onError, s)
			}
		}
		return onError
	})
	if got := e.Sum("genapp_http_requests_total", promtest.Labels{"resource": "sendMessage", "status": "200"}); got != 6 {
		t.Errorf("sendMessage calls counted: %v, want 6", got)
	}
	secret := strings.SplitN(srv.Token, ":", 2)[1]
	for _, text := range append(lb.logged(), e.Text) {
		if strings.Contains(text, secret) {
			t.Errorf("the token's secret in %q", text)
		}
	}
}

// TestConcurrentUpdates: many updates handled at once (telebot's
// goroutine per update) are each counted once, under -race, and the
// handlers in flight rise with a burst of slow ones and fall back to 0.
func TestConcurrentUpdates(t *testing.T) {
	lb, srv := newLiveBot(t)
	tr := telebotmetrics.New(lb.Bot, telebotmetrics.WithMetrics(lb.m))
	release := make(chan struct{})
	tr.Handle("/slow", func(c tele.Context) error { <-release; return c.Send("done") })
	tr.Handle(tele.OnText, func(c tele.Context) error { return c.Send("echo") })
	go lb.Start()
	defer lb.Stop()

	const n = 50
	for i := range n {
		srv.SendText(int64(1+i%5), fmt.Sprint("text ", i))
	}
	telebottest.Burst(t, lb.m.Handler(), n, func() { srv.SendText(7, "/slow") }, release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := srv.WaitSent(ctx, 2*n); err != nil {
		t.Fatal(err)
	}
	e := actiontest.Wait(t, lb.m.Handler(), 2*n, 5*time.Second)
	actiontest.Want(t, e, "slow_handler", n, 0)
	actiontest.Want(t, e, "text_handler", n, 0)
	if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": "message"}); got != 2*n {
		t.Errorf("%v messages counted, want %d", got, 2*n)
	}
}

// TestTokenNeverLeaks: with the Bot API gone, telebot v4's own error
// quotes the request URL; through httpclient's Telegram client it holds
// neither the token nor its secret, and the run is an error.
func TestTokenNeverLeaks(t *testing.T) {
	const token = "7012345678:AAHfakeTokenForTests_0123456789-abcd"
	srv := telegramtest.NewServer()
	srv.Close()
	m := actiontest.NewMetrics(t)
	var got []string
	bot, err := tele.NewBot(tele.Settings{
		URL: srv.URL, Token: httpclient.TokenPlaceholder, Offline: true, Synchronous: true,
		Client:  httpclient.NewTelegram(token, httpclient.WithMetrics(m)),
		OnError: func(err error, _ tele.Context) { got = append(got, err.Error()) },
	})
	if err != nil {
		t.Fatal(err)
	}
	telebotmetrics.New(bot, telebotmetrics.WithMetrics(m)).Handle("/start", func(c tele.Context) error { return c.Send("hello") })

	bot.ProcessUpdate(message("/start"))

	if len(got) != 1 || !strings.Contains(got[0], "connection refused") {
		t.Fatalf("OnError got %q, want the refused connection", got)
	}
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "start_handler", 0, 1)
	for _, text := range append(got, e.Text) {
		if strings.Contains(text, "AAHfakeTokenForTests") {
			t.Errorf("the token's secret in %q", text)
		}
	}
}
