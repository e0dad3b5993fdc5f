package telebotmetrics_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"
	"gopkg.in/telebot.v3/middleware"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/telebottest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
)

// newBot returns an offline bot whose ProcessUpdate runs the handler before
// it returns, and the errors its OnError received.
func newBot(t testing.TB) (*tele.Bot, *[]error) {
	t.Helper()
	var errs []error
	bot, err := tele.NewBot(tele.Settings{
		Offline:     true,
		Synchronous: true,
		OnError:     func(err error, _ tele.Context) { errs = append(errs, err) },
	})
	if err != nil {
		t.Fatal(err)
	}
	bot.Me.Username = "testbot"
	return bot, &errs
}

// mustNew returns the Tracker of New(e, opts...), failing t on an error.
func mustNew(t testing.TB, e telebotmetrics.Endpoints, opts ...telebotmetrics.Option) *telebotmetrics.Tracker {
	t.Helper()
	tr, err := telebotmetrics.New(e, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return tr
}

func message(text string) tele.Update {
	return tele.Update{ID: 1, Message: &tele.Message{ID: 1, Text: text, Chat: &tele.Chat{ID: 7}, Sender: &tele.User{ID: 7}}}
}

func callback(data string) tele.Update {
	return tele.Update{ID: 1, Callback: &tele.Callback{ID: "c1", Data: data, Sender: &tele.User{ID: 7}}}
}

func photo() tele.Update {
	return tele.Update{ID: 1, Message: &tele.Message{ID: 1, Photo: &tele.Photo{File: tele.File{FileID: "f"}}, Chat: &tele.Chat{ID: 7}}}
}

func TestRoutesAreNamedFromRegistration(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, errs := newBot(t)
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))

	var payloads []string
	ok := func(tele.Context) error { return nil }
	menu := &tele.Btn{Unique: "menu"}
	tr.Handle("/start", ok)
	tr.Handle(menu, func(c tele.Context) error { payloads = append(payloads, c.Data()); return nil })
	tr.Handle(&tele.InlineButton{Unique: "Main-Menu"}, ok)
	tr.Handle(&tele.ReplyButton{Text: "Help me"}, ok)
	tr.Handle(tele.OnText, ok)
	tr.Handle(tele.OnCallback, ok)
	tr.Handle(tele.OnPhoto, ok)

	for _, u := range []tele.Update{
		message("/start"), message("/start payload words"),
		callback("\fmenu|42"), callback("\fmenu"),
		callback("\fMain-Menu|x"),
		message("Help me"),
		message("hello there"), message("/start@someone_else"),
		message("/nope"), message("/nope@" + bot.Me.Username + " arg"),
		callback("\fgone|1"), callback("plain data"),
		photo(),
	} {
		bot.ProcessUpdate(u)
	}

	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "start_handler", 2, 0)
	actiontest.Want(t, e, "menu_callback_handler", 2, 0)
	actiontest.Want(t, e, "main_menu_callback_handler", 1, 0)
	actiontest.Want(t, e, "help_me_button_handler", 1, 0)
	actiontest.Want(t, e, "text_handler", 1, 0)
	actiontest.Want(t, e, "unknown_command_handler", 2, 0)
	actiontest.Want(t, e, "callback_handler", 2, 0)
	actiontest.Want(t, e, "photo_handler", 1, 0)
	if got := e.Series(actiontest.Count); got != 8 {
		t.Errorf("%d series of %s, want 8 (8 names, all ok):\n%s", got, actiontest.Count, e.Text)
	}
	if fmt.Sprint(payloads) != "[42 ]" {
		t.Errorf("menu handler saw payloads %q, want [42 \"\"]", payloads)
	}
	if len(*errs) != 0 {
		t.Errorf("OnError got %v", *errs)
	}
}

func TestErrorIsRecordedAndReachesOnError(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, errs := newBot(t)
	boom := errors.New("boom")
	var globalSaw error
	bot.Use(func(next tele.HandlerFunc) tele.HandlerFunc {
		return func(c tele.Context) error { globalSaw = next(c); return globalSaw }
	})
	mustNew(t, bot, telebotmetrics.WithMetrics(m)).Handle("/fail", func(tele.Context) error { return boom })

	bot.ProcessUpdate(message("/fail"))

	actiontest.Want(t, promtest.Scrape(t, m.Handler()), "fail_handler", 0, 1)
	if globalSaw != boom {
		t.Errorf("global middleware saw %v, want %v", globalSaw, boom)
	}
	if len(*errs) != 1 || (*errs)[0] != boom {
		t.Errorf("OnError got %v, want [%v]", *errs, boom)
	}
}

// TestFloodWaitIsNamed: a 429 that telebot returns is recorded with
// error_name flood_wait, any other error as error; both are returned as
// they are.
func TestFloodWaitIsNamed(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, errs := newBot(t)
	flood := tele.FloodError{RetryAfter: 3}
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	tr.Handle("/send", func(tele.Context) error { return flood })
	tr.Handle("/fail", func(tele.Context) error { return errors.New("user 42: boom") })

	bot.ProcessUpdate(message("/send"))
	bot.ProcessUpdate(message("/fail"))

	e := promtest.Scrape(t, m.Handler())
	for name, errorName := range map[string]string{"send_handler": metrics.ErrorNameFloodWait, "fail_handler": metrics.ErrorNameOther} {
		if c := e.Counter(t, actiontest.Count, promtest.Labels{"name": name, "status": "error", "error_name": errorName}); c != 1 {
			t.Errorf("%s error_name=%s: %v, want 1", name, errorName, c)
		}
	}
	if len(*errs) != 2 || (*errs)[0] != flood {
		t.Errorf("OnError got %d errors, want the FloodError as returned first", len(*errs))
	}
}

func TestPanicWithRecoverMiddleware(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, errs := newBot(t)
	bot.Use(middleware.Recover())
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	tr.Handle("/boom", func(tele.Context) error { panic(errors.New("kaboom")) })
	tr.Handle("/start", func(tele.Context) error { return nil })

	bot.ProcessUpdate(message("/boom"))
	bot.ProcessUpdate(message("/start"))

	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "boom_handler", 0, 1)
	actiontest.Want(t, e, "start_handler", 1, 0)
	if len(*errs) != 1 || (*errs)[0].Error() != "kaboom" {
		t.Errorf("OnError got %v, want the recovered panic kaboom", *errs)
	}
}

func TestPanicWithoutRecoverContinues(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _ := newBot(t)
	type value struct{ n int }
	mustNew(t, bot, telebotmetrics.WithMetrics(m)).Handle("/boom", func(tele.Context) error { panic(value{42}) })

	var got any
	func() {
		defer func() { got = recover() }()
		bot.ProcessUpdate(message("/boom"))
	}()

	if got != (value{42}) {
		t.Errorf("recovered %#v, want the handler's own panic value", got)
	}
	actiontest.Want(t, promtest.Scrape(t, m.Handler()), "boom_handler", 0, 1)
}

// TestTrackingSitsBetweenUseAndRouteMiddleware proves the order telebot
// applies: Use middleware, then tracking, then Handle middleware. Each
// middleware looks, after the chain below it returned, at whether the run
// has already been recorded.
func TestTrackingSitsBetweenUseAndRouteMiddleware(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _ := newBot(t)
	recorded := func() bool {
		ms := promtest.Scrape(t, m.Handler()).Find(actiontest.Duration, promtest.Labels{"name": "start_handler"})
		return len(ms) == 1 && ms[0].GetHistogram().GetSampleCount() == 1
	}
	var order []string
	observe := func(who string) tele.MiddlewareFunc {
		return func(next tele.HandlerFunc) tele.HandlerFunc {
			return func(c tele.Context) error {
				order = append(order, who+" in")
				err := next(c)
				order = append(order, fmt.Sprintf("%s out, recorded=%v", who, recorded()))
				return err
			}
		}
	}
	const routeDelay = 30 * time.Millisecond
	bot.Use(observe("global"))
	g := bot.Group()
	g.Use(observe("group"))
	mustNew(t, g, telebotmetrics.WithMetrics(m)).Handle("/start", func(tele.Context) error {
		order = append(order, "handler")
		return nil
	}, observe("route"), func(next tele.HandlerFunc) tele.HandlerFunc {
		return func(c tele.Context) error { time.Sleep(routeDelay); return next(c) }
	})

	bot.ProcessUpdate(message("/start"))

	want := "global in|group in|route in|handler|route out, recorded=false|group out, recorded=true|global out, recorded=true"
	if got := strings.Join(order, "|"); got != want {
		t.Errorf("order\n got %s\nwant %s", got, want)
	}
	n, sum := promtest.Scrape(t, m.Handler()).Histogram(t, actiontest.Duration, promtest.Labels{"name": "start_handler"})
	if n != 1 || sum < routeDelay.Seconds() {
		t.Errorf("duration count=%d sum=%vs, want 1 observation including the route middleware's %v", n, sum, routeDelay)
	}
}

func TestGlobalFilterMeansNoRun(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _ := newBot(t)
	bot.Use(middleware.Whitelist(1)) // the sender of every test update is 7
	mustNew(t, bot, telebotmetrics.WithMetrics(m)).Handle("/start", func(tele.Context) error { return nil })

	bot.ProcessUpdate(message("/start"))

	if got := promtest.Scrape(t, m.Handler()).Series(actiontest.Count); got != 0 {
		t.Errorf("%d series recorded for an update a global filter dropped, want 0", got)
	}
}

func TestHandleAs(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _ := newBot(t)
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	ran := 0
	h := func(tele.Context) error { ran++; return nil }

	if err := tr.HandleAs("greet_handler", "/start", h); err != nil {
		t.Fatal(err)
	}
	if err := tr.HandleAs("chat_handler", tele.OnText, h); err != nil {
		t.Fatal(err)
	}
	err := tr.HandleAs("Greet", "/hello", h)
	if err == nil || !strings.Contains(err.Error(), "want only [a-z0-9_]") {
		t.Errorf("HandleAs with an invalid name: %v, want an error naming the allowed characters", err)
	}
	err = tr.HandleAs("x_handler", 42, h)
	if err == nil || !strings.Contains(err.Error(), "unsupported endpoint 42") {
		t.Errorf("HandleAs with an int endpoint: %v, want an unsupported endpoint error", err)
	}

	bot.ProcessUpdate(message("/start"))
	bot.ProcessUpdate(message("hi"))
	bot.ProcessUpdate(message("/hello")) // not registered: OnText, an unknown command

	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "greet_handler", 1, 0)
	actiontest.Want(t, e, "chat_handler", 1, 0)
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	if ran != 3 {
		t.Errorf("handlers ran %d times, want 3", ran)
	}
}

func TestUnsupportedEndpointPanicsAsTelebotDoes(t *testing.T) {
	bot, _ := newBot(t)
	defer func() {
		if r := recover(); r != "telebot: unsupported endpoint" {
			t.Errorf("recovered %v, want telebot's own panic", r)
		}
	}()
	mustNew(t, bot).Handle(42, func(tele.Context) error { return nil })
}

// TestNoMetricsRecordsNothing: before metrics.Init, handlers run unchanged.
func TestNoMetricsRecordsNothing(t *testing.T) {
	if metrics.Default() != nil {
		t.Skip("metrics.Init was called in this process")
	}
	bot, errs := newBot(t)
	boom := errors.New("boom")
	mustNew(t, bot).Handle("/fail", func(tele.Context) error { return boom })
	bot.ProcessUpdate(message("/fail"))
	if len(*errs) != 1 || (*errs)[0] != boom {
		t.Errorf("OnError got %v, want [%v]", *errs, boom)
	}
}

// TestCardinality: what users send never becomes a label value.
func TestCardinality(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _ := newBot(t)
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	ok := func(tele.Context) error { return nil }
	tr.Handle("/start", ok)
	tr.Handle(&tele.Btn{Unique: "menu"}, ok)
	tr.Handle(tele.OnText, ok)
	tr.Handle(tele.OnCallback, ok)

	const n = 1000
	for i := range n {
		bot.ProcessUpdate(message(fmt.Sprintf("/cmd%d_%x arg%d", i, i*7919, i)))
		bot.ProcessUpdate(callback(fmt.Sprintf("\fmenu|%d-%x", i, i*104729)))
		bot.ProcessUpdate(callback(fmt.Sprintf("\fbtn%d|%d", i, i)))
	}

	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "unknown_command_handler", n, 0)
	actiontest.Want(t, e, "menu_callback_handler", n, 0)
	actiontest.Want(t, e, "callback_handler", n, 0)
	// Three names, all ok: one count and one histogram series per name.
	if got := e.Series(actiontest.Count); got != 3 {
		t.Errorf("%s has %d series, want 3", actiontest.Count, got)
	}
	if got := e.Series(actiontest.Duration); got != 3 {
		t.Errorf("%s has %d series, want 3", actiontest.Duration, got)
	}
	if got := fmt.Sprint(e.LabelValues(actiontest.Count, "name")); got != "[callback_handler menu_callback_handler unknown_command_handler]" {
		t.Errorf("names %s", got)
	}
}

// TestProcessUpdate: ProcessUpdate counts each update once by type,
// whether a route takes it or not, its lag observed from the date the Bot
// API gives that type (edit_date for edits, none for callbacks); and the
// handlers in flight rise with a burst of slow handlers and fall back to 0.
func TestProcessUpdate(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _ := newBot(t)
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	tr.Handle(tele.OnEdited, func(tele.Context) error { return nil })
	now, long := time.Now().Unix(), time.Now().Add(-telebottest.Lag).Unix()
	chat := &tele.Chat{ID: 7}
	for _, u := range []tele.Update{
		{EditedMessage: &tele.Message{Chat: chat, Text: "x", Unixtime: long - 600, LastEdit: now}},
		{ChannelPost: &tele.Message{Chat: chat, Text: "x", Unixtime: long}},
		{Callback: &tele.Callback{ID: "1", Message: &tele.Message{Chat: chat, Unixtime: long}}},
		{ChatJoinRequest: &tele.ChatJoinRequest{Chat: chat, Sender: &tele.User{ID: 7}, Unixtime: long}},
		{Message: &tele.Message{Chat: chat, Text: "no route takes it", Unixtime: now}},
		{ID: 9}, // a type telebot does not decode, without its JSON
	} {
		tr.ProcessUpdate(bot, u)
	}
	e := promtest.Scrape(t, m.Handler())
	telebottest.CheckTypes(t, e, map[string]telebottest.Dated{
		"edited_message": telebottest.Recent, "channel_post": telebottest.Late,
		"callback_query": telebottest.Undated, "chat_join_request": telebottest.Late,
		"message": telebottest.Recent, "other": telebottest.Undated,
	})
	if got := e.Series(actiontest.Updates); got != 6 {
		t.Errorf("%d update types counted, want 6", got)
	}
	actiontest.Want(t, e, "edited_handler", 1, 0)

	release := make(chan struct{})
	tr.Handle("/slow", func(tele.Context) error { <-release; return nil })
	telebottest.Burst(t, m.Handler(), 20, func() { go tr.ProcessUpdate(bot, message("/slow")) }, release)
}

// TestBotStatus: a my_chat_member counts by the Bot API's chat type,
// which telebot's may not be (a channel without a username is
// "privatechannel" to it), and the bot's new status, its Role; one without
// a chat or a new member counts as other.
func TestBotStatus(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _ := newBot(t)
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	tr.ProcessUpdate(bot, tele.Update{MyChatMember: &tele.ChatMemberUpdate{
		Chat: &tele.Chat{ID: -100, Type: tele.ChatChannelPrivate}, Sender: &tele.User{ID: 7},
		NewChatMember: &tele.ChatMember{Role: tele.Administrator},
	}})
	tr.ProcessUpdate(bot, tele.Update{MyChatMember: &tele.ChatMemberUpdate{}})
	e := promtest.Scrape(t, m.Handler())
	for _, l := range []promtest.Labels{{"chat_type": "channel", "status": "administrator"}, {"chat_type": "other", "status": "other"}} {
		if got := e.Sum(statusChanges, l); got != 1 {
			t.Errorf("%s{chat_type=%q,status=%q} = %v, want 1", statusChanges, l["chat_type"], l["status"], got)
		}
	}
	if n := e.Series(statusChanges); n != 2 {
		t.Errorf("%d series of %s, want 2", n, statusChanges)
	}
}

const statusChanges = "genapp_telegram_bot_status_changes_total"

// TestNew: New refuses what it cannot register on, with an error that
// names it, and never panics (a nil option: adaptertest.Check).
func TestNew(t *testing.T) {
	bot, _ := newBot(t)
	for _, tc := range []struct {
		e    telebotmetrics.Endpoints
		want string
	}{
		{nil, "telebotmetrics: New(nil)"},
		{(*tele.Bot)(nil), "nil *tele.Bot"},
		{(*tele.Group)(nil), "nil *tele.Group"},
	} {
		if tr, err := telebotmetrics.New(tc.e); tr != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%#v) = %v, %v; want an error naming %s", tc.e, tr, err, tc.want)
		}
	}
	if _, err := telebotmetrics.New(bot.Group()); err != nil {
		t.Errorf("New(a group) = %v", err)
	}
}
