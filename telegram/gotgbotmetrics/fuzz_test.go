package gotgbotmetrics_test

import (
	"testing"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/callbackquery"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/message"

	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
)

// FuzzProcessUpdate feeds random updates, as the Bot API's JSON, to
// ParseUpdate and then to a gotgbot dispatcher whose handlers of every kind
// are registered through a Tracker, as a Poller or a webhook hands them on:
// parsing, then the dispatcher's context and routing (gotgbot's, then the
// tracker's) never panic, and nothing but a handler's own error comes out.
func FuzzProcessUpdate(f *testing.F) {
	own := []string{
		`{"update_id":3,"callback_query":{"id":"1","data":"menu:42","message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"}}}}`,
		`{"update_id":4,"callback_query":{"id":"1","data":"","message":{"message_id":1,"date":0,"chat":{"id":1,"type":"channel"}}}}`,
		`{"update_id":6,"message":{"photo":[],"caption":"/start@"}}`,
		`{"update_id":8,"message":{"text":"/ \u00a0x","entities":[]}}`,
		`{"update_id":9,"inline_query":{"id":"1","query":"q"}}`,
		`{"update_id":10,"message_reaction":{"chat":{"id":1},"new_reaction":[{"type":"emoji","emoji":"x"}]}}`,
		`{"update_id":11,"chat_boost":{"chat":{"id":1,"type":"channel"},"boost":{"boost_id":"b","add_date":1,"expiration_date":2}}}`,
		`{"update_id":12,"removed_chat_boost":{"chat":{"id":1,"type":"channel"},"boost_id":"b","source":{"source":"premium","user":{"id":1}}}}`,
		`{"update_id":13,"callback_query":{"id":"1","from":{"id":1},"message":{"chat":{"id":1},"date":0}}}`,
	}
	d := ext.NewDispatcher(&ext.DispatcherOpts{Panic: func(_ *gotgbot.Bot, _ *ext.Context, r any) { panic(r) }})
	tr := track(f, d, nil)
	tr.AddHandler(handlers.NewCommand("start", ok).SetAllowEdited(true).SetAllowChannel(true))
	if err := tr.AddHandlerAs("menu_callback_handler", handlers.NewCallback(callbackquery.Prefix("menu:"), ok)); err != nil {
		f.Fatal(err)
	}
	tr.AddHandler(handlers.NewCallback(nil, ok))
	tr.AddHandler(handlers.NewMessage(message.Text, ok).SetAllowEdited(true).SetAllowChannel(true).SetAllowBusiness(true))
	tr.AddHandler(handlers.NewMessage(message.Photo, ok))
	tr.AddHandlerToGroup(handlers.NewMessage(nil, ok), 1)
	tr.AddHandlerToGroup(handlers.NewReaction(nil, ok), 1)
	tr.AddHandlerToGroup(handlers.NewInlineQuery(nil, ok), 1)
	adaptertest.FuzzParseUpdate(f, gotgbotmetrics.ParseUpdate, func(t *testing.T, u gotgbot.Update) {
		if err := d.ProcessUpdate(offlineBot, &u, nil); err != nil {
			t.Fatalf("ProcessUpdate = %v", err)
		}
	}, own...)
}
