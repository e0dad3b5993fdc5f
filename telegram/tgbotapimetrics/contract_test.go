package tgbotapimetrics_test

import (
	"context"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

func TestUpdates(t *testing.T) {
	adaptertest.Updates(t, adaptertest.Bot{Start: func(t *testing.T, api *telegramtest.Server, m *metrics.Metrics) func() {
		client := httpclient.NewTelegram(api.Token, httpclient.WithMetrics(m))
		bot, err := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, api.Endpoint(), client)
		if err != nil {
			t.Fatal(err)
		}
		r := newRouter(t, tgbotapimetrics.WithMetrics(m), discard,
			tgbotapimetrics.Command("start", func(_ context.Context, u tgbotapi.Update) error {
				_, err := bot.Send(tgbotapi.NewMessage(u.Message.Chat.ID, "hi"))
				return err
			}),
			tgbotapimetrics.Callback("menu", func(_ context.Context, u tgbotapi.Update) error {
				_, err := bot.Request(tgbotapi.NewCallback(u.CallbackQuery.ID, ""))
				return err
			}))
		p, err := tgbotapimetrics.NewPoller(client, tgbotapimetrics.WithAPIURL(api.URL), tgbotapimetrics.WithPollTimeout(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		polled := make(chan error, 1)
		go func() { polled <- r.Poll(ctx, bot, p, 4) }()
		return func() {
			cancel()
			if err := <-polled; err != nil {
				t.Errorf("Poll = %v", err)
			}
		}
	}})
}
