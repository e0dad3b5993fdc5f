package telebotmetrics_test

import (
	"testing"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
)

// BenchmarkTelebot is one command through telebot's ProcessUpdate with a
// synchronous offline bot: the handler registered on the bot directly
// (untracked) and through a Tracker recording in a real registry (tracked).
func BenchmarkTelebot(b *testing.B) {
	h := func(tele.Context) error { return nil }
	for _, bc := range []struct {
		name     string
		register func(*tele.Bot)
	}{
		{"untracked", func(bot *tele.Bot) { bot.Handle("/start", h) }},
		{"tracked", func(bot *tele.Bot) {
			telebotmetrics.New(bot, telebotmetrics.WithMetrics(actiontest.NewMetrics(b))).Handle("/start", h)
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			bot, _ := newBot(b)
			bc.register(bot)
			b.ReportAllocs()
			for b.Loop() {
				bot.ProcessUpdate(message("/start"))
			}
		})
	}
}
