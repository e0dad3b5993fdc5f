package telebotmetrics_test

import (
	"testing"

	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics/v4"
)

// FuzzProcessUpdate feeds arbitrary update JSON through ParseUpdate to a
// telebot v4 bot with routes of every kind registered through a Tracker,
// v4's forwards, replies and business messages included, through the
// Tracker's ProcessUpdate: counting and routing (telebot's, then the
// tracker's) never panic.
func FuzzProcessUpdate(f *testing.F) {
	own := []string{
		`{"update_id":1,"message":{"chat":{"id":1},"text":"/start@x y","forward_origin":{"type":"user"}}}`,
		`{"update_id":2,"message":{"chat":{"id":1},"text":"/nope","reply_to_message":{"chat":{"id":1}}}}`,
		`{"update_id":3,"callback_query":{"id":"1","data":"\fmenu|42"}}`,
		`{"update_id":4,"callback_query":{"id":"1","data":"\f"}}`,
		`{"update_id":5,"message":{"chat":{"id":1},"text":"\a"}}`,
		`{"update_id":6,"message":{"chat":{"id":1},"photo":[{"file_id":"x"}],"caption":"/start@"}}`,
		`{"update_id":7,"business_message":{"text":"/start"}}`,
		`{"update_id":8,"message":{"chat":{"id":1},"pinned_message":{}}}`,
		`{"update_id":9,"message":{"migrate_to_chat_id":-100123}}`,
		`{"update_id":10,"guest_message":{"chat":{"id":1},"text":"hi"}}`,
	}
	bot, err := tele.NewBot(tele.Settings{Offline: true, Synchronous: true, OnError: func(error, tele.Context) {}})
	if err != nil {
		f.Fatal(err)
	}
	tr := mustNew(f, bot, telebotmetrics.WithMetrics(nil))
	ok := func(tele.Context) error { return nil }
	for _, e := range []any{"/start", tele.OnText, tele.OnCallback, tele.OnPhoto, tele.OnEdited, tele.OnForward, tele.OnReply,
		tele.OnPinned, tele.OnBusinessMessage, tele.OnGuestMessage, tele.OnMyChatMember, tele.OnQuery, &tele.Btn{Unique: "menu"}} {
		tr.Handle(e, ok)
	}
	adaptertest.FuzzParseUpdate(f, telebotmetrics.ParseUpdate, func(_ *testing.T, u tele.Update) { tr.ProcessUpdate(bot, u) }, own...)
}
