package telebotmetrics_test

import (
	"encoding/json"
	"testing"

	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics/v4"
)

// BenchmarkTelebot4 is one command through telebot v4's ProcessUpdate
// with a synchronous offline bot, its handler the smallest real one: it
// builds a reply with an inline keyboard and encodes it, as telebot does
// before sending. The handler is registered on the bot directly
// (untracked), through a Tracker recording in a real registry (tracked),
// and the same through the Tracker's ProcessUpdate, which counts the
// update as its Poller does (counted).
func BenchmarkTelebot4(b *testing.B) {
	h := func(c tele.Context) error {
		markup := &tele.ReplyMarkup{}
		markup.Inline(markup.Row(markup.Data("Menu", "menu", c.Message().Payload)))
		_, err := json.Marshal(map[string]any{"chat_id": c.Chat().ID, "text": "You said: " + c.Text(), "reply_markup": markup})
		return err
	}
	for _, bc := range []struct {
		name     string
		register func(*tele.Bot) func(tele.Update)
	}{
		{"untracked", func(bot *tele.Bot) func(tele.Update) { bot.Handle("/start", h); return bot.ProcessUpdate }},
		{"tracked", func(bot *tele.Bot) func(tele.Update) {
			mustNew(b, bot, telebotmetrics.WithMetrics(actiontest.NewMetrics(b))).Handle("/start", h)
			return bot.ProcessUpdate
		}},
		{"counted", func(bot *tele.Bot) func(tele.Update) {
			tr := mustNew(b, bot, telebotmetrics.WithMetrics(actiontest.NewMetrics(b)))
			tr.Handle("/start", h)
			return func(u tele.Update) { tr.ProcessUpdate(bot, u) }
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bot, errs := offlineBot(b)
			process := bc.register(bot)
			b.ReportAllocs()
			for b.Loop() {
				process(message("/start 42"))
			}
			if len(*errs) != 0 {
				b.Fatal((*errs)[0])
			}
		})
	}
}
