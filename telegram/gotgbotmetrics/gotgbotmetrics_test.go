package gotgbotmetrics_test

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/callbackquery"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/inlinequery"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/message"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
)

// offlineBot is a bot that never calls the Bot API: the tests here
// dispatch updates with Dispatcher.ProcessUpdate.
var offlineBot = &gotgbot.Bot{Token: "1:TOKEN", User: gotgbot.User{Id: 1, IsBot: true, Username: "test_bot"}}

func ok(*gotgbot.Bot, *ext.Context) error { return nil }

// newBot is a gotgbot bot on the Bot API at url, with the token kept in an
// httpclient.NewTelegram client recording in m, and the placeholder in the
// bot; it returns the client, for the Poller. It calls getMe, as
// gotgbot.NewBot does.
func newBot(t testing.TB, url, token string, m *metrics.Metrics) (*gotgbot.Bot, *http.Client) {
	t.Helper()
	client := httpclient.NewTelegram(token, httpclient.WithMetrics(m), httpclient.WithTimeout(30*time.Second))
	b, err := gotgbot.NewBot(httpclient.TokenPlaceholder, &gotgbot.BotOpts{BotClient: &gotgbot.BaseBotClient{
		Client:             *client,
		DefaultRequestOpts: &gotgbot.RequestOpts{APIURL: url, Timeout: 5 * time.Second},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b, client
}

// track returns a Tracker on d recording in m.
func track(t testing.TB, d *ext.Dispatcher, m *metrics.Metrics) *gotgbotmetrics.Tracker {
	t.Helper()
	tr, err := gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m))
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

// collector collects what a dispatcher or a poller reports.
type collector struct {
	mu     sync.Mutex
	errors []error
	panics []any
}

func (c *collector) err(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors = append(c.errors, err)
}

func (c *collector) errs() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errors...)
}

// dispatcherOpts report handler errors and panics to c, as a bot would log
// them.
func (c *collector) dispatcherOpts() *ext.DispatcherOpts {
	return &ext.DispatcherOpts{
		Error: func(_ *gotgbot.Bot, _ *ext.Context, err error) ext.DispatcherAction {
			c.err(err)
			return ext.DispatcherActionNoop
		},
		Panic: func(_ *gotgbot.Bot, _ *ext.Context, r any) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.panics = append(c.panics, r)
		},
		UnhandledErrFunc: c.err,
	}
}

// textUpdate is a private message with text, a bot_command entity on a
// leading command as Telegram sends it.
func textUpdate(text string) *gotgbot.Update {
	m := &gotgbot.Message{MessageId: 1, Date: time.Now().Unix(), Chat: gotgbot.Chat{Id: 7, Type: "private"}, From: &gotgbot.User{Id: 7}, Text: text}
	if strings.HasPrefix(text, "/") {
		n := len(strings.Fields(text)[0])
		m.Entities = []gotgbot.MessageEntity{{Type: "bot_command", Offset: 0, Length: int64(n)}}
	}
	return &gotgbot.Update{UpdateId: 1, Message: m}
}

func callbackUpdate(data string) *gotgbot.Update {
	return &gotgbot.Update{UpdateId: 2, CallbackQuery: &gotgbot.CallbackQuery{Id: "1", From: gotgbot.User{Id: 7}, Data: data}}
}

// namedType is a handler of a type of the user's own.
type namedType struct{ ext.Handler }

// TestDerivedNames: every kind of handler is recorded under the name its
// type and filter give it, and keeps its own Name.
func TestDerivedNames(t *testing.T) {
	cmd := handlers.NewCommand("Start_Now", ok)
	for _, tc := range []struct {
		h    ext.Handler
		u    *gotgbot.Update
		want string
	}{
		{handlers.NewCommand("start", ok), textUpdate("/start"), "start_handler"},
		{&cmd, textUpdate("/start_now@test_bot x"), "start_now_handler"},
		{handlers.NewMessage(message.Text, ok), textUpdate("hi"), "text_handler"},
		{handlers.NewMessage(message.Photo, ok), &gotgbot.Update{Message: &gotgbot.Message{Photo: []gotgbot.PhotoSize{{FileId: "x"}}}}, "photo_handler"},
		{handlers.NewMessage(message.Equal("hi"), ok), textUpdate("hi"), "message_handler"},
		{handlers.NewMessage(nil, ok), textUpdate("hi"), "message_handler"},
		{handlers.NewCallback(callbackquery.Prefix("menu"), ok), callbackUpdate("menu:1"), "callback_handler"},
		{handlers.NewInlineQuery(inlinequery.All, ok), &gotgbot.Update{InlineQuery: &gotgbot.InlineQuery{Id: "1", Query: "q"}}, "inline_query_handler"},
		{handlers.NewNamedhandler("my-own-name", handlers.NewCommand("help", ok)), textUpdate("/help"), "help_handler"},
		{namedType{handlers.NewCommand("x", ok)}, textUpdate("/x"), "named_type_handler"},
		{&handlers.Named{CustomName: "mine", Handler: handlers.NewMessage(message.Text, ok)}, textUpdate("hi"), "text_handler"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			m := actiontest.NewMetrics(t)
			d := ext.NewDispatcher(nil)
			track(t, d, m).AddHandler(tc.h)
			if err := d.ProcessUpdate(offlineBot, tc.u, nil); err != nil {
				t.Fatal(err)
			}
			e := promtest.Scrape(t, m.Handler())
			actiontest.Want(t, e, tc.want, 1, 0)
			if n := actiontest.Runs(e); n != 1 {
				t.Errorf("%d runs recorded, want 1", n)
			}
			if !d.RemoveHandlerFromGroup(tc.h.Name(), 0) {
				t.Errorf("the handler is not registered under its own name %q", tc.h.Name())
			}
		})
	}
}

// TestNamedNothing: a handlers.Named around no handler registers, and the
// panic gotgbot's dispatcher meets on it is recovered as without tracking.
func TestNamedNothing(t *testing.T) {
	var got collector
	d := ext.NewDispatcher(got.dispatcherOpts())
	track(t, d, actiontest.NewMetrics(t)).AddHandler(handlers.Named{CustomName: "empty"})
	if err := d.ProcessUpdate(offlineBot, textUpdate("hi"), nil); err != nil {
		t.Fatal(err)
	}
	if len(got.panics) != 1 {
		t.Errorf("the Panic handler got %v, want gotgbot's panic on the empty handler", got.panics)
	}
}

// TestNew: a nil dispatcher is an error, not a panic.
func TestNew(t *testing.T) {
	if tr, err := gotgbotmetrics.New(nil); tr != nil || err == nil || !strings.Contains(err.Error(), "nil *ext.Dispatcher") {
		t.Errorf("New(nil) = %v, %v; want nil and an error naming the nil dispatcher", tr, err)
	}
}

// TestRegisterAs: a valid name replaces the derived one, in the group
// given; a bad name, a bad button unique or a nil handler is an error
// that says what is allowed, and registers nothing.
func TestRegisterAs(t *testing.T) {
	m := actiontest.NewMetrics(t)
	d := ext.NewDispatcher(nil)
	tr := track(t, d, m)
	for _, bad := range []string{"", "Menu", "menu-handler", "menu handler", strings.Repeat("a", 101)} {
		if err := tr.AddHandlerAs(bad, handlers.NewCallback(nil, ok)); err == nil || !strings.HasPrefix(err.Error(), "gotgbotmetrics: ") || !strings.Contains(err.Error(), "[a-z0-9_]") {
			t.Errorf("AddHandlerAs(%q) = %v, want an error naming the allowed characters", bad, err)
		}
		if err := tr.AddHandlerToGroupAs(bad, handlers.NewCallback(nil, ok), 1); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) {
			t.Errorf("AddHandlerToGroupAs(%q) = %v, want an error naming it", bad, err)
		}
	}
	for _, bad := range []string{"", "menu:1", "menu|1", strings.Repeat("m", 65)} {
		if err := tr.AddCallback(bad, ok); err == nil || !strings.Contains(err.Error(), fmt.Sprintf("%q", bad)) || !strings.Contains(err.Error(), "[A-Za-z0-9_-]") {
			t.Errorf("AddCallback(%q) = %v, want an error naming it and what is allowed", bad, err)
		}
	}
	if err := tr.AddHandlerAs("menu_handler", nil); err == nil {
		t.Error("AddHandlerAs with a nil handler: no error")
	}
	if err := tr.AddCallbackToGroup("menu", nil, 1); err == nil || !strings.Contains(err.Error(), `"menu"`) {
		t.Errorf("AddCallbackToGroup with a nil response = %v, want an error naming the button", err)
	}
	if err := d.ProcessUpdate(offlineBot, callbackUpdate("menu:1"), nil); err != nil {
		t.Fatal(err)
	}
	if n := actiontest.Runs(promtest.Scrape(t, m.Handler())); n != 0 {
		t.Fatalf("%d runs recorded: a rejected handler was registered", n)
	}

	next := func(*gotgbot.Bot, *ext.Context) error { return ext.ContinueGroups }
	if err := tr.AddHandlerAs("menu_prefix_handler", handlers.NewCallback(callbackquery.Prefix("menu:"), next)); err != nil {
		t.Fatal(err)
	}
	if err := tr.AddHandlerToGroupAs("any_button_handler", handlers.NewCallback(nil, ok), 2); err != nil {
		t.Fatal(err)
	}
	if err := tr.AddCallbackToGroup("menu", ok, 1); err != nil {
		t.Fatal(err)
	}
	if err := d.ProcessUpdate(offlineBot, callbackUpdate("menu:1"), nil); err != nil {
		t.Fatal(err)
	}
	e := promtest.Scrape(t, m.Handler())
	for _, name := range []string{"menu_prefix_handler", "menu_callback_handler", "any_button_handler"} {
		actiontest.Want(t, e, name, 1, 0)
	}
	for group, name := range map[int]string{0: "menu_prefix_handler", 1: "menu_callback_handler", 2: "any_button_handler"} {
		if !d.RemoveGroup(group) {
			t.Errorf("%s: group %d is empty", name, group)
		}
	}
}

// TestUnknownCommands: a text handler that takes a command no tracked
// Command takes records unknown_command_handler; a registered command that
// reaches it (its Command is later in the group), text that only looks
// like a command, and other message handlers keep their names.
func TestUnknownCommands(t *testing.T) {
	m := actiontest.NewMetrics(t)
	d := ext.NewDispatcher(nil)
	tr := track(t, d, m)
	tr.AddHandler(handlers.NewMessage(message.Text, ok))
	tr.AddHandler(handlers.NewCommand("help", ok))
	tr.AddHandlerToGroup(handlers.NewMessage(message.All, ok), 1)
	for _, text := range []string{"/nope", "/NOPE@test_bot arg", "/help", "/Help@test_bot", "hello /nope", "/", "/ x"} {
		if err := d.ProcessUpdate(offlineBot, textUpdate(text), nil); err != nil {
			t.Fatal(err)
		}
	}
	u := textUpdate("/bold") // a bold "/bold": not a command
	u.Message.Entities = []gotgbot.MessageEntity{{Type: "bold", Offset: 0, Length: 5}}
	if err := d.ProcessUpdate(offlineBot, u, nil); err != nil {
		t.Fatal(err)
	}
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "unknown_command_handler", 2, 0)
	actiontest.Want(t, e, "text_handler", 6, 0)
	actiontest.Want(t, e, "message_handler", 8, 0)
}

// TestOutcomes: nil and the dispatcher's sentinels are "ok", an error is
// "error" and reaches the dispatcher's Error handler unchanged, a 429 is
// flood_wait, and a panic is "error" and reaches its Panic handler.
func TestOutcomes(t *testing.T) {
	flood := &gotgbot.TelegramError{Method: "sendMessage", Code: 429, Description: "Too Many Requests: retry after 5"}
	failed := errors.New("failed")
	for _, tc := range []struct {
		name      string
		err       error
		panics    bool
		errorName string
	}{
		{"nil", nil, false, ""},
		{"end_groups", ext.EndGroups, false, ""},
		{"continue_groups", fmt.Errorf("wrapped: %w", ext.ContinueGroups), false, ""},
		{"error", failed, false, "error"},
		{"flood", flood, false, "flood_wait"},
		{"panic", nil, true, "panic"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := actiontest.NewMetrics(t)
			var got collector
			d := ext.NewDispatcher(got.dispatcherOpts())
			track(t, d, m).AddHandler(handlers.NewCommand("x", func(*gotgbot.Bot, *ext.Context) error {
				if tc.panics {
					panic("x panicked")
				}
				return tc.err
			}))
			if err := d.ProcessUpdate(offlineBot, textUpdate("/x"), nil); err != nil {
				t.Fatal(err)
			}
			e := promtest.Scrape(t, m.Handler())
			if tc.errorName == "" {
				actiontest.Want(t, e, "x_handler", 1, 0)
			} else {
				actiontest.Want(t, e, "x_handler", 0, 1)
				if n := e.Sum(actiontest.Count, promtest.Labels{"name": "x_handler", "error_name": tc.errorName}); n != 1 {
					t.Errorf("error_name %q: %v runs, want 1", tc.errorName, n)
				}
			}
			got.mu.Lock()
			defer got.mu.Unlock()
			switch {
			case tc.panics && (len(got.panics) != 1 || got.panics[0] != "x panicked"):
				t.Errorf("the Panic handler got %v, want the panic", got.panics)
			case tc.errorName != "" && !tc.panics && (len(got.errors) != 1 || got.errors[0] != tc.err):
				t.Errorf("the Error handler got %v, want %v unchanged", got.errors, tc.err)
			case tc.errorName == "" && len(got.errors) != 0:
				t.Errorf("the Error handler got %v, want nothing", got.errors)
			}
		})
	}
}

// TestNoMetrics: with no metrics (a nil *metrics.Metrics, or Default before
// Init) handlers run as without tracking.
func TestNoMetrics(t *testing.T) {
	for _, opts := range [][]gotgbotmetrics.Option{{gotgbotmetrics.WithMetrics(nil)}, nil} {
		if metrics.Default() != nil {
			t.Skip("metrics.Default is set by another test")
		}
		ran := false
		d := ext.NewDispatcher(nil)
		tr, err := gotgbotmetrics.New(d, opts...)
		if err != nil {
			t.Fatal(err)
		}
		tr.AddHandler(handlers.NewCommand("x", func(*gotgbot.Bot, *ext.Context) error { ran = true; return nil }))
		if err := d.ProcessUpdate(offlineBot, textUpdate("/x"), nil); err != nil || !ran {
			t.Errorf("ProcessUpdate = %v, handler ran: %v", err, ran)
		}
	}
}

// TestConcurrentDispatch: updates handled on many goroutines at once, as
// the dispatcher does, while handlers are registered: every run is
// recorded once (run with -race).
func TestConcurrentDispatch(t *testing.T) {
	m := actiontest.NewMetrics(t)
	d := ext.NewDispatcher(nil)
	tr := track(t, d, m)
	tr.AddHandler(handlers.NewCommand("start", ok))
	tr.AddHandler(handlers.NewMessage(message.Text, ok))
	const workers, each = 8, 200
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				text := "/start"
				if i%2 == 1 {
					text = "/other"
				}
				if err := d.ProcessUpdate(offlineBot, textUpdate(text), nil); err != nil {
					t.Error(err)
					return
				}
			}
		})
		wg.Go(func() { tr.AddHandlerToGroup(handlers.NewCommand(fmt.Sprintf("c%d", w), ok), 1) })
	}
	wg.Wait()
	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "start_handler", workers*each/2, 0)
	actiontest.Want(t, e, "unknown_command_handler", workers*each/2, 0)
}

// TestInFlight: a burst of slow handlers is in flight while they run, and
// nothing is once they have returned, those that panicked (which gotgbot's
// dispatcher recovers above the tracked Processor) included.
func TestInFlight(t *testing.T) {
	m := actiontest.NewMetrics(t)
	d := ext.NewDispatcher(&ext.DispatcherOpts{Panic: func(*gotgbot.Bot, *ext.Context, any) {}})
	tr := track(t, d, m)
	release := make(chan struct{})
	var started sync.WaitGroup
	tr.AddHandler(handlers.NewCommand("slow", func(*gotgbot.Bot, *ext.Context) error { started.Done(); <-release; return nil }))
	tr.AddHandler(handlers.NewCommand("boom", func(*gotgbot.Bot, *ext.Context) error { started.Done(); <-release; panic("boom") }))
	const burst = 10
	started.Add(burst)
	var done sync.WaitGroup
	for i := range burst {
		text := "/slow"
		if i%5 == 0 {
			text = "/boom"
		}
		done.Go(func() { d.ProcessUpdate(offlineBot, textUpdate(text), nil) })
	}
	started.Wait()
	if n := actiontest.Gauge(promtest.Scrape(t, m.Handler()), actiontest.InFlight); n != burst {
		t.Errorf("%s = %v while %d handlers run, want %d", actiontest.InFlight, n, burst, burst)
	}
	close(release)
	done.Wait()
	if n := actiontest.Gauge(promtest.Scrape(t, m.Handler()), actiontest.InFlight); n != 0 {
		t.Errorf("%s = %v once every handler returned, want 0", actiontest.InFlight, n)
	}
}

// TestUpdateTypes: an update counts under the gotgbot field that is set,
// with the lag of its own stamp (an edit's edit_date, a join request's
// date); callbacks, which carry none, observe no lag.
func TestUpdateTypes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	d := ext.NewDispatcher(nil)
	track(t, d, m).AddHandler(handlers.NewMessage(message.All, ok))
	now := time.Now().Unix()
	for _, u := range []*gotgbot.Update{
		textUpdate("hi"),
		{EditedMessage: &gotgbot.Message{Date: now - 3600, EditDate: now, Chat: gotgbot.Chat{Id: 1}}},
		callbackUpdate("x"),
		{ChatJoinRequest: &gotgbot.ChatJoinRequest{Date: now}},
		{MessageReactionCount: &gotgbot.MessageReactionCountUpdated{Date: now}},
		{PollAnswer: &gotgbot.PollAnswer{PollId: "1"}},
		{UpdateId: 9}, // a type this gotgbot does not know
	} {
		if err := d.ProcessUpdate(offlineBot, u, nil); err != nil {
			t.Fatal(err)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	for _, typ := range []string{"message", "edited_message", "callback_query", "chat_join_request", "message_reaction_count", "poll_answer", "other"} {
		if n := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ}); n != 1 {
			t.Errorf("%s{type=%q} = %v, want 1", actiontest.Updates, typ, n)
		}
	}
	for _, typ := range []string{"message", "edited_message", "chat_join_request", "message_reaction_count"} {
		if n, sum := e.Histogram(t, actiontest.Lag, promtest.Labels{"type": typ}); n != 1 || sum > 60 {
			t.Errorf("%s{type=%q}: %d observations, sum %v; want 1 under a minute (an edit's lag runs from its edit_date)", actiontest.Lag, typ, n, sum)
		}
	}
	for _, typ := range []string{"callback_query", "poll_answer", "other"} {
		if got := e.Find(actiontest.Lag, promtest.Labels{"type": typ}); len(got) != 0 && got[0].GetHistogram().GetSampleCount() != 0 {
			t.Errorf("%s observed a lag", typ)
		}
	}
}

// TestBotStatus: gotgbot decodes a new_chat_member into one type per status
// behind its ChatMember interface, nil when there is none; each counts
// under the Bot API's status, with the chat's type, and none under "other".
func TestBotStatus(t *testing.T) {
	const statusChanges = "genapp_telegram_bot_status_changes_total"
	m := actiontest.NewMetrics(t)
	d := ext.NewDispatcher(nil)
	track(t, d, m)
	for _, member := range []gotgbot.ChatMember{
		gotgbot.ChatMemberOwner{}, gotgbot.ChatMemberAdministrator{}, gotgbot.ChatMemberMember{},
		gotgbot.ChatMemberRestricted{}, gotgbot.ChatMemberLeft{}, gotgbot.ChatMemberBanned{}, nil,
	} {
		u := &gotgbot.Update{MyChatMember: &gotgbot.ChatMemberUpdated{Chat: gotgbot.Chat{Id: -1, Type: "channel"}, From: gotgbot.User{Id: 1}, NewChatMember: member}}
		if err := d.ProcessUpdate(offlineBot, u, nil); err != nil {
			t.Fatal(err)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	for _, status := range []string{"creator", "administrator", "member", "restricted", "left", "kicked", "other"} {
		if got := e.Sum(statusChanges, promtest.Labels{"chat_type": "channel", "status": status}); got != 1 {
			t.Errorf("%s{status=%q} = %v, want 1", statusChanges, status, got)
		}
	}
	if n := e.Series(statusChanges); n != 7 {
		t.Errorf("%d series of %s, want 7", n, statusChanges)
	}
}
