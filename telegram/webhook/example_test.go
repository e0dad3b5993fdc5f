package webhook_test

import (
	"context"
	"log"
	"net/http"
	"os"
	"time"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/webhook"
)

// A webhook for a bot whose library has none that checks the secret: the
// secret goes to setWebhook, and every update to the bot.
func Example() {
	secret := webhook.NewSecret() // give it to setWebhook as secret_token
	h, err := webhook.New(secret, func(ctx context.Context, update []byte) error {
		// Decode the update with the bot library and handle it; return an
		// error only when it is no update at all.
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("POST /telegram/webhook", h)
	_ = http.ListenAndServe("127.0.0.1:8443", metrics.Middleware(mux))
}

// A Monitor beside the webhook server records the updates Telegram holds
// for the webhook, here in the instance m, for as long as ctx lasts.
func ExampleNewMonitor() {
	m, err := metrics.New("bot", "prod")
	if err != nil {
		log.Fatal(err)
	}
	client := httpclient.NewTelegram(os.Getenv("BOT_TOKEN"))
	mon, err := webhook.NewMonitor(client, webhook.WithMetrics(m), webhook.WithInterval(time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	go func() {
		if err := mon.Run(ctx); err != nil { // nil when ctx ends
			log.Println(err)
		}
	}()
}
