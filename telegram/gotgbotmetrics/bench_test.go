package gotgbotmetrics_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
)

// BenchmarkGotgbot is one command through the dispatcher's ProcessUpdate,
// with the handler registered on the dispatcher directly (untracked),
// through a Tracker recording in a real registry (tracked), and the same
// with metrics.WithActiveUsers on (activeusers). The handler is the
// smallest real one: it builds a reply with an inline keyboard and encodes
// it, as gotgbot does before sending it. Each command comes from a user of
// its own, on every side.
func BenchmarkGotgbot(b *testing.B) {
	reply := func(_ *gotgbot.Bot, ctx *ext.Context) error {
		opts := gotgbot.SendMessageOpts{ReplyMarkup: gotgbot.InlineKeyboardMarkup{
			InlineKeyboard: [][]gotgbot.InlineKeyboardButton{{{Text: "Menu", CallbackData: "menu:1"}}},
		}}
		_, err := json.Marshal(map[string]any{"chat_id": ctx.EffectiveChat.Id, "text": "hello " + ctx.EffectiveMessage.Text, "reply_markup": opts.ReplyMarkup})
		return err
	}
	tracked := func(m *metrics.Metrics) func(*ext.Dispatcher, ext.Handler) {
		return func(d *ext.Dispatcher, h ext.Handler) { track(b, d, m).AddHandler(h) }
	}
	untracked := func(*metrics.Metrics) func(*ext.Dispatcher, ext.Handler) { return (*ext.Dispatcher).AddHandler }
	for _, bc := range []struct {
		name     string
		register func(*metrics.Metrics) func(*ext.Dispatcher, ext.Handler)
		opts     []metrics.Option // of the instance each run records in
	}{
		{"untracked", untracked, nil},
		{"tracked", tracked, nil},
		{"activeusers", tracked, []metrics.Option{metrics.WithActiveUsers()}},
	} {
		b.Run("reply/"+bc.name, func(b *testing.B) {
			m := actiontest.NewMetrics(b, bc.opts...) // a run of its own users
			d := ext.NewDispatcher(nil)
			bc.register(m)(d, handlers.NewCommand("start", reply))
			u := textUpdate("/start")
			u.Message.From.Id = 0
			start := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				u.Message.From.Id++
				if err := d.ProcessUpdate(offlineBot, u, nil); err != nil {
					b.Fatal(err)
				}
			}
			if bc.opts != nil {
				actiontest.WantActiveUsers(b, m.Handler(), int(u.Message.From.Id), start)
			}
		})
	}
}

// BenchmarkParseUpdate is what the Poller adds to each update it fetches,
// before the dispatcher parses it again (Dispatcher.Start takes raw JSON):
// ParseUpdate of a command.
func BenchmarkParseUpdate(b *testing.B) {
	data := []byte(`{"update_id":7,"message":{"message_id":1,"date":1700000000,"chat":{"id":100,"type":"private"},"from":{"id":100,"is_bot":false,"first_name":"U"},"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := gotgbotmetrics.ParseUpdate(data); err != nil {
			b.Fatal(err)
		}
	}
}
