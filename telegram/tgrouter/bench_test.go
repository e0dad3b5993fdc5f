package tgrouter_test

import (
	"context"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/tgrouter"
)

// BenchmarkRouter is one command through HandleUpdate: recording nothing
// (a nil *metrics.Metrics, the cost of routing alone) and recording in a
// real registry.
func BenchmarkRouter(b *testing.B) {
	h := func(context.Context, tgbotapi.Update) error { return nil }
	for _, bc := range []struct {
		name string
		m    *metrics.Metrics
	}{
		{"untracked", nil},
		{"tracked", newMetrics(b)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			r := newRouter(b, tgrouter.WithMetrics(bc.m), tgrouter.Command("start", h))
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
