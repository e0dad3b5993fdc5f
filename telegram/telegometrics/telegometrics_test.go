package telegometrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"
	th "github.com/mymmrac/telego/telegohandler"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegometrics"
)

// logs is a telego.Logger that keeps every line, for tests to read.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) Debugf(format string, args ...any) { l.add("DEBUG "+format, args) }
func (l *logs) Errorf(format string, args ...any) { l.add("ERROR "+format, args) }

func (l *logs) add(format string, args []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logs) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// newBot is a telego bot on the Bot API at url with the real token kept in
// an httpclient.NewTelegram client recording in m; its log lines, debug
// ones included, go to the returned logs.
func newBot(t testing.TB, url, token string, m *metrics.Metrics) (*telego.Bot, *http.Client, *logs) {
	t.Helper()
	l := &logs{}
	client := httpclient.NewTelegram(token, httpclient.WithMetrics(m))
	bot, err := telego.NewBot(telegometrics.TokenPlaceholder, telegometrics.WithClient(client),
		telego.WithAPIServer(url), telego.WithLogger(l), telego.WithDebugMode())
	if err != nil {
		t.Fatal(err)
	}
	return bot, client, l
}

// newTracker is New on r with opts, which must be good.
func newTracker(t testing.TB, r telegometrics.Router, opts ...telegometrics.Option) *telegometrics.Tracker {
	t.Helper()
	tr, err := telegometrics.New(r, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// ok is a handler that succeeds.
func ok(*th.Context, telego.Update) error { return nil }

// counting is a Router that counts registrations.
type counting struct{ routes, middlewares, groups int }

func (c *counting) Handle(th.Handler, ...th.Predicate) { c.routes++ }
func (c *counting) Use(m ...th.Handler)                { c.middlewares += len(m) }
func (c *counting) Group(...th.Predicate) *th.HandlerGroup {
	c.groups++
	return &th.HandlerGroup{}
}

// TestNew: New installs one middleware on its router; a nil router, typed
// or not, and a nil option are errors that say so, and nothing is
// installed.
func TestNew(t *testing.T) {
	r := &counting{}
	newTracker(t, r)
	if r.middlewares != 1 || r.routes != 0 {
		t.Errorf("New installed %d middlewares and %d routes, want 1 and 0", r.middlewares, r.routes)
	}
	for _, tc := range []struct {
		r    telegometrics.Router
		want string
	}{
		{nil, "nil router"},
		{(*th.BotHandler)(nil), "nil *th.BotHandler"},
		{(*th.HandlerGroup)(nil), "nil *th.HandlerGroup"},
	} {
		if tr, err := telegometrics.New(tc.r); tr != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%#v) = %v, %v; want an error naming the %s", tc.r, tr, err, tc.want)
		}
	}
	r = &counting{}
	if tr, err := telegometrics.New(r, telegometrics.WithMetrics(nil), nil); tr != nil || err == nil || !strings.Contains(err.Error(), "telegometrics: New: option 2 of 2 is nil") || r.middlewares != 0 {
		t.Errorf("New with a nil option = %v, %v, %d middlewares", tr, err, r.middlewares)
	}
}

// TestBadRoutes: every bad registration is an error that says what is
// wrong and what is allowed, and registers nothing, where telego panics
// (nil handler or predicate) or silently never matches.
func TestBadRoutes(t *testing.T) {
	for _, tc := range []struct {
		name string
		reg  func(*telegometrics.Tracker) error
		want string
	}{
		{"empty command", func(tr *telegometrics.Tracker) error { return tr.Command("", ok) }, "want 1 to 32 characters of [A-Za-z0-9_]"},
		{"slash", func(tr *telegometrics.Tracker) error { return tr.Command("/start", ok) }, `without the "/"`},
		{"long command", func(tr *telegometrics.Tracker) error { return tr.Command(strings.Repeat("a", 33), ok) }, "1 to 32"},
		{"unique", func(tr *telegometrics.Tracker) error { return tr.Callback("menu|x", ok) }, "[A-Za-z0-9_-]"},
		{"kind", func(tr *telegometrics.Tracker) error { return tr.On("gif", ok) }, `telegometrics: On: unknown kind "gif"`},
		{"name", func(tr *telegometrics.Tracker) error { return tr.HandleAs("Start", ok) }, "want only [a-z0-9_]"},
		{"nil handler", func(tr *telegometrics.Tracker) error { return tr.Command("start", nil) }, "start_handler: nil handler"},
		{"nil predicate", func(tr *telegometrics.Tracker) error { return tr.On(telegram.KindText, ok, th.Any(), nil) }, "predicate 2 of 2 is nil"},
		{"nil group predicate", func(tr *telegometrics.Tracker) error { _, err := tr.Group(th.AnyMessage(), nil); return err }, "Group: predicate 2 of 2 is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &counting{}
			err := tc.reg(newTracker(t, r))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if r.routes != 0 || r.groups != 0 {
				t.Errorf("%d routes and %d groups registered, want none", r.routes, r.groups)
			}
		})
	}
}

// TestOutcomes: the tracked handler's error is returned unchanged and named
// by its cause, a 429 "flood_wait"; a panic is recorded and continues.
func TestOutcomes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _, _ := newBot(t, "http://127.0.0.1:1", token, nil)
	g := &th.HandlerGroup{}
	tr := newTracker(t, g, telegometrics.WithMetrics(m))
	flood := &ta.Error{ErrorCode: 429, Description: "Too Many Requests", Parameters: &ta.ResponseParameters{RetryAfter: 3}}
	err := errors.Join(
		tr.Command("flood", func(*th.Context, telego.Update) error { return flood }),
		tr.Command("boom", func(*th.Context, telego.Update) error { panic("boom") }),
		tr.On(telegram.KindMessage, ok),
	)
	if err != nil {
		t.Fatal(err)
	}
	msg := func(text string) telego.Update {
		return telego.Update{UpdateID: 1, Message: &telego.Message{Chat: telego.Chat{ID: 1}, Text: text}}
	}
	if err := g.HandleUpdate(context.Background(), bot, msg("/flood")); err != flood {
		t.Errorf("HandleUpdate returned %v, want the handler's error unchanged", err)
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the handler's panic", r)
			}
		}()
		g.HandleUpdate(context.Background(), bot, msg("/boom"))
	}()
	g.HandleUpdate(context.Background(), bot, msg("/flood2")) // a command no route takes
	g.HandleUpdate(context.Background(), bot, msg("hello"))

	e := promtest.Scrape(t, m.Handler())
	for _, want := range []struct {
		name, errorName string
	}{{"flood_handler", "flood_wait"}, {"boom_handler", "panic"}} {
		if got := e.Sum(actiontest.Count, promtest.Labels{"name": want.name, "status": "error", "error_name": want.errorName}); got != 1 {
			t.Errorf("%s: %v runs with error_name %q, want 1", want.name, got, want.errorName)
		}
	}
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	actiontest.Want(t, e, "message_handler", 1, 0)
}

// TestKinds: On takes every telegram.Kind, each route named after its
// kind, and takes an update of the kind.
func TestKinds(t *testing.T) {
	for _, kind := range telegram.Kinds() {
		r := &counting{}
		if err := newTracker(t, r).On(kind, ok); err != nil || r.routes != 1 {
			t.Errorf("On(%q) = %v, %d routes", kind, err, r.routes)
		}
	}
	m := actiontest.NewMetrics(t)
	bot, _, _ := newBot(t, "http://127.0.0.1:1", token, nil)
	g := &th.HandlerGroup{}
	tr := newTracker(t, g, telegometrics.WithMetrics(m))
	if err := errors.Join(tr.On(telegram.KindPhoto, ok), tr.On(telegram.KindChatJoinRequest, ok), tr.On(telegram.KindCallback, ok)); err != nil {
		t.Fatal(err)
	}
	for _, u := range []telego.Update{
		{UpdateID: 1, Message: &telego.Message{Chat: telego.Chat{ID: 1}, Photo: []telego.PhotoSize{{FileID: "p"}}}},
		{UpdateID: 2, ChatJoinRequest: &telego.ChatJoinRequest{Chat: telego.Chat{ID: 1}}},
		{UpdateID: 3, CallbackQuery: &telego.CallbackQuery{ID: "1", Data: "x"}},
	} {
		if err := g.HandleUpdate(context.Background(), bot, u); err != nil {
			t.Fatal(err)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	for _, name := range []string{"photo_handler", "chat_join_request_handler", "callback_handler"} {
		actiontest.Want(t, e, name, 1, 0)
	}
}

// TestUpdateTypes: every update that reaches the router counts once, a
// route taking it or not, under its type's label; a message-like update's
// lag runs from its date (edit_date when edited), a member change's, join
// request's and reaction's from their date, the other types observe none.
func TestUpdateTypes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _, _ := newBot(t, "http://127.0.0.1:1", token, nil)
	g := &th.HandlerGroup{}
	tr := newTracker(t, g, telegometrics.WithMetrics(m))
	if err := tr.On(telegram.KindText, ok); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	date, edited := now.Add(-90*time.Second).Unix(), now.Add(-20*time.Second).Unix()
	for _, typ := range append(telegram.UpdateTypes(), "some_future_update") {
		body := fmt.Sprintf(`{"date":%d,"edit_date":%d,"chat":{"id":1,"type":"private"},"text":"hi"}`, date, edited)
		switch typ {
		case telegram.UpdateMyChatMember, telegram.UpdateChatMember:
			body = fmt.Sprintf(`{"date":%d,"chat":{"id":1,"type":"group"},"from":{"id":1},"old_chat_member":{"status":"member","user":{"id":1}},"new_chat_member":{"status":"left","user":{"id":1}}}`, date)
		case telegram.UpdateChatBoost:
			body = `{"chat":{"id":1,"type":"channel"},"boost":{"boost_id":"b","add_date":1,"expiration_date":2,"source":{"source":"premium","user":{"id":1}}}}`
		case telegram.UpdateRemovedChatBoost:
			body = `{"chat":{"id":1,"type":"channel"},"boost_id":"b","remove_date":1,"source":{"source":"premium","user":{"id":1}}}`
		case telegram.UpdateMessageReaction, telegram.UpdateMessageReactionCount:
			body = fmt.Sprintf(`{"date":%d,"chat":{"id":1,"type":"private"},"message_id":1,"old_reaction":[],"new_reaction":[],"reactions":[]}`, date)
		}
		u, err := telegometrics.ParseUpdate([]byte(`{"update_id":1,"` + string(typ) + `":` + body + `}`))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if err := g.HandleUpdate(context.Background(), bot, u); err != nil {
			t.Fatal(err)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	for _, typ := range append(telegram.UpdateTypes(), telegram.UpdateOther) {
		if got := e.Sum(actiontest.Updates, promtest.Labels{"type": string(typ)}); got != 1 {
			t.Errorf("updates{type=%q} = %v, want 1", typ, got)
		}
		var count uint64
		var sum float64
		if len(e.Find(actiontest.Lag, promtest.Labels{"type": string(typ)})) > 0 {
			count, sum = e.Histogram(t, actiontest.Lag, promtest.Labels{"type": string(typ)})
		}
		switch typ {
		case telegram.UpdateMessage, telegram.UpdateChannelPost, telegram.UpdateBusinessMessage,
			telegram.UpdateMyChatMember, telegram.UpdateChatMember, telegram.UpdateChatJoinRequest,
			telegram.UpdateMessageReaction, telegram.UpdateMessageReactionCount:
			if count != 1 || sum < 85 || sum > 120 {
				t.Errorf("lag{type=%q} = %d observations, %v s; want 1, about 90 s (its date)", typ, count, sum)
			}
		case telegram.UpdateEditedMessage, telegram.UpdateEditedChannelPost, telegram.UpdateEditedBusinessMessage:
			if count != 1 || sum < 15 || sum > 50 {
				t.Errorf("lag{type=%q} = %d observations, %v s; want 1, about 20 s (its edit_date)", typ, count, sum)
			}
		default:
			if count != 0 {
				t.Errorf("lag{type=%q} observed %d times; the type carries no date", typ, count)
			}
		}
	}
	actiontest.Want(t, e, "text_handler", 1, 0)
	if got := actiontest.Gauge(e, actiontest.InFlight); got != 0 {
		t.Errorf("%s = %v, want 0", actiontest.InFlight, got)
	}
}

// TestBotStatus: telego decodes a new_chat_member into one type per
// status behind its ChatMember interface; each counts under the Bot API's
// status, with the chat's type.
func TestBotStatus(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _, _ := newBot(t, "http://127.0.0.1:1", token, nil)
	g := &th.HandlerGroup{}
	newTracker(t, g, telegometrics.WithMetrics(m))
	statuses := []string{"creator", "administrator", "member", "restricted", "left", "kicked"}
	for _, status := range statuses {
		u, err := telegometrics.ParseUpdate(fmt.Appendf(nil, `{"update_id":1,"my_chat_member":{"date":1,"chat":{"id":-1,"type":"supergroup"},"from":{"id":1},`+
			`"old_chat_member":{"status":"left","user":{"id":2,"is_bot":true}},"new_chat_member":{"status":%q,"user":{"id":2,"is_bot":true}}}}`, status))
		if err != nil {
			t.Fatalf("%s: %v", status, err)
		}
		if err := g.HandleUpdate(context.Background(), bot, u); err != nil {
			t.Fatal(err)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	for _, status := range statuses {
		if got := e.Sum(botStatusChanges, promtest.Labels{"chat_type": "supergroup", "status": status}); got != 1 {
			t.Errorf("%s{status=%q} = %v, want 1", botStatusChanges, status, got)
		}
	}
	if n := e.Series(botStatusChanges); n != len(statuses) {
		t.Errorf("%d series of %s, want %d", n, botStatusChanges, len(statuses))
	}
}

const botStatusChanges = "genapp_telegram_bot_status_changes_total"

// TestGroup: routes registered in a group through Tracker.Group count
// their updates once, by the middleware New installed, as do the updates
// the group does not take; the group's predicates apply.
func TestGroup(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _, _ := newBot(t, "http://127.0.0.1:1", token, nil)
	g := &th.HandlerGroup{}
	tr := newTracker(t, g, telegometrics.WithMetrics(m))
	private, err := tr.Group(func(_ context.Context, u telego.Update) bool {
		return u.Message != nil && u.Message.Chat.Type == "private"
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := errors.Join(private.Command("start", ok), tr.Command("start", ok, th.AnyMessage())); err != nil {
		t.Fatal(err)
	}
	for _, chat := range []string{"private", "group", "private"} {
		u := telego.Update{UpdateID: 1, Message: &telego.Message{Chat: telego.Chat{ID: 1, Type: chat}, Text: "/start"}}
		if err := g.HandleUpdate(context.Background(), bot, u); err != nil {
			t.Fatal(err)
		}
	}
	if err := g.HandleUpdate(context.Background(), bot, telego.Update{UpdateID: 2, CallbackQuery: &telego.CallbackQuery{ID: "1"}}); err != nil {
		t.Fatal(err)
	}
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "start_handler", 3, 0)
	for typ, want := range map[string]float64{"message": 3, "callback_query": 1} {
		if got := e.Sum(actiontest.Updates, promtest.Labels{"type": typ}); got != want {
			t.Errorf("updates{type=%q} = %v, want %v", typ, got, want)
		}
	}
}

// TestMiddlewareOrder: the middleware New installs runs before those
// installed after it and sees the updates they drop; one that drops an
// update leaves no run, and nothing in flight.
func TestMiddlewareOrder(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _, _ := newBot(t, "http://127.0.0.1:1", token, nil)
	g := &th.HandlerGroup{}
	tr := newTracker(t, g, telegometrics.WithMetrics(m))
	g.Use(func(ctx *th.Context, u telego.Update) error {
		if u.Message != nil && u.Message.Text == "/drop" {
			return nil
		}
		return ctx.Next(u)
	})
	if err := tr.On(telegram.KindUnknownCommand, ok); err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"/drop", "/keep"} {
		if err := g.HandleUpdate(context.Background(), bot, telego.Update{UpdateID: 1, Message: &telego.Message{Chat: telego.Chat{ID: 1}, Text: text}}); err != nil {
			t.Fatal(err)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	if got := e.Sum(actiontest.Updates, nil); got != 2 {
		t.Errorf("%v updates counted, want 2", got)
	}
	actiontest.Want(t, e, telegram.UnknownCommand, 1, 0)
	if got := actiontest.Gauge(e, actiontest.InFlight); got != 0 {
		t.Errorf("%s = %v, want 0", actiontest.InFlight, got)
	}
}
