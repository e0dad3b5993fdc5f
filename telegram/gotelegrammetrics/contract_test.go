package gotelegrammetrics_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// TestUpdates runs the shared traffic through a go-telegram/bot bot set up
// as the package documentation shows: the default handler of
// Tracker.WithDefaultHandler (nil: the updates no route takes are counted,
// nothing runs), the routes registered through the Tracker, a Poller.
func TestUpdates(t *testing.T) {
	adaptertest.Updates(t, adaptertest.Bot{Start: func(t *testing.T, api *telegramtest.Server, m *metrics.Metrics) func() {
		client := httpclient.NewTelegram(api.Token, httpclient.WithMetrics(m), httpclient.WithTimeout(5*time.Second))
		tr, err := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
		if err != nil {
			t.Fatal(err)
		}
		b, err := bot.New(httpclient.TokenPlaceholder, tr.WithDefaultHandler(nil),
			bot.WithServerURL(api.URL), bot.WithHTTPClient(time.Second, client))
		if err != nil {
			t.Fatal(err)
		}
		tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "hi"})
			gotelegrammetrics.Fail(ctx, err)
		})
		tr.RegisterHandler(b, bot.HandlerTypeCallbackQueryData, "menu:", bot.MatchTypePrefix, nop)
		return startPolling(t, api, tr, b, client, gotelegrammetrics.WithErrorsHandler(func(err error) { t.Logf("poller: %v", err) }))
	}})
}

// startPolling runs a Poller for b until the returned stop, which then
// waits for tr's handlers. It returns once the Poller sent its first
// getUpdates.
func startPolling(t *testing.T, api *telegramtest.Server, tr *gotelegrammetrics.Tracker, b *bot.Bot, client *http.Client, opts ...gotelegrammetrics.PollerOption) (stop func()) {
	t.Helper()
	p, err := gotelegrammetrics.NewPoller(client, append([]gotelegrammetrics.PollerOption{gotelegrammetrics.WithAPIURL(api.URL), gotelegrammetrics.WithPollTimeout(time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, b) }()
	for deadline := time.Now().Add(10 * time.Second); pollingtest.GetUpdatesCalls(api) == 0; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the Poller sent no getUpdates in 10 s")
		}
	}
	return func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		wait, stop := context.WithTimeout(context.Background(), 5*time.Second)
		defer stop()
		if err := tr.Wait(wait); err != nil {
			t.Error(err)
		}
	}
}
