package telebotmetrics_test

import (
	"encoding/json"
	"testing"
	"time"

	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics/v4"
)

// BenchmarkTelebot4 is one command through telebot v4's ProcessUpdate
// with a synchronous offline bot, its handler the smallest real one: it
// builds a reply with an inline keyboard and encodes it, as telebot does
// before sending. The handler is registered on the bot directly
// (untracked), through a Tracker recording in a real registry (tracked),
// the same through the Tracker's ProcessUpdate, which counts the update as
// its Poller does (counted), and counted with metrics.WithActiveUsers on
// (activeusers: only the counting feeds the sketch). Each command comes
// from a user of its own, on every side.
func BenchmarkTelebot4(b *testing.B) {
	h := func(c tele.Context) error {
		markup := &tele.ReplyMarkup{}
		markup.Inline(markup.Row(markup.Data("Menu", "menu", c.Message().Payload)))
		_, err := json.Marshal(map[string]any{"chat_id": c.Chat().ID, "text": "You said: " + c.Text(), "reply_markup": markup})
		return err
	}
	tracked := func(m *metrics.Metrics) func(*tele.Bot) func(tele.Update) {
		return func(bot *tele.Bot) func(tele.Update) {
			mustNew(b, bot, telebotmetrics.WithMetrics(m)).Handle("/start", h)
			return bot.ProcessUpdate
		}
	}
	counted := func(m *metrics.Metrics) func(*tele.Bot) func(tele.Update) {
		return func(bot *tele.Bot) func(tele.Update) {
			tr := mustNew(b, bot, telebotmetrics.WithMetrics(m))
			tr.Handle("/start", h)
			return func(u tele.Update) { tr.ProcessUpdate(bot, u) }
		}
	}
	untracked := func(*metrics.Metrics) func(*tele.Bot) func(tele.Update) {
		return func(bot *tele.Bot) func(tele.Update) { bot.Handle("/start", h); return bot.ProcessUpdate }
	}
	for _, bc := range []struct {
		name     string
		register func(*metrics.Metrics) func(*tele.Bot) func(tele.Update)
		opts     []metrics.Option // of the instance each run records in
	}{
		{"untracked", untracked, nil},
		{"tracked", tracked, nil},
		{"counted", counted, nil},
		{"activeusers", counted, []metrics.Option{metrics.WithActiveUsers()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := actiontest.NewMetrics(b, bc.opts...) // a run of its own users
			bot, errs := offlineBot(b)
			process := bc.register(m)(bot)
			start := time.Now()
			b.ReportAllocs()
			id := int64(0)
			for b.Loop() {
				id++
				u := message("/start 42")
				u.Message.Sender.ID = id
				process(u)
			}
			if len(*errs) != 0 {
				b.Fatal((*errs)[0])
			}
			if bc.opts != nil {
				actiontest.WantActiveUsers(b, m.Handler(), int(id), start)
			}
		})
	}
}
