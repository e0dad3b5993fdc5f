// Command gotelegram is a complete github.com/go-telegram/bot bot
// instrumented with genapp: every handler and button tracked as an action,
// every Bot API call counted by method with the token kept out of URLs,
// errors and logs, the metrics server, and a clean stop on Ctrl-C.
//
//	TELEGRAM_BOT_TOKEN=123:abc go run ./examples/gotelegram
package main

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
)

func main() {
	metricsAddr := flag.String("metrics-addr", "127.0.0.1:9464", "the metrics server's listen address")
	flag.Parse()

	if _, err := metrics.Init("mybot", "prod"); err != nil {
		log.Fatal(err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	served := make(chan error, 1)
	go func() { served <- metrics.Serve(ctx, *metricsAddr); stop() }()

	// The library holds the placeholder; the client puts the real token in
	// each request and counts it as genapp_http_*{app_type="telegram_api"}.
	client := httpclient.NewTelegram(os.Getenv("TELEGRAM_BOT_TOKEN"), httpclient.WithTimeout(time.Minute))
	apiURL := cmp.Or(os.Getenv("TELEGRAM_API_URL"), "https://api.telegram.org")

	tr, err := gotelegrammetrics.New()
	if err != nil {
		log.Fatal(err)
	}
	b, err := bot.New(httpclient.TokenPlaceholder,
		// Always: the updates no route takes count too (nil: counted only).
		tr.WithDefaultHandler(func(ctx context.Context, b *bot.Bot, u *models.Update) { // text_handler, unknown_command_handler
			if u.Message == nil {
				return
			}
			_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: u.Message.Chat.ID, Text: "You said: " + u.Message.Text})
			gotelegrammetrics.Fail(ctx, err) // handlers return nothing: a failed reply fails the run this way
		}),
		bot.WithServerURL(apiURL),
		bot.WithHTTPClient(10*time.Second, client))
	if err != nil {
		log.Fatal(err)
	}

	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) { // start_handler
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{
			ChatID: u.Message.Chat.ID,
			Text:   "Hi! Press the button.",
			ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{
				{{Text: "Say hello", CallbackData: "hello:1"}},
			}},
		})
		gotelegrammetrics.Fail(ctx, err)
	})
	tr.RegisterHandler(b, bot.HandlerTypeCallbackQueryData, "hello:", bot.MatchTypePrefix, func(ctx context.Context, b *bot.Bot, u *models.Update) { // hello_callback_handler
		q := u.CallbackQuery
		if _, err := b.AnswerCallbackQuery(ctx, &bot.AnswerCallbackQueryParams{CallbackQueryID: q.ID}); err != nil {
			gotelegrammetrics.Fail(ctx, err)
			return
		}
		_, err := b.SendMessage(ctx, &bot.SendMessageParams{ChatID: q.From.ID, Text: "Hello, " + q.From.FirstName + "!"})
		gotelegrammetrics.Fail(ctx, err)
	})

	// Unlike b.Start, the Poller backs off when the Bot API fails, waits
	// its retry_after, and stops on 401 and 409, where polling again
	// would not help.
	poller, err := gotelegrammetrics.NewPoller(client, gotelegrammetrics.WithAPIURL(apiURL), gotelegrammetrics.WithPollTimeout(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	err = poller.Run(ctx, b) // until Ctrl-C: cancels the poll in flight
	stop()
	wait, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	if err := errors.Join(err, tr.Wait(wait), <-served); err != nil {
		log.Fatal(err)
	}
}
