package gotgbotmetrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

func TestUpdates(t *testing.T) {
	adaptertest.Updates(t, adaptertest.Bot{Start: func(t *testing.T, api *telegramtest.Server, m *metrics.Metrics) func() {
		b, client := newBot(t, api.URL, api.Token, m)
		d := ext.NewDispatcher(nil)
		tr, err := gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m))
		if err != nil {
			t.Fatal(err)
		}
		tr.AddHandler(handlers.NewCommand("start", reply("hi")))
		if err := tr.AddCallback("menu", func(b *gotgbot.Bot, ctx *ext.Context) error {
			_, err := ctx.CallbackQuery.Answer(b, nil)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		p, err := gotgbotmetrics.NewPoller(client, gotgbotmetrics.WithPollTimeout(time.Second), gotgbotmetrics.WithErrorFunc(func(err error) { t.Log(err) }))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		polled := make(chan error, 1)
		go func() { polled <- p.Poll(ctx, b, d) }()
		return func() {
			cancel()
			if err := <-polled; err != nil {
				t.Errorf("Poll = %v", err)
			}
			d.Stop()
		}
	}})
}
