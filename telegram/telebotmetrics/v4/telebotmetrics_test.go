package telebotmetrics_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	tele "gopkg.in/telebot.v4"
	"gopkg.in/telebot.v4/middleware"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/telebottest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics/v4"
)

// The tracking logic is telebotcore's, tested through telebotmetrics (telebot v3);
// these tests cover what telebot v4 does differently, and the wiring.

// offlineBot returns a bot whose ProcessUpdate runs the handlers before it
// returns, and the errors its OnError received.
func offlineBot(t testing.TB) (*tele.Bot, *[]error) {
	t.Helper()
	var errs []error
	bot, err := tele.NewBot(tele.Settings{Offline: true, Synchronous: true, OnError: func(err error, _ tele.Context) { errs = append(errs, err) }})
	if err != nil {
		t.Fatal(err)
	}
	bot.Me.Username = "testbot"
	return bot, &errs
}

func message(text string) tele.Update {
	return tele.Update{ID: 1, Message: &tele.Message{ID: 1, Text: text, Chat: &tele.Chat{ID: 7}, Sender: &tele.User{ID: 7}}}
}

// TestForwardAndReplyAreRunsOfTheirOwn: telebot v4 runs OnForward and
// OnReply in addition to the route that takes the message; each run is
// recorded under its own route's name.
func TestForwardAndReplyAreRunsOfTheirOwn(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, errs := offlineBot(t)
	tr := telebotmetrics.New(bot, telebotmetrics.WithMetrics(m))
	ok := func(tele.Context) error { return nil }
	for _, e := range []string{"/start", tele.OnText, tele.OnForward, tele.OnReply} {
		tr.Handle(e, ok)
	}
	forwarded := message("/start")
	forwarded.Message.Origin = &tele.MessageOrigin{Type: "user"}
	reply := message("/nope")
	reply.Message.ReplyTo = &tele.Message{ID: 0, Chat: &tele.Chat{ID: 7}}

	bot.ProcessUpdate(forwarded)
	bot.ProcessUpdate(reply)
	bot.ProcessUpdate(message("\alooks like a route key")) // telebot v4 drops these

	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "start_handler", 1, 0)
	actiontest.Want(t, e, "forward_handler", 1, 0)
	actiontest.Want(t, e, "reply_handler", 1, 0)
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	if got := e.Series(actiontest.Count); got != 4 || len(*errs) != 0 {
		t.Errorf("%d series (want 4), OnError got %v", got, *errs)
	}
	// Each update once, by the route that takes it; the dropped one, which
	// no route takes, not at all.
	if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": "message"}); got != 2 {
		t.Errorf("%v messages counted, want 2", got)
	}
}

// TestUpdateTypes: the type and date of v4's update kinds, edits dated by
// their edit_date, guest messages (not a type metrics knows) as "other".
func TestUpdateTypes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _ := offlineBot(t)
	tr := telebotmetrics.New(bot, telebotmetrics.WithMetrics(m))
	for _, e := range []string{tele.OnEdited, tele.OnBusinessMessage, tele.OnGuestMessage, tele.OnCallback, tele.OnMyChatMember} {
		tr.Handle(e, func(tele.Context) error { return nil })
	}
	now, long := time.Now().Unix(), time.Now().Add(-telebottest.Lag).Unix()
	chat := &tele.Chat{ID: 7}
	for _, u := range []tele.Update{
		{EditedMessage: &tele.Message{Chat: chat, Text: "x", Unixtime: long - 600, LastEdit: now}},
		{BusinessMessage: &tele.Message{Chat: chat, Text: "x", Unixtime: long}},
		{GuestMessage: &tele.Message{Chat: chat, Text: "x", Unixtime: now}},
		{Callback: &tele.Callback{ID: "1", Message: &tele.Message{Chat: chat, Unixtime: long}}},
		{MyChatMember: &tele.ChatMemberUpdate{Chat: chat, Unixtime: long}},
	} {
		bot.ProcessUpdate(u)
	}
	e := promtest.Scrape(t, m.Handler())
	telebottest.CheckTypes(t, e, map[string]telebottest.Dated{
		"edited_message": telebottest.Recent, "business_message": telebottest.Late, "other": telebottest.Recent,
		"callback_query": telebottest.Undated, "my_chat_member": telebottest.Late,
	})
}

// TestOutcomes: an error, a FloodError and an error panic recovered by
// telebot v4's Recover are errors with the right error_name, returned or
// handed to OnError unchanged; HandleAs refuses a bad name.
func TestOutcomes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, errs := offlineBot(t)
	bot.Use(middleware.Recover())
	tr := telebotmetrics.New(bot, telebotmetrics.WithMetrics(m))
	boom, flood := errors.New("boom"), tele.FloodError{RetryAfter: 3}
	tr.Handle("/fail", func(tele.Context) error { return boom })
	tr.Handle("/send", func(tele.Context) error { return flood })
	tr.Handle("/panic", func(tele.Context) error { panic(boom) })
	if err := tr.HandleAs("Bad Name", "/x", func(tele.Context) error { return nil }); err == nil || !strings.Contains(err.Error(), "[a-z0-9_]") {
		t.Errorf("HandleAs with a bad name: %v", err)
	}
	if err := tr.HandleAs("x_handler", 42, func(tele.Context) error { return nil }); err == nil || !strings.HasPrefix(err.Error(), "telebotmetrics/v4: unsupported endpoint 42") {
		t.Errorf("HandleAs with an int endpoint: %v", err)
	}

	for _, cmd := range []string{"/fail", "/send", "/panic", "/x"} {
		bot.ProcessUpdate(message(cmd))
	}

	e := promtest.Scrape(t, m.Handler())
	for name, errorName := range map[string]string{"fail_handler": metrics.ErrorNameOther, "send_handler": metrics.ErrorNameFloodWait, "panic_handler": metrics.ErrorNamePanic} {
		if c := e.Counter(t, actiontest.Count, promtest.Labels{"name": name, "status": "error", "error_name": errorName}); c != 1 {
			t.Errorf("%s error_name=%s: %v, want 1", name, errorName, c)
		}
	}
	if got := e.Series(actiontest.Count); got != 3 {
		t.Errorf("%d series, want 3: /x has no route", got)
	}
	if len(*errs) != 3 || (*errs)[0] != boom || (*errs)[1] != flood || (*errs)[2] != boom {
		t.Errorf("OnError got %v, want [boom, the FloodError, the recovered boom]", *errs)
	}
}
