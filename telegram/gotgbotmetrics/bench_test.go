package gotgbotmetrics_test

import (
	"encoding/json"
	"testing"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"

	"github.com/genapp-go/genapp/telegram/internal/actiontest"
)

// BenchmarkGotgbot is one command through the dispatcher's ProcessUpdate,
// with the handler registered on the dispatcher directly (untracked) and
// through a Tracker recording in a real registry (tracked). The handler is
// the smallest real one: it builds a reply with an inline keyboard and
// encodes it, as gotgbot does before sending it.
func BenchmarkGotgbot(b *testing.B) {
	reply := func(_ *gotgbot.Bot, ctx *ext.Context) error {
		opts := gotgbot.SendMessageOpts{ReplyMarkup: gotgbot.InlineKeyboardMarkup{
			InlineKeyboard: [][]gotgbot.InlineKeyboardButton{{{Text: "Menu", CallbackData: "menu:1"}}},
		}}
		_, err := json.Marshal(map[string]any{"chat_id": ctx.EffectiveChat.Id, "text": "hello " + ctx.EffectiveMessage.Text, "reply_markup": opts.ReplyMarkup})
		return err
	}
	for _, bc := range []struct {
		name     string
		register func(*ext.Dispatcher, ext.Handler)
	}{
		{"untracked", (*ext.Dispatcher).AddHandler},
		{"tracked", func(d *ext.Dispatcher, h ext.Handler) {
			track(b, d, actiontest.NewMetrics(b)).AddHandler(h)
		}},
	} {
		b.Run("reply/"+bc.name, func(b *testing.B) {
			d := ext.NewDispatcher(nil)
			bc.register(d, handlers.NewCommand("start", reply))
			u := textUpdate("/start")
			b.ReportAllocs()
			for b.Loop() {
				if err := d.ProcessUpdate(offlineBot, u, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
