package tgbotapimetrics_test

import (
	"context"
	"encoding/json"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// BenchmarkRouter is one command through HandleUpdate, recording nothing (a
// nil *metrics.Metrics: the cost of routing alone) and recording in a real
// registry, with two handlers: one that does nothing, and the smallest real
// one, which builds a reply with an inline keyboard and encodes it, as
// tgbotapi does before sending it.
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
			name string
			m    *metrics.Metrics
		}{
			{"untracked", nil},
			{"tracked", actiontest.NewMetrics(b)},
		} {
			b.Run(hc.name+"/"+bc.name, func(b *testing.B) {
				r := newRouter(b, tgbotapimetrics.WithMetrics(bc.m), tgbotapimetrics.Command("start", hc.h))
				u := command(1, "/start")
				ctx := context.Background()
				b.ReportAllocs()
				for b.Loop() {
					if err := r.HandleUpdate(ctx, u); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
