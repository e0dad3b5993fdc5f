package gotgbotmetrics_test

import (
	"errors"
	"fmt"
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

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
)

// offlineBot is a bot that never calls the Bot API: the tests here
// dispatch updates with Dispatcher.ProcessUpdate.
var offlineBot = &gotgbot.Bot{Token: "1:TOKEN", User: gotgbot.User{Id: 1, IsBot: true, Username: "test_bot"}}

func ok(*gotgbot.Bot, *ext.Context) error { return nil }

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
			gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m)).AddHandler(tc.h)
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
	gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(actiontest.NewMetrics(t))).AddHandler(handlers.Named{CustomName: "empty"})
	if err := d.ProcessUpdate(offlineBot, textUpdate("hi"), nil); err != nil {
		t.Fatal(err)
	}
	if len(got.panics) != 1 {
		t.Errorf("the Panic handler got %v, want gotgbot's panic on the empty handler", got.panics)
	}
}

// TestAddHandlerAs: a valid name replaces the derived one; a bad name is
// an error that says what is allowed, and registers nothing.
func TestAddHandlerAs(t *testing.T) {
	m := actiontest.NewMetrics(t)
	d := ext.NewDispatcher(nil)
	tr := gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m))
	for _, bad := range []string{"", "Menu", "menu-handler", "menu handler", strings.Repeat("a", 101)} {
		if err := tr.AddHandlerAs(bad, 0, handlers.NewCallback(nil, ok)); err == nil || !strings.Contains(err.Error(), "[a-z0-9_]") {
			t.Errorf("AddHandlerAs(%q) = %v, want an error naming the allowed characters", bad, err)
		}
	}
	if err := tr.AddHandlerAs("menu_handler", 0, nil); err == nil {
		t.Error("AddHandlerAs with a nil handler: no error")
	}
	if err := d.ProcessUpdate(offlineBot, callbackUpdate("menu:1"), nil); err != nil {
		t.Fatal(err)
	}
	if n := actiontest.Runs(promtest.Scrape(t, m.Handler())); n != 0 {
		t.Fatalf("%d runs recorded: a rejected handler was registered", n)
	}
	if err := tr.AddHandlerAs("menu_callback_handler", 0, handlers.NewCallback(callbackquery.Prefix("menu:"), ok)); err != nil {
		t.Fatal(err)
	}
	if err := d.ProcessUpdate(offlineBot, callbackUpdate("menu:1"), nil); err != nil {
		t.Fatal(err)
	}
	actiontest.Want(t, promtest.Scrape(t, m.Handler()), "menu_callback_handler", 1, 0)
}

// TestUnknownCommands: a text handler that takes a command no tracked
// Command takes records unknown_command_handler; a registered command that
// reaches it (its Command is later in the group), text that only looks
// like a command, and other message handlers keep their names.
func TestUnknownCommands(t *testing.T) {
	m := actiontest.NewMetrics(t)
	d := ext.NewDispatcher(nil)
	tr := gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m))
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
			gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m)).AddHandler(handlers.NewCommand("x", func(*gotgbot.Bot, *ext.Context) error {
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
		gotgbotmetrics.New(d, opts...).AddHandler(handlers.NewCommand("x", func(*gotgbot.Bot, *ext.Context) error { ran = true; return nil }))
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
	tr := gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m))
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
