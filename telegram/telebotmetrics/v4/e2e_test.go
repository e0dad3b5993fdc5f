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

// liveBot is a telebot v4 bot on srv set up as the package documentation
// shows: Synchronous, httpclient's Telegram client (the bot holds only the
// placeholder token), the Poller given by tr.Poller. Its OnError texts and
// srv's log lines are collected.
type liveBot struct {
	*tele.Bot
	tr  *telebotmetrics.Tracker
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

// newLiveBot returns a bot on a new fake Bot API that polls with a
// Poller, or, given a webhook, takes the updates the server delivers to
// it.
func newLiveBot(t *testing.T, webhook *tele.Webhook) (*liveBot, *telegramtest.Server) {
	t.Helper()
	lb := &liveBot{m: actiontest.NewMetrics(t)}
	srv := telegramtest.NewServer(telegramtest.WithLogf(lb.logf))
	t.Cleanup(srv.Close)
	client := httpclient.NewTelegram(srv.Token, httpclient.WithMetrics(lb.m), httpclient.WithTimeout(10*time.Second))
	bot, err := tele.NewBot(tele.Settings{
		URL:         srv.URL,
		Token:       httpclient.TokenPlaceholder,
		Client:      client,
		Synchronous: true,
		OnError:     func(err error, _ tele.Context) { lb.logf("OnError: %v", err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	// Handlers run on goroutines of their own: without a recover
	// middleware a panic would end the test binary, as it would end the bot.
	bot.Use(middleware.Recover())
	lb.Bot, lb.tr = bot, mustNew(t, bot, telebotmetrics.WithMetrics(lb.m))
	var p tele.Poller = webhook
	if webhook == nil {
		if p, err = telebotmetrics.NewPoller(client, telebotmetrics.WithPollTimeout(time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	bot.Poller = lb.tr.Poller(p)
	return lb, srv
}

// onError returns what OnError got.
func (lb *liveBot) onError() []string {
	var onError []string
	for _, l := range lb.logged() {
		if s, ok := strings.CutPrefix(l, "OnError: "); ok {
			onError = append(onError, s)
		}
	}
	return onError
}

// TestEndToEnd runs a real telebot v4 bot, long polling the fake Bot API
// over HTTP, with every kind of route, and asserts the exact samples, the
// replies the server received, and that the token's secret is in no
// error, log line or exposition.
func TestEndToEnd(t *testing.T) {
	lb, srv := newLiveBot(t, nil)
	tr := lb.tr
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
	e := telebottest.Check(t, srv, lb.m.Handler(), unrouted, lb.onError)
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

// TestWebhook: a *tele.Webhook given to tr.Poller gets every update
// counted once, those no route takes too, and the routed ones handled.
func TestWebhook(t *testing.T) {
	addr, waitUp := telebottest.Listen(t)
	lb, srv := newLiveBot(t, &tele.Webhook{Listen: addr, Endpoint: &tele.WebhookEndpoint{PublicURL: "http://" + addr}})
	lb.tr.Handle("/start", func(c tele.Context) error { return c.Send("hello") })
	go lb.Start()
	defer lb.Stop()
	waitUp()

	srv.SendText(100, "/start")
	srv.SendText(100, "no route takes text")
	srv.PressButton(100, "\fmenu|1") // nor buttons
	srv.SendUpdate(map[string]any{"business_connection": map[string]any{"id": "b1", "user": map[string]any{"id": 100, "is_bot": false, "first_name": "U"}, "user_chat_id": 100, "date": time.Now().Unix(), "is_enabled": true}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	e := actiontest.ScrapeUntil(t, lb.m.Handler(), "4 updates, none in flight", func(e *promtest.Exposition) bool {
		return e.Sum(actiontest.Updates, nil) == 4 && actiontest.Gauge(e, actiontest.InFlight) == 0 && actiontest.Runs(e) == 1
	})
	for typ, n := range map[string]float64{"message": 2, "callback_query": 1, "business_connection": 1} {
		if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ}); got != n {
			t.Errorf("%s{type=%q} = %v, want %v", actiontest.Updates, typ, got, n)
		}
	}
	actiontest.Want(t, e, "start_handler", 1, 0)
	if errs := lb.onError(); len(errs) != 0 {
		t.Errorf("OnError got %q", errs)
	}
}

// TestConcurrentUpdates: many updates handled at once (a goroutine per
// update) are each counted once, under -race, and the handlers in flight
// rise with a burst of slow ones and fall back to 0: an update is in
// flight until its handler returns.
func TestConcurrentUpdates(t *testing.T) {
	lb, srv := newLiveBot(t, nil)
	tr := lb.tr
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
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	tr.Handle("/start", func(c tele.Context) error { return c.Send("hello") })

	tr.ProcessUpdate(bot, message("/start"))

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
