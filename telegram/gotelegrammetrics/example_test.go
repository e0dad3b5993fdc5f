package gotelegrammetrics_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// A go-telegram/bot bot whose handlers are registered through a Tracker
// and whose updates come from a Poller, run against the fake Bot API of
// package telegramtest. In a real bot, call metrics.Init once and leave
// out WithMetrics and the fake server.
func Example() {
	srv := telegramtest.NewServer()
	defer srv.Close()
	m, err := metrics.New("demo", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		log.Fatal(err)
	}

	// The bot sees a placeholder; the client puts the token in.
	client := httpclient.NewTelegram(srv.Token, httpclient.WithMetrics(m), httpclient.WithTimeout(15*time.Second))
	tr, err := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
	if err != nil {
		log.Fatal(err)
	}
	b, err := bot.New(httpclient.TokenPlaceholder,
		tr.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) {
			if u.Message == nil {
				return
			}
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "You said: " + u.Message.Text})
			gotelegrammetrics.Fail(ctx, err) // a failed reply fails the run
		}),
		bot.WithServerURL(srv.URL),
		bot.WithHTTPClient(10*time.Second, client))
	if err != nil {
		log.Fatal(err)
	}
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "Hello!"})
		gotelegrammetrics.Fail(ctx, err)
	})
	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "fail", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		if _, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "Sorry."}); err != nil {
			gotelegrammetrics.Fail(ctx, err)
			return
		}
		gotelegrammetrics.Fail(ctx, errors.New("something went wrong"))
	})

	poller, err := gotelegrammetrics.NewPoller(client, gotelegrammetrics.WithAPIURL(srv.URL), gotelegrammetrics.WithPollTimeout(time.Second))
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	polled := make(chan error, 1)
	go func() { polled <- poller.Run(ctx, b) }()

	// Play the user.
	srv.SendText(42, "/start")
	srv.SendText(42, "hi")
	srv.SendText(42, "/fail")
	wait, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := srv.WaitSent(wait, 3); err != nil {
		log.Fatal(err)
	}
	stop()
	if err := <-polled; err != nil {
		log.Fatal(err)
	}
	if err := tr.Wait(wait); err != nil { // the handlers in flight
		log.Fatal(err)
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/prometheus", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "genapp_action_count_total{") && !strings.HasSuffix(line, " 0\n") {
			fmt.Print(line)
		}
	}
	// Output:
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="start_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="text_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="error",name="fail_handler",status="error"} 1
}
