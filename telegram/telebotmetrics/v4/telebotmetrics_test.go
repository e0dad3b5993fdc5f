package telebotmetrics_test

import (
	"errors"
	"fmt"
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

// TestForwardAndReplyAreRunsOfTheirOwn: telebot v4 runs OnForward and
// OnReply in addition to the route that takes the message; each run is
// recorded under its own route's name, and the update counted once.
func TestForwardAndReplyAreRunsOfTheirOwn(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, errs := offlineBot(t)
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	ok := func(tele.Context) error { return nil }
	for _, e := range []string{"/start", tele.OnText, tele.OnForward, tele.OnReply} {
		tr.Handle(e, ok)
	}
	forwarded := message("/start")
	forwarded.Message.Origin = &tele.MessageOrigin{Type: "user"}
	reply := message("/nope")
	reply.Message.ReplyTo = &tele.Message{ID: 0, Chat: &tele.Chat{ID: 7}}

	tr.ProcessUpdate(bot, forwarded)
	tr.ProcessUpdate(bot, reply)
	tr.ProcessUpdate(bot, message("\alooks like a route key")) // telebot v4 drops these

	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "start_handler", 1, 0)
	actiontest.Want(t, e, "forward_handler", 1, 0)
	actiontest.Want(t, e, "reply_handler", 1, 0)
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	if got := e.Series(actiontest.Count); got != 4 || len(*errs) != 0 {
		t.Errorf("%d series (want 4), OnError got %v", got, *errs)
	}
	// Each update once, the dropped one, which no route takes, too.
	if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": "message"}); got != 3 {
		t.Errorf("%v messages counted, want 3", got)
	}
}

// TestUserJoinedCountsOnce: telebot v4 runs OnUserJoined once per new
// chat member of a message: three runs, one update.
func TestUserJoinedCountsOnce(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, errs := offlineBot(t)
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	var joined []int64
	tr.Handle(tele.OnUserJoined, func(c tele.Context) error { joined = append(joined, c.Message().UserJoined.ID); return nil })
	u := message("")
	u.Message.UsersJoined = []tele.User{{ID: 1}, {ID: 2}, {ID: 3}}

	tr.ProcessUpdate(bot, u)

	e := promtest.Scrape(t, m.Handler())
	actiontest.Want(t, e, "user_joined_handler", 3, 0)
	if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": "message"}); got != 1 || len(*errs) != 0 {
		t.Errorf("%v messages counted (want 1), OnError got %v", got, *errs)
	}
	if fmt.Sprint(joined) != "[1 2 3]" {
		t.Errorf("the handler saw the members %v, want [1 2 3]", joined)
	}
}

// TestUpdateTypes: the type and date of v4's update types, edits dated by
// their edit_date, guest messages (not a type the module knows) as
// "other"; a my_chat_member in what telebot calls a "privatechannel" (a
// channel without a username) counts under the Bot API's type, channel.
func TestUpdateTypes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _ := offlineBot(t)
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m)) // no route: counted all the same
	now, long := time.Now().Unix(), time.Now().Add(-telebottest.Lag).Unix()
	chat := &tele.Chat{ID: 7}
	for _, u := range []tele.Update{
		{EditedMessage: &tele.Message{Chat: chat, Text: "x", Unixtime: long - 600, LastEdit: now}},
		{BusinessMessage: &tele.Message{Chat: chat, Text: "x", Unixtime: long}},
		{GuestMessage: &tele.Message{Chat: chat, Text: "x", Unixtime: now}},
		{Callback: &tele.Callback{ID: "1", Message: &tele.Message{Chat: chat, Unixtime: long}}},
		{MyChatMember: &tele.ChatMemberUpdate{
			Chat: &tele.Chat{ID: -100, Type: tele.ChatChannelPrivate}, Unixtime: long,
			NewChatMember: &tele.ChatMember{Role: tele.Left},
		}},
		{BusinessConnection: &tele.BusinessConnection{ID: "b1"}},
	} {
		tr.ProcessUpdate(bot, u)
	}
	e := promtest.Scrape(t, m.Handler())
	telebottest.CheckTypes(t, e, map[string]telebottest.Dated{
		"edited_message": telebottest.Recent, "business_message": telebottest.Late, "other": telebottest.Recent,
		"callback_query": telebottest.Undated, "my_chat_member": telebottest.Late,
		"business_connection": telebottest.Undated,
	})
	const statuses = "genapp_telegram_bot_status_changes_total"
	if got := e.Sum(statuses, promtest.Labels{"chat_type": "channel", "status": "left"}); got != 1 || e.Series(statuses) != 1 {
		t.Errorf("%s{chat_type=\"channel\",status=\"left\"} = %v in %d series, want 1 in 1", statuses, got, e.Series(statuses))
	}
}

// TestOutcomes: an error, a FloodError and an error panic recovered by
// telebot v4's Recover are errors with the right error_name, returned or
// handed to OnError unchanged; HandleAs refuses a bad name.
func TestOutcomes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, errs := offlineBot(t)
	bot.Use(middleware.Recover())
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
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

// TestNew: New refuses what it cannot register on, with an error that
// names it, and never panics (a nil option: adaptertest.Check).
func TestNew(t *testing.T) {
	for _, tc := range []struct {
		e    telebotmetrics.Endpoints
		want string
	}{
		{nil, "telebotmetrics/v4: New(nil)"},
		{(*tele.Bot)(nil), "nil *tele.Bot"},
		{(*tele.Group)(nil), "nil *tele.Group"},
	} {
		if tr, err := telebotmetrics.New(tc.e); tr != nil || err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New(%#v) = %v, %v; want an error naming %s", tc.e, tr, err, tc.want)
		}
	}
}
