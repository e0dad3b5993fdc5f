package telegramtest_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// TestGetUpdatesOffsetLimit pins the queue semantics of getUpdates: limit
// bounds a batch, updates stay until an offset confirms them, a negative
// offset keeps only the newest, and an empty queue answers [].
func TestGetUpdatesOffsetLimit(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	for i := range 5 {
		if id := srv.SendText(1, "m"); id != i+1 {
			t.Fatalf("SendText returned update_id %d, want %d", id, i+1)
		}
	}
	steps := []struct {
		params  map[string]any
		want    []int
		pending int
	}{
		{map[string]any{"limit": 2}, []int{1, 2}, 5},
		{map[string]any{}, []int{1, 2, 3, 4, 5}, 5},                    // not confirmed yet
		{map[string]any{"offset": 3, "limit": "2"}, []int{3, 4}, 3},    // 1 and 2 confirmed
		{map[string]any{"offset": 3, "limit": 0}, []int{3}, 3},         // clamped to 1-100
		{map[string]any{"offset": 3, "limit": 500}, []int{3, 4, 5}, 3}, // capped at 100
		{map[string]any{"offset": -1}, []int{5}, 1},                    // only the newest is kept
		{map[string]any{"offset": 0}, []int{5}, 1},
		{map[string]any{"offset": 6, "timeout": 0}, []int{}, 0},
	}
	for _, st := range steps {
		got := updateIDs(t, call(t, srv, "getUpdates", st.params))
		if !slices.Equal(got, st.want) {
			t.Errorf("getUpdates %v = %v, want %v", st.params, got, st.want)
		}
		if p := srv.Pending(); p != st.pending {
			t.Errorf("after getUpdates %v: Pending() = %d, want %d", st.params, p, st.pending)
		}
	}
	if next := srv.SendText(1, "later"); next != 6 {
		t.Errorf("update_id after confirmation = %d, want 6", next)
	}
	if r := call(t, srv, "getUpdates", map[string]any{"offset": "x"}); r.OK || r.ErrorCode != 400 {
		t.Errorf("offset x: %+v, want 400", r)
	}
}

// TestLongPoll proves getUpdates waits and wakes as soon as an update
// arrives, and that an idle poll answers [] after the capped timeout.
func TestLongPoll(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(300 * time.Millisecond))
	defer srv.Close()

	start := time.Now()
	if got := updateIDs(t, call(t, srv, "getUpdates", map[string]any{"timeout": 30})); len(got) != 0 {
		t.Errorf("idle poll = %v, want []", got)
	}
	if d := time.Since(start); d < 250*time.Millisecond || d > 3*time.Second {
		t.Errorf("idle poll took %v, want about the 300ms cap", d)
	}

	srv = telegramtest.NewServer() // default cap: 1s
	defer srv.Close()
	start = time.Now()
	result := callAsync(t, srv, "getUpdates", map[string]any{"timeout": 30})
	waitPolling(t, srv, 1)
	id := srv.SendText(1, "wake up")
	if got := updateIDs(t, result()); !slices.Equal(got, []int{id}) {
		t.Errorf("woken poll = %v, want [%d]", got, id)
	}
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("woken poll took %v, want it to return at once", d)
	}
}

// waitPolling waits until the server has n getUpdates calls in progress.
func waitPolling(t *testing.T, srv *telegramtest.Server, n int) {
	t.Helper()
	for range 500 {
		waiting := 0
		for _, c := range srv.Calls() {
			if c.Method == "getUpdates" && c.Status == 0 {
				waiting++
			}
		}
		if waiting == n {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("no %d getUpdates in progress after 1s", n)
}

// TestCloseEndsLongPoll proves Close does not wait out a long poll: the
// poll answers [] and Close returns at once.
func TestCloseEndsLongPoll(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(time.Minute))
	result := callAsync(t, srv, "getUpdates", map[string]any{"timeout": 60})
	waitPolling(t, srv, 1)
	start := time.Now()
	srv.Close()
	if got := updateIDs(t, result()); len(got) != 0 {
		t.Errorf("poll ended by Close = %v, want []", got)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v with a long poll in flight", d)
	}
}

// TestConcurrentPollConflict proves a second getUpdates ends a waiting one
// with 409, as when two instances of a bot run.
func TestConcurrentPollConflict(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	first := callAsync(t, srv, "getUpdates", map[string]any{"timeout": 30})
	waitPolling(t, srv, 1)
	second := callAsync(t, srv, "getUpdates", map[string]any{"timeout": 30})
	r := first()
	if r.OK || r.ErrorCode != http.StatusConflict ||
		r.Description != "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running" {
		t.Errorf("older poll = %+v, want 409 terminated by other getUpdates request", r)
	}
	id := srv.SendText(1, "x")
	if got := updateIDs(t, second()); !slices.Equal(got, []int{id}) {
		t.Errorf("newer poll = %v, want [%d]", got, id)
	}
}

// TestUpdateShapes checks the updates the helpers build: commands carry a
// bot_command entity that covers an @botname suffix, plain text none, a
// button press points at the bot's last message, and SendUpdate passes a
// raw update through with the server's update_id.
func TestUpdateShapes(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.SendText(5, "/start@test_bot payload")
	srv.SendText(5, "hello /start")
	srv.SendText(5, "/привет")
	if r := call(t, srv, "sendMessage", map[string]any{"chat_id": 5, "text": "menu", "reply_markup": map[string]any{
		"inline_keyboard": [][]map[string]string{{{"text": "A", "callback_data": "a"}}},
	}}); !r.OK {
		t.Fatalf("sendMessage: %+v", r)
	}
	srv.PressButton(5, "a")
	srv.SendUpdate(map[string]any{"message": map[string]any{"message_id": 99, "chat": map[string]any{"id": 5, "type": "private"}, "photo": []any{}}, "update_id": 1000})

	var updates []struct {
		UpdateID int `json:"update_id"`
		Message  *struct {
			MessageID int `json:"message_id"`
			From      struct {
				ID    int64 `json:"id"`
				IsBot bool  `json:"is_bot"`
			} `json:"from"`
			Chat struct {
				ID   int64  `json:"id"`
				Type string `json:"type"`
			} `json:"chat"`
			Date     int64            `json:"date"`
			Text     string           `json:"text"`
			Photo    []any            `json:"photo"`
			Entities []map[string]any `json:"entities"`
		} `json:"message"`
		CallbackQuery *struct {
			ID      string `json:"id"`
			Data    string `json:"data"`
			Message struct {
				MessageID   int             `json:"message_id"`
				Text        string          `json:"text"`
				ReplyMarkup json.RawMessage `json:"reply_markup"`
				From        struct {
					IsBot bool `json:"is_bot"`
				} `json:"from"`
			} `json:"message"`
		} `json:"callback_query"`
	}
	r := call(t, srv, "getUpdates", nil)
	if err := json.Unmarshal(r.Result, &updates); err != nil || len(updates) != 5 {
		t.Fatalf("getUpdates: %v, %s", err, r.Result)
	}
	cmd := updates[0].Message
	if cmd == nil || cmd.From.ID != 5 || cmd.From.IsBot || cmd.Chat.ID != 5 || cmd.Chat.Type != "private" || cmd.Date == 0 {
		t.Errorf("command message = %+v", cmd)
	}
	if e := cmd.Entities; len(e) != 1 || e[0]["type"] != "bot_command" || e[0]["offset"] != 0.0 || e[0]["length"] != 15.0 {
		t.Errorf("entities of %q = %v, want one bot_command of length 15", cmd.Text, e)
	}
	for _, u := range updates[1:3] {
		if len(u.Message.Entities) != 0 {
			t.Errorf("entities of %q = %v, want none", u.Message.Text, u.Message.Entities)
		}
	}
	cb := updates[3].CallbackQuery
	sent := srv.Sent()
	if cb == nil || cb.ID != "4" || cb.Data != "a" || cb.Message.MessageID != sent[0].MessageID ||
		cb.Message.Text != "menu" || !cb.Message.From.IsBot || len(cb.Message.ReplyMarkup) == 0 {
		t.Errorf("callback query = %+v, want one on the bot's message %+v", cb, sent[0])
	}
	if u := updates[4]; u.UpdateID != 5 || u.Message == nil || u.Message.MessageID != 99 || u.Message.Photo == nil {
		t.Errorf("raw update = %+v, want the photo message with update_id 5", u)
	}
}

// TestDates: every message is dated, now by default, in the past with
// SendTextAt; an update given whole keeps its own date, and the caller's
// map is not changed.
func TestDates(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	before := time.Now().Unix()
	backlog := time.Unix(before-90, 999_000_000)
	srv.SendText(5, "now")
	srv.SendTextAt(5, "late", backlog)
	undated := map[string]any{"message_id": 7, "chat": map[string]any{"id": 5, "type": "private"}, "text": "x"}
	srv.SendUpdate(map[string]any{"edited_message": undated})
	srv.SendUpdate(map[string]any{"channel_post": map[string]any{"message_id": 8, "date": 1234, "chat": map[string]any{"id": -5, "type": "channel"}}})
	after := time.Now().Unix()
	if _, dated := undated["date"]; dated {
		t.Error("SendUpdate dated the caller's map")
	}

	type dated struct {
		Date int64 `json:"date"`
	}
	var updates []map[string]json.RawMessage
	r := call(t, srv, "getUpdates", nil)
	if err := json.Unmarshal(r.Result, &updates); err != nil || len(updates) != 4 {
		t.Fatalf("getUpdates: %v, %s", err, r.Result)
	}
	date := func(i int, field string) int64 {
		var m dated
		if err := json.Unmarshal(updates[i][field], &m); err != nil {
			t.Fatalf("update %d: %s: %v", i, field, err)
		}
		return m.Date
	}
	for i, field := range []string{"message", "message", "edited_message"} {
		d := date(i, field)
		if i == 1 {
			if d != before-90 {
				t.Errorf("SendTextAt date = %d, want %d (whole seconds)", d, before-90)
			}
			continue
		}
		if d < before || d > after {
			t.Errorf("update %d: date %d, want now (%d to %d)", i, d, before, after)
		}
	}
	if d := date(3, "channel_post"); d != 1234 {
		t.Errorf("channel_post date = %d, want the 1234 given", d)
	}
}
