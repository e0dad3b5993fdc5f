package tgbotapimetrics_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// BenchmarkRouter is one command through HandleUpdate, recording nothing (a
// nil *metrics.Metrics: the cost of routing alone), recording in a real
// registry, and the same with metrics.WithActiveUsers on (activeusers),
// with two handlers: one that does nothing, and the smallest real one,
// which builds a reply with an inline keyboard and encodes it, as tgbotapi
// does before sending it. Each command comes from a user of its own, on
// every side.
func BenchmarkRouter(b *testing.B) {
	handlers := []struct {
		name string
		h    tgbotapimetrics.Handler
	}{
		{"noop", func(context.Context, tgbotapi.Update) error { return nil }},
		{"reply", func(_ context.Context, u tgbotapi.Update) error {
			msg := tgbotapi.NewMessage(u.Message.Chat.ID, "hello "+u.Message.CommandArguments())
			msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonData("Menu", "menu:1")))
			_, err := json.Marshal(msg)
			return err
		}},
	}
	for _, hc := range handlers {
		for _, bc := range []struct {
			name    string
			tracked bool
			opts    []metrics.Option // of the instance each run records in
		}{
			{"untracked", false, nil},
			{"tracked", true, nil},
			{"activeusers", true, []metrics.Option{metrics.WithActiveUsers()}},
		} {
			b.Run(hc.name+"/"+bc.name, func(b *testing.B) {
				var m *metrics.Metrics // nil: the router records nothing
				if bc.tracked {
					m = actiontest.NewMetrics(b, bc.opts...) // a run of its own users
				}
				r := newRouter(b, tgbotapimetrics.WithMetrics(m), tgbotapimetrics.Command("start", hc.h))
				u := command(1, "/start")
				u.Message.From = &tgbotapi.User{FirstName: "Test"}
				ctx := context.Background()
				start := time.Now()
				b.ReportAllocs()
				for b.Loop() {
					u.Message.From.ID++
					if err := r.HandleUpdate(ctx, u); err != nil {
						b.Fatal(err)
					}
				}
				if bc.opts != nil {
					actiontest.WantActiveUsers(b, m.Handler(), int(u.Message.From.ID), start)
				}
			})
		}
	}
}
