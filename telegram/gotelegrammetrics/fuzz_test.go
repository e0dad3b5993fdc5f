package gotelegrammetrics_test

import (
	"context"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
)

// FuzzProcessUpdate feeds random updates, as the Bot API's JSON, to a
// go-telegram/bot bot whose routes of every kind are registered through a
// Tracker, with its default handler: routing (the bot's,
// then the tracker's naming) never panics, and every update is recorded as
// one run. Updates ParseUpdate rejects are left out: the Poller skips them.
func FuzzProcessUpdate(f *testing.F) {
	runs := 0
	tr := newTracker(f, gotelegrammetrics.WithMetrics(nil))
	count := func(context.Context, *bot.Bot, *models.Update) { runs++ }
	b := syncBot(f, tr, count)
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, count)
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "help", bot.MatchTypeCommandStartOnly, count)
	tr.RegisterHandler(b, bot.HandlerTypePhotoCaption, "start", bot.MatchTypeCommand, count)
	tr.RegisterHandler(b, bot.HandlerTypeCallbackQueryData, "menu:", bot.MatchTypePrefix, count)
	tr.RegisterHandler(b, bot.HandlerTypeCallbackQueryGameShortName, "game", bot.MatchTypeExact, count)
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "Help me", bot.MatchTypeContains, count)
	adaptertest.FuzzParseUpdate(f, gotelegrammetrics.ParseUpdate, func(t *testing.T, u *models.Update) {
		runs = 0
		b.ProcessUpdate(context.Background(), u)
		if runs != 1 {
			t.Fatalf("%d handler runs for one update", runs)
		}
	},
		`{"update_id":3,"callback_query":{"id":"1","data":"menu:42"}}`,
		`{"update_id":4,"callback_query":{"id":"1","game_short_name":"game"}}`,
		`{"update_id":6,"message":{"photo":[{"file_id":"x"}],"caption":"/start@","caption_entities":[{"type":"bot_command","offset":-1,"length":2}]}}`,
		`{"update_id":8,"message":{"text":"😀 /start","entities":[{"type":"bot_command","offset":3,"length":6}]}}`,
		`{"update_id":9,"callback_query":{"id":"1","message":{"date":0}}}`,
		`{"update_id":10,"message_reaction":{"new_reaction":[{"type":"emoji","emoji":"x"}]}}`,
	)
}
