// Command tgbotapi is a complete github.com/go-telegram-bot-api/telegram-bot-api/v5
// bot instrumented with genapp: every route tracked as an action, every Bot
// API call counted by method with the token kept out of URLs, errors and
// logs, the metrics server, and a clean stop on Ctrl-C that lets the
// handlers in flight finish.
//
//	TELEGRAM_BOT_TOKEN=123:abc go run ./examples/tgbotapi
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"syscall"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
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

	apiURL := "https://api.telegram.org"
	if u := os.Getenv("TELEGRAM_API_URL"); u != "" {
		apiURL = u
	}
	// The library holds the placeholder; the client puts the real token in
	// each request and counts it as genapp_http_*{app_type="telegram_api"}.
	client := httpclient.NewTelegram(os.Getenv("TELEGRAM_BOT_TOKEN"))
	bot, err := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, apiURL+"/bot%s/%s", client)
	if err != nil {
		log.Fatal(err)
	}

	menu := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
		tgbotapi.NewInlineKeyboardButtonData("Say hello", "hello:1"),
	))
	reply := func(chatID int64, text string, markup any) error {
		msg := tgbotapi.NewMessage(chatID, text)
		msg.ReplyMarkup = markup
		_, err := bot.Send(msg)
		return err
	}
	r, err := tgbotapimetrics.New(
		tgbotapimetrics.Command("start", func(ctx context.Context, u tgbotapi.Update) error { // start_handler
			return reply(u.Message.Chat.ID, "Hi! Press the button.", menu)
		}),
		tgbotapimetrics.Callback("hello", func(ctx context.Context, u tgbotapi.Update) error { // hello_callback_handler
			if _, err := bot.Request(tgbotapi.NewCallback(u.CallbackQuery.ID, "")); err != nil {
				return err
			}
			return reply(u.CallbackQuery.Message.Chat.ID, fmt.Sprintf("Hello, %s!", u.CallbackQuery.From.FirstName), nil)
		}),
		tgbotapimetrics.On(telegram.KindText, func(ctx context.Context, u tgbotapi.Update) error { // text_handler, unknown_command_handler
			return reply(u.Message.Chat.ID, "You said: "+u.Message.Text, nil)
		}),
	)
	if err != nil {
		log.Fatal(err)
	}

	// Long polling with the bot's client and server, 8 handlers at a time,
	// until ctx ends (then the handlers in flight finish) or the Bot API
	// answers 401 or 409. Unlike GetUpdatesChan, it backs off when the Bot
	// API fails.
	poller, err := tgbotapimetrics.NewPoller(client, tgbotapimetrics.WithAPIURL(apiURL))
	if err != nil {
		log.Fatal(err)
	}
	err = r.Poll(ctx, bot, poller, 8)
	stop()
	if err := errors.Join(err, <-served); err != nil {
		log.Fatal(err)
	}
}
