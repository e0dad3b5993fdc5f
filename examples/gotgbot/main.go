// Command gotgbot is a complete github.com/PaulSonOfLars/gotgbot/v2 bot
// instrumented with genapp: every handler and button tracked as an action,
// every Bot API call counted by method with the token kept out of URLs,
// errors and logs, the metrics server, and a clean stop on Ctrl-C.
//
//	TELEGRAM_BOT_TOKEN=123:abc go run ./examples/gotgbot
package main

import (
	"context"
	"errors"
	"flag"
	"log"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/message"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
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

	// The bot holds the placeholder; the client puts the real token in
	// each request and counts it as genapp_http_*{app_type="telegram_api"}.
	// gotgbot.NewBot checks the token with getMe.
	client := httpclient.NewTelegram(os.Getenv("TELEGRAM_BOT_TOKEN"), httpclient.WithTimeout(30*time.Second))
	bot, err := gotgbot.NewBot(httpclient.TokenPlaceholder, &gotgbot.BotOpts{BotClient: &gotgbot.BaseBotClient{
		Client:             *client,
		DefaultRequestOpts: &gotgbot.RequestOpts{APIURL: os.Getenv("TELEGRAM_API_URL")}, // "": https://api.telegram.org
	}})
	if err != nil {
		log.Fatal(err)
	}

	// gotgbot recovers a panicking handler and calls Panic; the run is
	// recorded as "error" first.
	d := ext.NewDispatcher(&ext.DispatcherOpts{
		Panic: func(_ *gotgbot.Bot, _ *ext.Context, r any) { log.Print("handler panicked: ", r) },
	})
	tr, err := gotgbotmetrics.New(d) // counts every update d handles
	if err != nil {
		log.Fatal(err)
	}
	tr.AddHandler(handlers.NewCommand("start", func(b *gotgbot.Bot, ctx *ext.Context) error { // start_handler
		_, err := ctx.EffectiveMessage.Reply(b, "Hi! Press the button.", &gotgbot.SendMessageOpts{
			ReplyMarkup: gotgbot.InlineKeyboardMarkup{InlineKeyboard: [][]gotgbot.InlineKeyboardButton{
				{{Text: "Say hello", CallbackData: "hello:1"}},
			}},
		})
		return err
	}))
	err = tr.AddCallback("hello", func(b *gotgbot.Bot, ctx *ext.Context) error { // hello_callback_handler
		if _, err := ctx.CallbackQuery.Answer(b, nil); err != nil {
			return err
		}
		_, err := b.SendMessage(ctx.EffectiveChat.Id, "Hello, "+ctx.EffectiveUser.FirstName+"!", nil)
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	tr.AddHandler(handlers.NewMessage(message.Text, func(b *gotgbot.Bot, ctx *ext.Context) error { // text_handler, unknown_command_handler
		_, err := ctx.EffectiveMessage.Reply(b, "You said: "+ctx.EffectiveMessage.Text, nil)
		return err
	}))

	// Unlike gotgbot's Updater, the Poller backs off when the Bot API
	// fails, and stops on 401 and 409. It sends getUpdates with the client
	// the bot's BaseBotClient copies, to the bot's API URL.
	poller, err := gotgbotmetrics.NewPoller(client, gotgbotmetrics.WithPollTimeout(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	pollErr := poller.Poll(ctx, bot, d) // until Ctrl-C, a 401 or a 409
	stop()
	d.Stop() // waits for the handlers in flight
	if err := errors.Join(<-served, pollErr); err != nil {
		log.Fatal(err)
	}
}
