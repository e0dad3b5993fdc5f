package telebotmetrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"
	"gopkg.in/telebot.v3/middleware"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/telebottest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// liveBot is a telebot bot on the fake Bot API, set up as the package
// documentation shows (Synchronous, httpclient's Telegram client, its
// Poller given by tr.Poller), whose OnError texts are collected.
type liveBot struct {
	*tele.Bot
	tr *telebotmetrics.Tracker
	m  *metrics.Metrics
	mu sync.Mutex
	// onError is what OnError got.
	onError []string
}

func (lb *liveBot) errors() []string {
	lb.mu.Lock()
	defer lb.mu.Unlock()
	return slices.Clone(lb.onError)
}

// newLiveBot returns a bot on srv that polls with a Poller, or, given a
// webhook, takes the updates srv delivers to it.
func newLiveBot(t *testing.T, srv *telegramtest.Server, webhook *tele.Webhook) *liveBot {
	t.Helper()
	lb := &liveBot{m: actiontest.NewMetrics(t)}
	client := httpclient.NewTelegram(srv.Token, httpclient.WithMetrics(lb.m), httpclient.WithTimeout(10*time.Second))
	bot, err := tele.NewBot(tele.Settings{
		URL: srv.URL, Token: httpclient.TokenPlaceholder, Client: client, Synchronous: true,
		OnError: func(err error, _ tele.Context) {
			lb.mu.Lock()
			defer lb.mu.Unlock()
			lb.onError = append(lb.onError, err.Error())
		},
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
	return lb
}

// TestEndToEnd runs a real telebot bot, long polling the fake Bot API over
// HTTP, with every kind of route, and asserts the exact samples, the
// replies the server received, and that the token's secret is in no error
// or exposition.
func TestEndToEnd(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	lb := newLiveBot(t, srv, nil)
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
		panic(errors.New(telebottest.PanicValue))
	})

	go lb.Start()
	defer lb.Stop()

	unrouted := telebottest.Play(srv)
	e := telebottest.Check(t, srv, lb.m.Handler(), unrouted, lb.errors)
	secret := strings.SplitN(srv.Token, ":", 2)[1]
	for _, text := range append(lb.errors(), e.Text) {
		if strings.Contains(text, secret) {
			t.Errorf("the token's secret in %q", text)
		}
	}
}

// TestWebhook: a *tele.Webhook given to tr.Poller gets every update
// counted once, those no route takes too, and the routed ones handled.
func TestWebhook(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	addr, waitUp := telebottest.Listen(t)
	lb := newLiveBot(t, srv, &tele.Webhook{Listen: addr, Endpoint: &tele.WebhookEndpoint{PublicURL: "http://" + addr}})
	lb.tr.Handle("/start", func(c tele.Context) error { return c.Send("hello") })
	go lb.Start()
	defer lb.Stop()
	waitUp()

	srv.SendText(100, "/start")
	srv.SendText(100, "no route takes text")
	srv.PressButton(100, "\fmenu|1") // nor buttons
	srv.SendUpdate(map[string]any{"edited_message": map[string]any{"message_id": 1, "chat": map[string]any{"id": 100, "type": "private"}, "text": "x", "edit_date": time.Now().Unix()}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	e := actiontest.ScrapeUntil(t, lb.m.Handler(), "4 updates, none in flight", func(e *promtest.Exposition) bool {
		return e.Sum(actiontest.Updates, nil) == 4 && actiontest.Gauge(e, actiontest.InFlight) == 0 && actiontest.Runs(e) == 1
	})
	for typ, n := range map[string]float64{"message": 2, "callback_query": 1, "edited_message": 1} {
		if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ}); got != n {
			t.Errorf("%s{type=%q} = %v, want %v", actiontest.Updates, typ, got, n)
		}
	}
	actiontest.Want(t, e, "start_handler", 1, 0)
	if errs := lb.errors(); len(errs) != 0 {
		t.Errorf("OnError got %q", errs)
	}
}

// TestInFlight: many updates handled at once are each counted once, under
// -race, and the handlers in flight rise with a burst of slow ones and
// fall back to 0: the update is in flight until its handler returns, on
// the goroutine tr.Poller runs it on.
func TestInFlight(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	lb := newLiveBot(t, srv, nil)
	release := make(chan struct{})
	lb.tr.Handle("/slow", func(c tele.Context) error { <-release; return c.Send("done") })
	lb.tr.Handle(tele.OnText, func(c tele.Context) error { return c.Send("echo") })
	go lb.Start()
	defer lb.Stop()

	const n = 30
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

// TestNewerUpdateTypes: telebot v3 decodes no business or paid-media
// update; fetched by the Poller, each is counted under its own type, the
// business messages with their lag.
func TestNewerUpdateTypes(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	lb := newLiveBot(t, srv, nil)
	go lb.Start()
	defer lb.Stop()

	late := time.Now().Add(-telebottest.Lag).Unix()
	msg := func(fields map[string]any) map[string]any {
		m := map[string]any{"message_id": 1, "chat": map[string]any{"id": 100, "type": "private"}, "text": "x", "business_connection_id": "b1"}
		for k, v := range fields {
			m[k] = v
		}
		return m
	}
	srv.SendUpdate(map[string]any{"business_message": msg(map[string]any{"date": late})})
	srv.SendUpdate(map[string]any{"edited_business_message": msg(map[string]any{"date": late - 600, "edit_date": time.Now().Unix()})})
	srv.SendUpdate(map[string]any{"business_connection": map[string]any{"id": "b1", "user": map[string]any{"id": 100, "is_bot": false, "first_name": "U"}, "user_chat_id": 100, "date": late, "is_enabled": true}})
	srv.SendUpdate(map[string]any{"deleted_business_messages": map[string]any{"business_connection_id": "b1", "chat": map[string]any{"id": 100, "type": "private"}, "message_ids": []int{1}}})
	srv.SendUpdate(map[string]any{"purchased_paid_media": map[string]any{"from": map[string]any{"id": 100, "is_bot": false, "first_name": "U"}, "paid_media_payload": "p"}})
	srv.SendUpdate(map[string]any{"some_future_update": map[string]any{"id": 1}})

	e := actiontest.ScrapeUntil(t, lb.m.Handler(), "6 updates, none in flight", func(e *promtest.Exposition) bool {
		return e.Sum(actiontest.Updates, nil) == 6 && actiontest.Gauge(e, actiontest.InFlight) == 0
	})
	telebottest.CheckTypes(t, e, map[string]telebottest.Dated{
		"business_message": telebottest.Late, "edited_business_message": telebottest.Recent,
		"business_connection": telebottest.Undated, "deleted_business_messages": telebottest.Undated,
		"purchased_paid_media": telebottest.Undated, "other": telebottest.Undated,
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
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	tr.Handle("/start", func(c tele.Context) error { return c.Send("hello") })

	tr.ProcessUpdate(bot, message("/start"))

	if len(got) != 1 || !strings.Contains(got[0].Error(), "connection refused") {
		t.Fatalf("OnError got %v, want the refused connection", got)
	}
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "start_handler", 0, 1)
	if strings.Contains(e.Text, srv.Token) || strings.Contains(e.Text, strings.SplitN(srv.Token, ":", 2)[1]) {
		t.Error("the exposition contains the token")
	}
}
