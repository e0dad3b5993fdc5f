package adaptertest

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

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

// Users of the traffic: users 101 to 111 each send one update; a bot, a
// user 0 and a business account owner send others, which count no user.
var (
	users    = []int64{101, 102, 103, 104, 105, 106, 107, 108, 109, 110, 111}
	statuses = map[[2]string]float64{{"private", "kicked"}: 1, {"group", "member"}: 1, {"supergroup", "administrator"}: 1, {"channel", "left"}: 1}
)

// traffic is what [Updates] sends, besides the commands, texts and buttons
// of users 101 to 105, to a bot whose own user is bot: every update must
// count once, whether a route takes it or not.
func traffic(bot telegramtest.User) []update {
	return []update{
		{nil, "message"},        // /start: routed
		{nil, "message"},        // /nosuch: a command no route takes
		{nil, "message"},        // hello: no text route
		{nil, "callback_query"}, // the button menu, payload 1: routed
		{nil, "callback_query"}, // other: no route
		{message("message", -200, "group", person(106), map[string]any{"new_chat_members": []any{person(1), person(2), person(3)}}), "message"},
		{message("message", -200, "group", map[string]any{"id": 200, "is_bot": true, "first_name": "Other bot"}, map[string]any{"text": "beep"}), "message"},
		{message("message", -200, "group", person(0), map[string]any{"text": "from the user 0"}), "message"},
		{message("edited_message", 107, "private", person(107), map[string]any{"text": "edited", "edit_date": 1}), "edited_message"},
		{message("channel_post", -300, "channel", nil, map[string]any{"text": "news"}), "channel_post"},
		{myChatMember(bot, 108, 108, "private", "member", "kicked"), "my_chat_member"},
		{myChatMember(bot, -200, 109, "group", "left", "member"), "my_chat_member"},
		{myChatMember(bot, -400, 110, "supergroup", "member", "administrator"), "my_chat_member"},
		{myChatMember(bot, -300, 111, "channel", "administrator", "left"), "my_chat_member"},
		{map[string]any{"business_connection": map[string]any{
			"id": "b1", "user": person(112), "user_chat_id": 112, "date": now(), "can_reply": true, "is_enabled": true,
		}}, "business_connection"},
		{map[string]any{"some_future_update": map[string]any{"id": 1}}, "other"},
	}
}

// sketchKey and sketchPrecision are those of the active users of [Updates].
var (
	sketchKey       = []byte("adaptertest active users key")
	sketchPrecision = 6
)

func newMetrics(t *testing.T) *metrics.Metrics {
	t.Helper()
	m, err := metrics.New("bot", "dev", metrics.WithRegistry(prometheus.NewRegistry()),
		metrics.WithActiveUsers(metrics.ActiveUsersKey(sketchKey), metrics.ActiveUsersPrecision(sketchPrecision)))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// Updates sends the same traffic to the bot of b that it sends to every
// adapter's, and asserts that genapp_telegram_updates_total counts each
// update once by type (those no route takes included, a message with three
// new chat members once), that every my_chat_member counts by chat type
// and new status, that the active-users registers are those of the 11
// people who sent updates (a reference sketch fed their ids), that the
// routed command and button ran once each, and that nothing stays in
// flight.
func Updates(t *testing.T, b Bot) {
	api := telegramtest.NewServer(telegramtest.WithLongPollMax(300 * time.Millisecond))
	defer api.Close()
	m := newMetrics(t)
	stop := b.Start(t, api, m)
	defer stop()

	api.SendText(101, "/start")
	api.SendText(102, "/nosuch")
	api.SendText(103, "hello")
	data := b.ButtonData
	if data == nil {
		data = func(unique, payload string) string { return unique + ":" + payload }
	}
	api.PressButton(104, data("menu", "1"))
	api.PressButton(105, "other")
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

	for k, n := range statuses {
		if got := e.Sum(statusChanges, promtest.Labels{"chat_type": k[0], "status": k[1]}); got != n {
			t.Errorf("%s{chat_type=%q,status=%q} = %v, want %v", statusChanges, k[0], k[1], got, n)
		}
	}
	if n := e.Series(statusChanges); n != len(statuses) {
		t.Errorf("%d series of %s, want %d", n, statusChanges, len(statuses))
	}
	reference := newMetrics(t)
	for _, id := range users {
		u := reference.StartTelegramUpdate("message", time.Time{})
		u.RecordUser(id)
		u.End()
	}
	if got, want := registers(t, e), registers(t, promtest.Scrape(t, reference.Handler())); !maps.Equal(got, want) {
		t.Errorf("active-users registers %v, want those of users %v: %v", got, users, want)
	}
}

// Families of who the bot reaches.
const (
	statusChanges = "genapp_telegram_bot_status_changes_total"
	sketch        = "genapp_telegram_active_users_sketch"
)

// registers returns the active-users registers in e that are not 0.
func registers(t *testing.T, e *promtest.Exposition) map[string]float64 {
	t.Helper()
	if n := e.Series(sketch); n != 1<<sketchPrecision {
		t.Errorf("%d registers exposed, want %d", n, 1<<sketchPrecision)
	}
	regs := map[string]float64{}
	for _, m := range e.Find(sketch, nil) {
		for _, l := range m.GetLabel() {
			if l.GetName() == "register" && m.GetGauge().GetValue() != 0 {
				regs[l.GetValue()] = m.GetGauge().GetValue()
			}
		}
	}
	return regs
}

func now() int64 { return time.Now().Unix() }

func person(id int64) map[string]any {
	return map[string]any{"id": id, "is_bot": false, "first_name": "User"}
}

// message is an update of typ holding a message in chat, sent by from
// (nil: none, as in a channel), with fields.
func message(typ string, chat int64, chatType string, from, fields map[string]any) map[string]any {
	msg := map[string]any{
		"message_id": 1000 + chat%1000, "date": now(),
		"chat": map[string]any{"id": chat, "type": chatType, "title": "Chat"},
	}
	if from != nil {
		msg["from"] = from
	}
	for k, v := range fields {
		msg[k] = v
	}
	return map[string]any{typ: msg}
}

// myChatMember is the update telling the bot that user from changed its
// status in chat, of type chatType, from old to status.
func myChatMember(bot telegramtest.User, chat, from int64, chatType, old, status string) map[string]any {
	c := map[string]any{"id": chat, "type": chatType}
	if chatType == "private" {
		c["first_name"] = "User"
	} else {
		c["title"] = "Chat"
	}
	return map[string]any{"my_chat_member": map[string]any{
		"chat": c, "from": person(from), "date": now(),
		"old_chat_member": map[string]any{"status": old, "user": bot},
		"new_chat_member": map[string]any{"status": status, "user": bot, "until_date": 0},
	}}
}
