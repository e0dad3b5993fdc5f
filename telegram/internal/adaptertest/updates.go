package adaptertest

import (
	"context"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// Bot starts a bot of one adapter for [Updates].
type Bot struct {
	// Start runs a bot of the adapter's library against api, tracked with
	// m, fed by the adapter's Poller over an httpclient.NewTelegram client
	// that records into m, as the package documentation sets it up. It has
	// two routes: the command /start, which answers "hi" with
	// sendMessage, and the button whose unique is "menu". It returns once
	// the bot polls; stop ends polling and waits for running handlers.
	Start func(t *testing.T, api *telegramtest.Server, m *metrics.Metrics) (stop func())
	// ButtonData returns the callback data of a press of the button whose
	// unique is unique, with payload, as the library's buttons carry it;
	// nil: unique + ":" + payload (telebot's: "\f" + unique + "|" +
	// payload, which its button routes require).
	ButtonData func(unique, payload string) string
}

// update is one update [Updates] sends, and its type.
type update struct {
	update map[string]any // nil: a command or a button, sent by Updates
	typ    string
}

// traffic is what [Updates] sends to a bot whose own user is bot: every
// update must count once, whether a route takes it or not.
func traffic(bot telegramtest.User) []update {
	return []update{
		{nil, "message"},        // /start: routed
		{nil, "message"},        // /nosuch: a command no route takes
		{nil, "message"},        // hello: no text route
		{nil, "callback_query"}, // the button menu, payload 1: routed
		{nil, "callback_query"}, // other: no route
		{message("message", -200, "group", map[string]any{"new_chat_members": []any{user(1), user(2), user(3)}}), "message"},
		{message("edited_message", 100, "private", map[string]any{"text": "edited", "edit_date": 1}), "edited_message"},
		{message("channel_post", -300, "channel", map[string]any{"text": "news"}), "channel_post"},
		{map[string]any{"my_chat_member": map[string]any{
			"chat": map[string]any{"id": 100, "type": "private"}, "from": user(100), "date": now(),
			"old_chat_member": map[string]any{"status": "member", "user": bot},
			"new_chat_member": map[string]any{"status": "kicked", "user": bot, "until_date": 0},
		}}, "my_chat_member"},
		{map[string]any{"business_connection": map[string]any{
			"id": "b1", "user": user(100), "user_chat_id": 100, "date": now(), "can_reply": true, "is_enabled": true,
		}}, "business_connection"},
		{map[string]any{"some_future_update": map[string]any{"id": 1}}, "other"},
	}
}

// Updates sends the same traffic to the bot of b that it sends to every
// adapter's, and asserts that genapp_telegram_updates_total counts each
// update once by type (those no route takes included, a message with three
// new chat members once), that the routed command and button ran once
// each, and that nothing stays in flight.
func Updates(t *testing.T, b Bot) {
	api := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer api.Close()
	m := actiontest.NewMetrics(t)
	stop := b.Start(t, api, m)
	defer stop()

	api.SendText(100, "/start")
	api.SendText(100, "/nosuch")
	api.SendText(100, "hello")
	data := b.ButtonData
	if data == nil {
		data = func(unique, payload string) string { return unique + ":" + payload }
	}
	api.PressButton(100, data("menu", "1"))
	api.PressButton(100, "other")
	sent := traffic(api.Bot())
	want := map[string]float64{}
	for _, u := range sent {
		if u.update != nil {
			api.SendUpdate(u.update)
		}
		want[u.typ]++
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := api.WaitSent(ctx, 1); err != nil {
		t.Fatalf("the /start route sent nothing: %v", err)
	}
	total := float64(len(sent))
	actiontest.ScrapeUntil(t, m.Handler(), "every update counted, none in flight", func(e *promtest.Exposition) bool {
		return e.Sum(actiontest.Updates, nil) >= total && actiontest.Gauge(e, actiontest.InFlight) == 0
	})
	time.Sleep(300 * time.Millisecond) // an update counted twice would show by now
	e := promtest.Scrape(t, m.Handler())
	for typ, n := range want {
		if got := e.Sum(actiontest.Updates, promtest.Labels{"type": typ}); got != n {
			t.Errorf("%s{type=%q} = %v, want %v", actiontest.Updates, typ, got, n)
		}
	}
	if n := e.Series(actiontest.Updates); n != len(want) {
		t.Errorf("%d series of %s, want %d: %v", n, actiontest.Updates, len(want), e.LabelValues(actiontest.Updates, "type"))
	}
	if got := actiontest.Gauge(e, actiontest.InFlight); got != 0 {
		t.Errorf("%s = %v, want 0", actiontest.InFlight, got)
	}
	actiontest.Want(t, e, "start_handler", 1, 0)
	actiontest.Want(t, e, "menu_callback_handler", 1, 0)
	if sent := api.Sent(); len(sent) != 1 || sent[0].Text != "hi" {
		t.Errorf("sent %+v, want one message \"hi\"", sent)
	}
}

func now() int64 { return time.Now().Unix() }

func user(id int64) map[string]any {
	return map[string]any{"id": id, "is_bot": false, "first_name": "User"}
}

// message is an update of typ holding a message in chat, with fields.
func message(typ string, chat int64, chatType string, fields map[string]any) map[string]any {
	msg := map[string]any{
		"message_id": 1000 + chat%1000, "date": now(),
		"chat": map[string]any{"id": chat, "type": chatType, "title": "Chat"},
	}
	if chatType != "channel" {
		msg["from"] = user(100)
	}
	for k, v := range fields {
		msg[k] = v
	}
	return map[string]any{typ: msg}
}
