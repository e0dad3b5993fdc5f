package tgbotapimetrics_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"

	"github.com/genapp-go/genapp/internal/logtest"
)

// TestEndToEnd runs a real tgbotapi bot, long polling the fake Bot API over
// HTTP, through Run with every kind of route the issue names, and asserts
// the exact samples and the replies the server received.
func TestEndToEnd(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.Endpoint(), &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m := actiontest.NewMetrics(t)
	var log logtest.Buffer

	reply := func(u tgbotapi.Update, text string) error {
		_, err := bot.Send(tgbotapi.NewMessage(u.FromChat().ID, text))
		return err
	}
	answer := func(u tgbotapi.Update) error {
		_, err := bot.Request(tgbotapi.NewCallback(u.CallbackQuery.ID, ""))
		return err
	}
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))),
		tgbotapimetrics.Command("start", func(_ context.Context, u tgbotapi.Update) error {
			msg := tgbotapi.NewMessage(u.Message.Chat.ID, "hello")
			msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonData("Menu", "menu:42")))
			_, err := bot.Send(msg)
			return err
		}),
		tgbotapimetrics.Callback("menu", func(_ context.Context, u tgbotapi.Update) error {
			if err := answer(u); err != nil {
				return err
			}
			return reply(u, "menu "+strings.TrimPrefix(u.CallbackQuery.Data, "menu:"))
		}),
		tgbotapimetrics.On(telegram.KindText, func(_ context.Context, u tgbotapi.Update) error {
			return reply(u, "echo "+u.Message.Text)
		}),
		tgbotapimetrics.On(telegram.KindCallback, func(_ context.Context, u tgbotapi.Update) error { return answer(u) }),
		tgbotapimetrics.Command("fail", func(_ context.Context, u tgbotapi.Update) error {
			if err := reply(u, "failing"); err != nil {
				return err
			}
			return errors.New("fail handler failed")
		}),
		tgbotapimetrics.Command("boom", func(_ context.Context, u tgbotapi.Update) error {
			if err := reply(u, "panicking"); err != nil {
				return err
			}
			panic("boom handler panicked")
		}),
		tgbotapimetrics.On(telegram.KindUnknownCommand, func(_ context.Context, u tgbotapi.Update) error {
			return reply(u, "unknown "+u.Message.Command())
		}),
	)

	cfg := tgbotapi.NewUpdate(0)
	cfg.Timeout = 1
	updates := bot.GetUpdatesChan(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan error, 1)
	go func() { ran <- r.Run(ctx, updates, 4) }()

	srv.SendText(100, "/start@test_bot")
	srv.PressButton(100, "menu:42")
	srv.SendText(100, "hello")
	unrouted := srv.PressButton(100, "ghost:7")
	srv.SendText(100, "/fail")
	srv.SendText(100, "/boom")
	srv.SendText(100, "/nope arg")

	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	sent, err := srv.WaitSent(wctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	e := actiontest.Wait(t, m.Handler(), 7, 5*time.Second)

	bot.StopReceivingUpdates()
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("Run: %v", err)
	}

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
		texts = append(texts, s.Text)
	}
	slices.Sort(texts) // four workers: replies arrive in any order
	if got := strings.Join(texts, "|"); got != "echo hello|failing|hello|menu 42|panicking|unknown nope" {
		t.Errorf("replies %s", got)
	}
	if answered := srv.Answered(); len(answered) != 2 || !slices.Contains(answered, strconv.Itoa(unrouted)) {
		t.Errorf("answered callbacks %v, want the menu one and %d", answered, unrouted)
	}
	l := log.String()
	if !strings.Contains(l, `msg="telegram handler failed" action=fail_handler`) || !strings.Contains(l, `error="fail handler failed"`) ||
		!strings.Contains(l, `msg="telegram handler failed" action=boom_handler update_id=6 error="tgbotapimetrics: boom_handler panicked on update 6: boom handler panicked" stack=`) || strings.Count(l, "\n") != 2 {
		t.Errorf("log, want one line for the error and one for the panic:\n%s", l)
	}
}

// TestTokenNeverLeaks: with the Bot API gone, a real tgbotapi client's
// errors quote the URL with the token. The router's log, the errors it
// makes and the exposition never contain the token.
func TestTokenNeverLeaks(t *testing.T) {
	srv := telegramtest.NewServer()
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.Endpoint(), &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	srv.Close() // unreachable from now on
	token := srv.Token

	m := actiontest.NewMetrics(t)
	var log logtest.Buffer
	send := func(context.Context, tgbotapi.Update) error {
		_, err := bot.Send(tgbotapi.NewMessage(7, "hi"))
		return err
	}
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))),
		tgbotapimetrics.Command("send", send),
		tgbotapimetrics.Command("panic", func(ctx context.Context, u tgbotapi.Update) error { panic(send(ctx, u)) }),
	)

	// The handler's error is tgbotapi's, returned unchanged: it has the token.
	if err := r.HandleUpdate(context.Background(), command(1, "/send")); err == nil || !strings.Contains(err.Error(), token) {
		t.Fatalf("the handler's own error: %v; this test needs one that quotes the token", err)
	}
	var pe *tgbotapimetrics.PanicError
	if err := r.HandleUpdate(context.Background(), command(2, "/panic")); !errors.As(err, &pe) || strings.Contains(err.Error(), token) ||
		!strings.Contains(err.Error(), "/bot{token}/sendMessage") {
		t.Errorf("PanicError text %q: want the URL with {token} in place of the token", err)
	}
	ch := make(chan tgbotapi.Update, 2)
	ch <- command(3, "/send")
	ch <- command(4, "/panic")
	close(ch)
	if err := r.Run(context.Background(), ch, 2); err != nil {
		t.Fatal(err)
	}

	if l := log.String(); strings.Contains(l, token) || strings.Count(l, "/bot{token}/sendMessage") < 3 {
		t.Errorf("log must quote the URL (2 panics with stacks, 1 error) only with {token}:\n%s", l)
	}
	e := promtest.Scrape(t, m.Handler())
	if strings.Contains(e.Text, token) || strings.Contains(e.Text, strings.SplitN(token, ":", 2)[1]) {
		t.Error("the exposition contains the token")
	}
	actiontest.Want(t, e, "send_handler", 0, 2)
	actiontest.Want(t, e, "panic_handler", 0, 2)
}

// TestMalformedCommandEntity: updates whose bot_command entity does not fit
// the text, which make tgbotapi's Message.Command panic, reach Run over
// HTTP: they are routed as text, and the updates after them are handled.
func TestMalformedCommandEntity(t *testing.T) {
	// The control: tgbotapi itself panics on such a message.
	if p := func() (p any) {
		defer func() { p = recover() }()
		(&tgbotapi.Message{Text: "/x", Entities: []tgbotapi.MessageEntity{{Type: "bot_command", Length: 99}}}).Command()
		return nil
	}(); p == nil {
		t.Error("Message.Command did not panic: the defence may be unneeded now")
	}

	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.Endpoint(), &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m := actiontest.NewMetrics(t)
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), discard,
		tgbotapimetrics.Command("start", func(context.Context, tgbotapi.Update) error { return nil }),
		tgbotapimetrics.On(telegram.KindText, func(_ context.Context, u tgbotapi.Update) error {
			_, err := bot.Send(tgbotapi.NewMessage(u.Message.Chat.ID, "text "+u.Message.Text))
			return err
		}),
	)
	for _, length := range []int{99, 0} {
		srv.SendUpdate(map[string]any{"message": map[string]any{
			"message_id": length + 1, "date": 0, "chat": map[string]any{"id": 1, "type": "private"},
			"text": "/start", "entities": []map[string]any{{"type": "bot_command", "offset": 0, "length": length}},
		}})
	}
	srv.SendText(1, "after")

	cfg := tgbotapi.NewUpdate(0)
	cfg.Timeout = 1
	updates := bot.GetUpdatesChan(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx, updates, 2) }()
	waitCtx, waitCancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer waitCancel()
	sent, err := srv.WaitSent(waitCtx, 3)
	cancel()
	bot.StopReceivingUpdates()
	if runErr := <-done; runErr != nil {
		t.Errorf("Run = %v", runErr)
	}
	if err != nil {
		t.Fatal(err)
	}
	var texts []string
	for _, s := range sent {
		texts = append(texts, s.Text)
	}
	slices.Sort(texts)
	if want := []string{"text /start", "text /start", "text after"}; !slices.Equal(texts, want) {
		t.Errorf("replies %q, want %q", texts, want)
	}
	e := actiontest.Wait(t, m.Handler(), 3, 5*time.Second)
	actiontest.Want(t, e, "text_handler", 3, 0)
	if n := actiontest.Runs(e); n != 3 {
		t.Errorf("%d runs recorded, want the 3 of text_handler", n)
	}
}

// TestPollingFailingAPI: tgbotapi's own poller (GetUpdatesChan), which Run
// reads from, does not hammer a Bot API whose getUpdates fails. It waits
// 3 s after each failure and logs it, so it sends one request in the window
// where telebot v3's LongPoller sends thousands (see telebotmetrics.Poller).
// It does not stop on 401 or 409 and waits 3 s whatever a 429's
// retry_after says: the Poller does (TestPollFailingAPI).
func TestPollingFailingAPI(t *testing.T) {
	for _, status := range []int{409, 401, 429, 502} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			t.Parallel()
			srv := telegramtest.NewServer()
			defer srv.Close()
			srv.Inject("getUpdates", telegramtest.Fault{Status: status, RetryAfter: 30, Times: -1})
			bot, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.Endpoint(), &http.Client{Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			cfg := tgbotapi.NewUpdate(0)
			cfg.Timeout = 1
			bot.GetUpdatesChan(cfg)
			time.Sleep(1500 * time.Millisecond) // the window the requests are counted in
			bot.StopReceivingUpdates()
			n := 0
			for _, c := range srv.Calls() {
				if c.Method == "getUpdates" {
					n++
				}
			}
			if n != 1 {
				t.Errorf("%d getUpdates in 1.5 s, want 1", n)
			}
		})
	}
}

// TestPollLearnsUsername: Poll takes the bot's username from getMe, so a
// command addressed to another bot in the same group is ignored.
func TestPollLearnsUsername(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.Endpoint(), &http.Client{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	m := actiontest.NewMetrics(t)
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), discard,
		tgbotapimetrics.Command("start", func(_ context.Context, u tgbotapi.Update) error {
			_, err := bot.Send(tgbotapi.NewMessage(u.Message.Chat.ID, "start "+strconv.Itoa(u.UpdateID)))
			return err
		}))
	p, err := tgbotapimetrics.NewPoller(&http.Client{Timeout: 5 * time.Second}, tgbotapimetrics.WithAPIURL(srv.URL), tgbotapimetrics.WithPollTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	polled := make(chan error, 1)
	go func() { polled <- r.Poll(ctx, bot, p, 1) }()

	srv.SendText(-100, "/start@other_bot")
	ours := srv.SendText(-100, "/start@Test_Bot")
	wctx, wcancel := context.WithTimeout(ctx, 5*time.Second)
	defer wcancel()
	sent, err := srv.WaitSent(wctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	// One worker: the update for the other bot was routed before ours.
	e := actiontest.Wait(t, m.Handler(), 1, 5*time.Second)
	cancel()
	if err := <-polled; err != nil {
		t.Errorf("Poll: %v", err)
	}
	if len(sent) != 1 || sent[0].Text != "start "+strconv.Itoa(ours) {
		t.Errorf("replies %+v, want one to update %d", sent, ours)
	}
	actiontest.Want(t, e, "start_handler", 1, 0)
	if got := e.Sum(actiontest.Count, nil); got != 1 {
		t.Errorf("%v runs recorded, want 1", got)
	}
}

// TestUpdateHealth runs a real tgbotapi bot through Poll against the fake
// Bot API, through a NewTelegram client: a backlog of messages stamped 90 s
// ago, fresh commands, a button, an edit and a business message, a type
// tgbotapi does not decode, with slow handlers and a 429 on sendMessage. It
// asserts the counts by type, the lag buckets (the business message's read
// from its JSON), the in-flight gauge during and after the burst, and the
// flood wait by method.
func TestUpdateHealth(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	m := actiontest.NewMetrics(t)
	client := httpclient.NewTelegram(srv.Token, httpclient.WithMetrics(m))
	bot, err := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, srv.Endpoint(), client)
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	reply := func(u tgbotapi.Update) error {
		_, err := bot.Send(tgbotapi.NewMessage(u.FromChat().ID, "ok"))
		return err
	}
	r := newRouter(t, tgbotapimetrics.WithMetrics(m),
		tgbotapimetrics.Command("start", func(_ context.Context, u tgbotapi.Update) error { return reply(u) }),
		tgbotapimetrics.On(telegram.KindText, func(ctx context.Context, u tgbotapi.Update) error {
			select { // slow: held until the test has seen the burst in flight
			case <-release:
			case <-ctx.Done():
			}
			return reply(u)
		}),
		tgbotapimetrics.Callback("menu", func(context.Context, tgbotapi.Update) error { return nil }),
		tgbotapimetrics.On(telegram.KindEditedMessage, func(context.Context, tgbotapi.Update) error { return nil }),
	)
	srv.Inject("sendMessage", telegramtest.Fault{RetryAfter: 7})

	backlog := time.Now().Add(-90 * time.Second)
	for range 3 {
		srv.SendTextAt(100, "late", backlog)
	}
	srv.SendText(100, "/start")
	srv.SendText(101, "/start")
	srv.PressButton(100, "menu:1")
	srv.SendUpdate(map[string]any{"edited_message": map[string]any{
		"message_id": 1, "chat": map[string]any{"id": 100, "type": "private"}, "text": "edited",
		"edit_date": time.Now().Add(-20 * time.Second).Unix(),
	}})
	srv.SendUpdate(map[string]any{"business_message": map[string]any{
		"message_id": 2, "business_connection_id": "b1", "chat": map[string]any{"id": 100, "type": "private"}, "text": "hi",
		"date": backlog.Unix(),
	}})

	p, err := tgbotapimetrics.NewPoller(client, tgbotapimetrics.WithAPIURL(srv.URL), tgbotapimetrics.WithPollTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	polled := make(chan error, 1)
	go func() { polled <- r.Poll(ctx, bot, p, 4) }()

	// The three slow handlers hold three workers; the fourth handles the
	// rest.
	actiontest.ScrapeUntil(t, m.Handler(), "3 in flight and the 5 others handled", func(e *promtest.Exposition) bool {
		return actiontest.Gauge(e, actiontest.InFlight) == 3 && e.Sum(actiontest.Updates, nil) == 8
	})
	close(release)
	e := actiontest.ScrapeUntil(t, m.Handler(), "back to 0 in flight with every handler recorded", func(e *promtest.Exposition) bool {
		return actiontest.Gauge(e, actiontest.InFlight) == 0 && actiontest.Runs(e) == 7
	})
	cancel()
	if err := <-polled; err != nil {
		t.Errorf("Poll: %v", err)
	}

	for typ, want := range map[string]float64{"message": 5, "callback_query": 1, "edited_message": 1, "business_message": 1} {
		if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ, "app": "bot", "env": "dev"}); got != want {
			t.Errorf("updates{type=%q} = %v, want %v", typ, got, want)
		}
	}
	if n := e.Series(actiontest.Updates); n != 4 {
		t.Errorf("%d series of %s, want 4", n, actiontest.Updates)
	}
	// Lag: the backlog lands between 60 and 120 s, the fresh commands
	// below 30 s, the edit (20 s before) between 10 and 30 s. A callback
	// carries no date: no lag.
	for typ, want := range map[string]map[float64]uint64{
		"message":          {30: 2, 60: 2, 120: 5},
		"edited_message":   {10: 0, 30: 1},
		"business_message": {60: 0, 120: 1},
	} {
		h := e.One(t, actiontest.Lag, promtest.Labels{"type": typ}).GetHistogram()
		for _, b := range h.GetBucket() {
			if n, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != n {
				t.Errorf("lag{type=%q} le=%v: %d, want %d", typ, b.GetUpperBound(), b.GetCumulativeCount(), n)
			}
		}
	}
	if got := e.LabelValues(actiontest.Lag, "type"); len(got) != 3 {
		t.Errorf("lag types = %v, want business_message, edited_message and message only", got)
	}
	if count, sum := e.Histogram(t, actiontest.FloodWait, promtest.Labels{"method": "sendMessage"}); count != 1 || sum != 7 {
		t.Errorf("flood waits of sendMessage = %d, %v; want 1, 7", count, sum)
	}
	if n := e.Sum(actiontest.Count, promtest.Labels{"error_name": "flood_wait"}); n != 1 {
		t.Errorf("%v runs failed with flood_wait, want 1", n)
	}
}
