package telebotmetrics_test

import (
	"testing"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
)

// FuzzProcessUpdate feeds random updates, as the Bot API's JSON, to a
// telebot bot whose routes of every kind are registered through a Tracker:
// routing (telebot's, then the tracker's) never panics. Updates telebot
// cannot parse (ParseUpdate's errors) are left out: the Poller skips them.
func FuzzProcessUpdate(f *testing.F) {
	bot, err := tele.NewBot(tele.Settings{Offline: true, Synchronous: true, OnError: func(error, tele.Context) {}})
	if err != nil {
		f.Fatal(err)
	}
	tr := mustNew(f, bot, telebotmetrics.WithMetrics(nil))
	ok := func(tele.Context) error { return nil }
	for _, e := range []any{"/start", tele.OnText, tele.OnCallback, tele.OnPhoto, tele.OnEdited, tele.OnMyChatMember,
		tele.OnUserJoined, tele.OnUserLeft, tele.OnQuery, tele.OnChannelPost, tele.OnMedia, &tele.Btn{Unique: "menu"}} {
		tr.Handle(e, ok)
	}
	adaptertest.FuzzParseUpdate(f, telebotmetrics.ParseUpdate, func(_ *testing.T, u tele.Update) { tr.ProcessUpdate(bot, u) },
		`{"update_id":3,"callback_query":{"id":"1","data":"\fmenu|42"}}`,
		`{"update_id":4,"callback_query":{"id":"1","data":"\f"}}`,
		`{"update_id":6,"message":{"photo":[{"file_id":"x"}],"caption":"/start@"}}`,
		`{"update_id":8,"message":{"new_chat_members":[{}],"left_chat_member":{}}}`,
		`{"update_id":9,"message":{"migrate_to_chat_id":-100123}}`, // no chat: ProcessUpdate panicked
		`{"update_id":10,"message":{"chat":{"id":1},"migrate_to_chat_id":-100123}}`,
	)
}
