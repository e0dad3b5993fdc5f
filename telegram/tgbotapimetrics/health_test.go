package tgbotapimetrics_test

import (
	"context"
	"slices"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// TestUpdateHealth runs a real tgbotapi bot through Poll against the fake
// Bot API, through a NewTelegram client: a backlog of messages stamped 90 s
// ago, fresh commands, a button, an edit and an update type tgbotapi does
// not know, with slow handlers and a 429 on sendMessage. It asserts the
// exact counts by type, the lag buckets, the in-flight gauge during and
// after the burst, and the flood wait by method.
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
		tgbotapimetrics.On(tgbotapimetrics.KindText, func(ctx context.Context, u tgbotapi.Update) error {
			select { // slow: held until the test has seen the burst in flight
			case <-release:
			case <-ctx.Done():
			}
			return reply(u)
		}),
		tgbotapimetrics.Callback("menu", func(context.Context, tgbotapi.Update) error { return nil }),
		tgbotapimetrics.On(tgbotapimetrics.KindEditedMessage, func(context.Context, tgbotapi.Update) error { return nil }),
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
	srv.SendUpdate(map[string]any{"business_connection": map[string]any{"id": "b1", "user_chat_id": 100, "date": time.Now().Unix()}})

	ctx, cancel := context.WithCancel(context.Background())
	polled := make(chan error, 1)
	go func() { polled <- r.Poll(ctx, bot, tgbotapi.NewUpdate(0), 4) }()

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

	for typ, want := range map[string]float64{"message": 5, "callback_query": 1, "edited_message": 1, "other": 1} {
		if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ, "app": "bot", "env": "dev"}); got != want {
			t.Errorf("updates{type=%q} = %v, want %v", typ, got, want)
		}
	}
	if n := e.Series(actiontest.Updates); n != 4 {
		t.Errorf("%d series of %s, want 4", n, actiontest.Updates)
	}
	// Lag: the backlog lands between 60 and 120 s, the fresh commands
	// below 30 s, the edit (20 s before) between 10 and 30 s. A callback
	// and an unknown update carry no date: no lag.
	for typ, want := range map[string]map[float64]uint64{
		"message":        {30: 2, 60: 2, 120: 5},
		"edited_message": {10: 0, 30: 1},
	} {
		h := e.One(t, actiontest.Lag, promtest.Labels{"type": typ}).GetHistogram()
		for _, b := range h.GetBucket() {
			if n, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != n {
				t.Errorf("lag{type=%q} le=%v: %d, want %d", typ, b.GetUpperBound(), b.GetCumulativeCount(), n)
			}
		}
	}
	if got := e.LabelValues(actiontest.Lag, "type"); len(got) != 2 {
		t.Errorf("lag types = %v, want message and edited_message only", got)
	}
	if count, sum := e.Histogram(t, actiontest.FloodWait, promtest.Labels{"method": "sendMessage"}); count != 1 || sum != 7 {
		t.Errorf("flood waits of sendMessage = %d, %v; want 1, 7", count, sum)
	}
	if n := e.Sum(actiontest.Count, promtest.Labels{"error_name": "flood_wait"}); n != 1 {
		t.Errorf("%v runs failed with flood_wait, want 1", n)
	}
}

// TestHandleUpdateCountsUnrouted: HandleUpdate counts every update it is
// given, those no route takes included, and leaves none in flight, a
// panicking handler's included.
func TestHandleUpdateCountsUnrouted(t *testing.T) {
	m := actiontest.NewMetrics(t)
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), tgbotapimetrics.Command("boom", func(context.Context, tgbotapi.Update) error { panic("boom") }))
	ctx := context.Background()
	_ = r.HandleUpdate(ctx, command(1, "/boom"))
	_ = r.HandleUpdate(ctx, text(2, "nobody routes me"))
	_ = r.HandleUpdate(ctx, tgbotapi.Update{UpdateID: 3, InlineQuery: &tgbotapi.InlineQuery{ID: "q"}})
	e := promtest.Scrape(t, m.Handler())
	if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": "message"}); got != 2 {
		t.Errorf("message updates = %v, want 2", got)
	}
	if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": "inline_query"}); got != 1 {
		t.Errorf("inline_query updates = %v, want 1", got)
	}
	if got := actiontest.Gauge(e, actiontest.InFlight); got != 0 {
		t.Errorf("in flight = %v, want 0", got)
	}
}

// TestUpdateTypes: every update type tgbotapi decodes is recorded under its
// Bot API name, with the date the contract gives it.
func TestUpdateTypes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	r := newRouter(t, tgbotapimetrics.WithMetrics(m))
	date := int(time.Now().Add(-45 * time.Minute).Unix())
	msg := &tgbotapi.Message{Date: date}
	edited := &tgbotapi.Message{Date: 1, EditDate: date}
	member := &tgbotapi.ChatMemberUpdated{Date: date}
	for _, u := range []tgbotapi.Update{
		{Message: msg}, {EditedMessage: edited}, {ChannelPost: msg}, {EditedChannelPost: edited},
		{CallbackQuery: &tgbotapi.CallbackQuery{}}, {InlineQuery: &tgbotapi.InlineQuery{}},
		{ChosenInlineResult: &tgbotapi.ChosenInlineResult{}}, {ShippingQuery: &tgbotapi.ShippingQuery{}},
		{PreCheckoutQuery: &tgbotapi.PreCheckoutQuery{}}, {Poll: &tgbotapi.Poll{}}, {PollAnswer: &tgbotapi.PollAnswer{}},
		{MyChatMember: member}, {ChatMember: member}, {ChatJoinRequest: &tgbotapi.ChatJoinRequest{Date: date}}, {},
	} {
		if err := r.HandleUpdate(context.Background(), u); err != nil {
			t.Fatal(err)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	want := []string{"callback_query", "channel_post", "chat_join_request", "chat_member", "chosen_inline_result",
		"edited_channel_post", "edited_message", "inline_query", "message", "my_chat_member", "other", "poll",
		"poll_answer", "pre_checkout_query", "shipping_query"}
	if got := e.LabelValues(actiontest.Updates, "type"); !slices.Equal(got, want) {
		t.Errorf("types = %v, want %v", got, want)
	}
	// Dated: the message-like updates (edits by edit_date), members, join
	// requests; each 45 minutes old, in the 1800-3600 s bucket.
	dated := []string{"channel_post", "chat_join_request", "chat_member", "edited_channel_post", "edited_message", "message", "my_chat_member"}
	if got := e.LabelValues(actiontest.Lag, "type"); !slices.Equal(got, dated) {
		t.Errorf("lag types = %v, want %v", got, dated)
	}
	for _, typ := range dated {
		h := e.One(t, actiontest.Lag, promtest.Labels{"type": typ}).GetHistogram()
		for _, b := range h.GetBucket() {
			if le, n := b.GetUpperBound(), b.GetCumulativeCount(); le == 1800 && n != 0 || le == 3600 && n != 1 {
				t.Errorf("lag{type=%q} le=%v: %d, want %d", typ, le, n, min(int(le/3600), 1))
			}
		}
	}
}
