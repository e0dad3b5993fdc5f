package tgbotapimetrics_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/internal/spantest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

func newRouter(t testing.TB, opts ...tgbotapimetrics.Option) *tgbotapimetrics.Router {
	t.Helper()
	r, err := tgbotapimetrics.New(opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// discard is a logger for tests that do not look at the log.
var discard = tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))

func message(id int, m *tgbotapi.Message) tgbotapi.Update {
	m.MessageID, m.Chat = id, &tgbotapi.Chat{ID: 7}
	return tgbotapi.Update{UpdateID: id, Message: m}
}

// command is a message as Telegram sends a command: a bot_command entity
// over its first word.
func command(id int, text string) tgbotapi.Update {
	n := len(text)
	if i := strings.IndexByte(text, ' '); i >= 0 {
		n = i
	}
	return message(id, &tgbotapi.Message{Text: text, Entities: []tgbotapi.MessageEntity{{Type: "bot_command", Length: n}}})
}

func text(id int, s string) tgbotapi.Update { return message(id, &tgbotapi.Message{Text: s}) }

func callback(id int, data string) tgbotapi.Update {
	return tgbotapi.Update{UpdateID: id, CallbackQuery: &tgbotapi.CallbackQuery{ID: fmt.Sprint(id), Data: data}}
}

// recorder is a handler that remembers what it was given.
type recorder struct {
	mu   sync.Mutex
	seen []string
}

func (rec *recorder) handler(label string) tgbotapimetrics.Handler {
	return func(_ context.Context, u tgbotapi.Update) error {
		rec.mu.Lock()
		defer rec.mu.Unlock()
		rec.seen = append(rec.seen, fmt.Sprintf("%s:%d", label, u.UpdateID))
		return nil
	}
}

func TestRouting(t *testing.T) {
	m := actiontest.NewMetrics(t)
	var rec recorder
	r := newRouter(t, tgbotapimetrics.WithMetrics(m),
		tgbotapimetrics.Command("start", rec.handler("start")),
		tgbotapimetrics.Command("/Help", rec.handler("help")),
		tgbotapimetrics.Command("hello", rec.handler("hello"), tgbotapimetrics.Name("greet_handler")),
		tgbotapimetrics.Callback("menu", rec.handler("menu")),
		tgbotapimetrics.Callback("main-menu", rec.handler("main-menu")),
		tgbotapimetrics.On(telegram.KindText, rec.handler("text")),
		tgbotapimetrics.On(telegram.KindUnknownCommand, rec.handler("unknown")),
		tgbotapimetrics.On(telegram.KindCallback, rec.handler("callback")),
		tgbotapimetrics.On(telegram.KindPhoto, rec.handler("photo")),
		tgbotapimetrics.On(telegram.KindMessage, rec.handler("message")),
		tgbotapimetrics.On(telegram.KindEditedMessage, rec.handler("edited")),
		tgbotapimetrics.On(telegram.KindInlineQuery, rec.handler("inline")),
	)
	ctx := context.Background()
	for _, u := range []tgbotapi.Update{
		command(1, "/start"), command(2, "/start@my_bot with args"),
		command(3, "/Help"), command(4, "/hello"),
		callback(5, "menu"), callback(6, "menu:42"), callback(7, "menu|42"), callback(8, "\fmenu|42"),
		callback(9, "main-menu:x:y"),
		callback(10, "menux"), callback(11, "other:1"), callback(12, ""),
		text(13, "hello there"), text(14, "/start without an entity is text"),
		command(15, "/nope"), command(16, "/nope@my_bot"),
		message(17, &tgbotapi.Message{Photo: []tgbotapi.PhotoSize{{FileID: "p"}}}),
		message(18, &tgbotapi.Message{Document: &tgbotapi.Document{FileID: "d"}}), // no document route
		{UpdateID: 19, EditedMessage: &tgbotapi.Message{Text: "edit"}},
		{UpdateID: 20, InlineQuery: &tgbotapi.InlineQuery{Query: "q"}},
		{UpdateID: 21, PollAnswer: &tgbotapi.PollAnswer{}}, // no route: ignored
		{UpdateID: 22},
	} {
		if err := r.HandleUpdate(ctx, u); err != nil {
			t.Fatalf("update %d: %v", u.UpdateID, err)
		}
	}

	want := "start:1 start:2 help:3 hello:4 menu:5 menu:6 menu:7 menu:8 main-menu:9 callback:10 callback:11 callback:12 " +
		"text:13 text:14 unknown:15 unknown:16 photo:17 message:18 edited:19 inline:20"
	if got := strings.Join(rec.seen, " "); got != want {
		t.Errorf("handlers ran\n got %s\nwant %s", got, want)
	}
	e := promtest.Scrape(t, m.Handler())
	for _, a := range []struct {
		name string
		n    int
	}{
		{"start_handler", 2}, {"help_handler", 1}, {"greet_handler", 1},
		{"menu_callback_handler", 4}, {"main_menu_callback_handler", 1}, {"callback_handler", 3},
		{"text_handler", 2}, {"unknown_command_handler", 2}, {"photo_handler", 1}, {"message_handler", 1},
		{"edited_message_handler", 1}, {"inline_query_handler", 1},
	} {
		actiontest.Want(t, e, a.name, a.n, 0)
	}
	if got := e.Series(actiontest.Count); got != 12 {
		t.Errorf("%s has %d series, want 12 (12 names, all ok)", actiontest.Count, got)
	}
}

// TestUnknownCommand: without a KindUnknownCommand route, the text (or else
// the message) route takes an unknown command, which is still recorded as
// unknown_command_handler.
func TestUnknownCommand(t *testing.T) {
	for _, tc := range []struct {
		kinds []telegram.Kind
		want  string // which handler ran; "" for none
		name  string
	}{
		{[]telegram.Kind{telegram.KindUnknownCommand, telegram.KindText}, "unknown_command", "unknown_command_handler"},
		{[]telegram.Kind{telegram.KindText, telegram.KindMessage}, "text", "unknown_command_handler"},
		{[]telegram.Kind{telegram.KindMessage}, "message", "unknown_command_handler"},
		{[]telegram.Kind{telegram.KindPhoto}, "", ""},
	} {
		m := actiontest.NewMetrics(t)
		ran := ""
		opts := []tgbotapimetrics.Option{tgbotapimetrics.WithMetrics(m)}
		for _, k := range tc.kinds {
			opts = append(opts, tgbotapimetrics.On(k, func(context.Context, tgbotapi.Update) error {
				ran = string(k)
				return nil
			}))
		}
		if err := newRouter(t, opts...).HandleUpdate(context.Background(), command(1, "/nope")); err != nil {
			t.Fatal(err)
		}
		e := promtest.Scrape(t, m.Handler())
		if ran != tc.want {
			t.Errorf("routes %v: %q ran, want %q", tc.kinds, ran, tc.want)
		}
		if tc.name == "" {
			if n := e.Series(actiontest.Count); n != 0 {
				t.Errorf("routes %v: %d series, want none", tc.kinds, n)
			}
			continue
		}
		actiontest.Want(t, e, tc.name, 1, 0)
	}
}

func TestNewReportsMistakes(t *testing.T) {
	h := func(context.Context, tgbotapi.Update) error { return nil }
	for _, tc := range []struct {
		opts []tgbotapimetrics.Option
		want string
	}{
		{[]tgbotapimetrics.Option{tgbotapimetrics.Command("", h)}, `command "": want 1 to 32 characters of [A-Za-z0-9_]`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.Command("my-cmd", h)}, `command "my-cmd": want 1 to 32 characters of [A-Za-z0-9_]`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.Command(strings.Repeat("a", 33), h)}, `want 1 to 32 characters`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.Command("start", nil)}, `command start: nil handler`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.Command("start", h), tgbotapimetrics.Command("/start", h)}, `command start: registered twice`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.Command("start", h, tgbotapimetrics.Name("Start!"))}, `command start: telegram: action name "Start!": character 'S' at 0 is not allowed; want only [a-z0-9_]`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.Callback("menu:1", h)}, `callback unique "menu:1": want 1 to 64 characters of [A-Za-z0-9_-]`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.Callback("menu", h), tgbotapimetrics.Callback("menu", h)}, `callback menu: registered twice`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.On("photos", h)}, `tgbotapimetrics: unknown kind "photos": want one of the telegram.Kind* constants`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.On(telegram.KindChatBoost, h)}, `tgbotapimetrics: kind "chat_boost": tgbotapi does not decode these updates, no route of it would run; want one of [text photo`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.On(telegram.KindText, h, tgbotapimetrics.Name(""))}, `kind text: telegram: action name "": want 1 to 100 characters of [a-z0-9_]`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.WithShutdownTimeout(0)}, `shutdown timeout 0s: want a positive duration`},
		{[]tgbotapimetrics.Option{tgbotapimetrics.WithLogger(nil)}, `WithLogger(nil)`},
	} {
		r, err := tgbotapimetrics.New(tc.opts...)
		if err == nil || !strings.HasPrefix(err.Error(), "tgbotapimetrics: ") || !strings.Contains(err.Error(), tc.want) || r != nil {
			t.Errorf("New: %v, %v; want nil and an error containing %q", r, err, tc.want)
		}
	}
	if err := newRouter(t).Run(context.Background(), nil, 0); err == nil || !strings.Contains(err.Error(), "0 workers: want 1 or more") {
		t.Errorf("Run with 0 workers: %v", err)
	}
}

func TestHandlerErrorAndPanic(t *testing.T) {
	m := actiontest.NewMetrics(t)
	var log bytes.Buffer
	boom := errors.New("boom")
	type value struct{ n int }
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))),
		tgbotapimetrics.Command("fail", func(context.Context, tgbotapi.Update) error { return boom }),
		tgbotapimetrics.Command("boom", func(context.Context, tgbotapi.Update) error { panicInHandler(value{42}); return nil }),
		tgbotapimetrics.Command("start", func(context.Context, tgbotapi.Update) error { return nil }),
	)
	ctx := context.Background()

	if err := r.HandleUpdate(ctx, command(1, "/fail")); err != boom {
		t.Errorf("HandleUpdate returned %v, want the handler's own error", err)
	}
	err := r.HandleUpdate(ctx, command(2, "/boom"))
	var pe *tgbotapimetrics.PanicError
	if !errors.As(err, &pe) || pe.Value != (value{42}) || pe.Action != "boom_handler" || pe.UpdateID != 2 {
		t.Fatalf("HandleUpdate after a panic returned %#v, want a *PanicError with the panic value", err)
	}
	if err.Error() != "tgbotapimetrics: boom_handler panicked on update 2: {42}" {
		t.Errorf("PanicError text %q", err)
	}
	if err := r.HandleUpdate(ctx, command(3, "/start")); err != nil {
		t.Errorf("the router after a panic: %v", err)
	}

	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "fail_handler", 0, 1)
	actiontest.Want(t, e, "boom_handler", 0, 1)
	actiontest.Want(t, e, "start_handler", 1, 0)
	// HandleUpdate leaves errors to its caller; it logs a panic once, with
	// the stack down to the function that panicked.
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	if len(lines) != 1 || !strings.Contains(lines[0], `msg="telegram handler failed" action=boom_handler update_id=2 error="tgbotapimetrics: boom_handler panicked on update 2: {42}" stack=`) ||
		!strings.Contains(lines[0], "tgbotapimetrics_test.panicInHandler") {
		t.Errorf("log:\n%s", log.String())
	}
}

// TestFloodWaitIsNamed: a 429 error of tgbotapi is recorded with error_name
// flood_wait and returned as it is.
func TestFloodWaitIsNamed(t *testing.T) {
	m := actiontest.NewMetrics(t)
	flood := &tgbotapi.Error{Code: 429, Message: "Too Many Requests: retry after 5", ResponseParameters: tgbotapi.ResponseParameters{RetryAfter: 5}}
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), discard,
		tgbotapimetrics.Command("send", func(context.Context, tgbotapi.Update) error { return fmt.Errorf("reply: %w", flood) }),
		tgbotapimetrics.Command("fail", func(context.Context, tgbotapi.Update) error {
			return &tgbotapi.Error{Code: 400, Message: "Bad Request"}
		}),
	)
	if err := r.HandleUpdate(context.Background(), command(1, "/send")); !errors.Is(err, flood) {
		t.Errorf("HandleUpdate returned %v, want the handler's error", err)
	}
	_ = r.HandleUpdate(context.Background(), command(2, "/fail"))
	e := promtest.Scrape(t, m.Handler())
	for name, errorName := range map[string]string{"send_handler": metrics.ErrorNameFloodWait, "fail_handler": metrics.ErrorNameOther} {
		if c := e.Counter(t, actiontest.Count, promtest.Labels{"name": name, "status": "error", "error_name": errorName}); c != 1 {
			t.Errorf("%s error_name=%s: %v, want 1", name, errorName, c)
		}
	}
}

// TestPanicStackOncePerSite: a handler that panics on every update logs its
// stack once; a panic at another place in the code logs its own.
func TestPanicStackOncePerSite(t *testing.T) {
	var log bytes.Buffer
	r := newRouter(t, tgbotapimetrics.WithMetrics(actiontest.NewMetrics(t)), tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))),
		tgbotapimetrics.Command("boom", func(context.Context, tgbotapi.Update) error { panicInHandler("boom"); return nil }),
		tgbotapimetrics.Command("other", func(_ context.Context, u tgbotapi.Update) error {
			var m map[string]int
			//lint:ignore SA5000 the runtime panic this handler is for
			m[u.Message.Text] = 1
			return nil
		}),
	)
	for i, text := range []string{"/boom", "/boom", "/other", "/boom", "/other"} {
		if err := r.HandleUpdate(context.Background(), command(i+1, text)); err == nil {
			t.Fatalf("%s: no error", text)
		}
	}
	lines := strings.Split(strings.TrimSpace(log.String()), "\n")
	var stacks []int
	for i, l := range lines {
		if !strings.Contains(l, `msg="telegram handler failed"`) {
			t.Errorf("line %d is not a handler failure: %s", i, l)
		}
		if strings.Contains(l, " stack=") {
			stacks = append(stacks, i+1)
		}
	}
	if len(lines) != 5 || !slices.Equal(stacks, []int{1, 3}) {
		t.Errorf("stacks on updates %v of %d, want on updates 1 and 3 of 5:\n%s", stacks, len(lines), log.String())
	}
}

//go:noinline
func panicInHandler(v any) { panic(v) }

// TestCardinality: what users send never becomes a label value.
func TestCardinality(t *testing.T) {
	m := actiontest.NewMetrics(t)
	ok := func(context.Context, tgbotapi.Update) error { return nil }
	r := newRouter(t, tgbotapimetrics.WithMetrics(m),
		tgbotapimetrics.Command("start", ok), tgbotapimetrics.Callback("menu", ok),
		tgbotapimetrics.On(telegram.KindText, ok), tgbotapimetrics.On(telegram.KindCallback, ok))
	ctx := context.Background()
	const n = 1000
	for i := range n {
		for _, u := range []tgbotapi.Update{
			command(i, fmt.Sprintf("/cmd%d_%x arg%d", i, i*7919, i)),
			callback(i, fmt.Sprintf("menu:%d-%x", i, i*104729)),
			callback(i, fmt.Sprintf("btn%d|%d", i, i)),
		} {
			if err := r.HandleUpdate(ctx, u); err != nil {
				t.Fatal(err)
			}
		}
	}
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "unknown_command_handler", n, 0)
	actiontest.Want(t, e, "menu_callback_handler", n, 0)
	actiontest.Want(t, e, "callback_handler", n, 0)
	if got := e.Series(actiontest.Count); got != 3 {
		t.Errorf("%s has %d series, want 3", actiontest.Count, got)
	}
	if got := e.Series(actiontest.Duration); got != 3 {
		t.Errorf("%s has %d series, want 3", actiontest.Duration, got)
	}
}

// TestNoMetricsRecordsNothing: before metrics.Init, handlers run unchanged.
func TestNoMetricsRecordsNothing(t *testing.T) {
	if metrics.Default() != nil {
		t.Skip("metrics.Init was called in this process")
	}
	boom := errors.New("boom")
	r := newRouter(t, tgbotapimetrics.Command("fail", func(context.Context, tgbotapi.Update) error { return boom }))
	if err := r.HandleUpdate(context.Background(), command(1, "/fail")); err != boom {
		t.Errorf("HandleUpdate: %v, want %v", err, boom)
	}
}

// TestCommandsForOtherBots: in a group with several bots, a command
// addressed to another one is not ours, whatever the case of the names.
func TestCommandsForOtherBots(t *testing.T) {
	for _, tc := range []struct {
		opts []tgbotapimetrics.Option
		want string
	}{
		{[]tgbotapimetrics.Option{tgbotapimetrics.WithBotUsername("My_Bot")}, "start:1 start:2 start:3 unknown:5"},
		{[]tgbotapimetrics.Option{tgbotapimetrics.WithBotUsername("@my_bot")}, "start:1 start:2 start:3 unknown:5"},
		// Without the username every command is taken, as before.
		{nil, "start:1 start:2 start:3 start:4 unknown:5 unknown:6"},
	} {
		m := actiontest.NewMetrics(t)
		var rec recorder
		r := newRouter(t, append(tc.opts, tgbotapimetrics.WithMetrics(m),
			tgbotapimetrics.Command("start", rec.handler("start")),
			tgbotapimetrics.On(telegram.KindText, rec.handler("text")),
			tgbotapimetrics.On(telegram.KindUnknownCommand, rec.handler("unknown")))...)
		for _, u := range []tgbotapi.Update{
			command(1, "/start"), command(2, "/start@my_bot"), command(3, "/start@MY_BOT x"),
			command(4, "/start@other_bot"), command(5, "/nope@my_bot"), command(6, "/nope@other_bot"),
		} {
			if err := r.HandleUpdate(context.Background(), u); err != nil {
				t.Fatal(err)
			}
		}
		if got := strings.Join(rec.seen, " "); got != tc.want {
			t.Errorf("%d options: handlers ran %q, want %q", len(tc.opts), got, tc.want)
		}
		e := promtest.Scrape(t, m.Handler())
		want := strings.Count(tc.want, "start:")
		actiontest.Want(t, e, "start_handler", want, 0)
		if got := e.Sum(actiontest.Count, nil); got != float64(len(rec.seen)) {
			t.Errorf("%v runs recorded, want %d: a command for another bot is not ours", got, len(rec.seen))
		}
	}
}

func TestWithBotUsernameInvalid(t *testing.T) {
	for _, name := range []string{"", "bot", "@", "my bot", "my-bot", strings.Repeat("b", 33)} {
		if _, err := tgbotapimetrics.New(tgbotapimetrics.WithBotUsername(name)); err == nil || !strings.Contains(err.Error(), "5 to 32 characters") {
			t.Errorf("WithBotUsername(%q): error %v, want one naming what is allowed", name, err)
		}
	}
}

// TestUpdateTypes: every update type tgbotapi decodes is recorded under its
// Bot API name, with the date the contract gives it, routed or not (this
// router has no route); one it does not decode, given to HandleUpdate, is
// other.
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

// A handler run by HandleUpdate in a context that carries a span is tracked
// in that context: its duration has the span as exemplar.
func TestHandlerExemplar(t *testing.T) {
	m, err := metrics.New("bot", "dev", metrics.WithRegistry(prometheus.NewRegistry()), metrics.WithExemplars())
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), tgbotapimetrics.Command("start", rec.handler("start")))
	ctx := spantest.Context(context.Background(), spantest.TraceID, spantest.SpanID)
	if err := r.HandleUpdate(ctx, command(1, "/start")); err != nil {
		t.Fatal(err)
	}
	page := promtest.ScrapeOpenMetrics(t, m.Handler())
	if got := spantest.Lines(page, "genapp_action_duration_sec_bucket{", `name="start_handler"`, spantest.Exemplar); len(got) != 1 {
		t.Errorf("start_handler buckets with the span's exemplar %q, want 1:\n%s", got, page)
	}
}
