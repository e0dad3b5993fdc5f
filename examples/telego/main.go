// Command telego is a complete github.com/mymmrac/telego bot instrumented
// with genapp: every handler and button tracked as an action, every Bot API
// call counted by method with the token kept out of URLs, errors and logs,
// the metrics server, and a clean stop on Ctrl-C.
//
//	TELEGRAM_BOT_TOKEN=123:abc go run ./examples/telego
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

	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"
	tu "github.com/mymmrac/telego/telegoutil"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/telegometrics"
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

	// telego holds a placeholder token and, instead of fasthttp, calls the
	// Bot API through this client, which puts the real token in each
	// request and counts it as genapp_http_*{app_type="telegram_api"}.
	client := httpclient.NewTelegram(os.Getenv("TELEGRAM_BOT_TOKEN"))
	opts := []telego.BotOption{telegometrics.WithClient(client)}
	if url := os.Getenv("TELEGRAM_API_URL"); url != "" { // "": https://api.telegram.org
		opts = append(opts, telego.WithAPIServer(url))
	}
	bot, err := telego.NewBot(telegometrics.TokenPlaceholder, opts...)
	if err != nil {
		log.Fatal(err)
	}
	// Unlike UpdatesViaLongPolling, it backs off when the Bot API fails and
	// stops on 401 and 409.
	poller, err := telegometrics.NewPoller(client, telegometrics.WithPollTimeout(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	bh, err := th.NewBotHandler(bot, poller.Updates(ctx, bot))
	if err != nil {
		log.Fatal(err)
	}
	tr, err := telegometrics.New(bh) // first: every update counts in genapp_telegram_updates_total
	if err != nil {
		log.Fatal(err)
	}
	bh.Use(th.PanicRecovery()) // a panicking handler is recorded as "error", then recovered

	menu := tu.InlineKeyboard(tu.InlineKeyboardRow(
		tu.InlineKeyboardButton("Say hello").WithCallbackData("hello:1")))
	err = errors.Join(
		tr.Command("start", func(ctx *th.Context, u telego.Update) error { // start_handler
			_, err := ctx.Bot().SendMessage(ctx, tu.Message(u.Message.Chat.ChatID(), "Hi! Press the button.").WithReplyMarkup(menu))
			return err
		}),
		tr.Callback("hello", func(ctx *th.Context, u telego.Update) error { // hello_callback_handler
			q := u.CallbackQuery
			if err := ctx.Bot().AnswerCallbackQuery(ctx, tu.CallbackQuery(q.ID)); err != nil {
				return err
			}
			_, err := ctx.Bot().SendMessage(ctx, tu.Message(tu.ID(q.From.ID), "Hello, "+q.From.FirstName+"!"))
			return err
		}),
		tr.On(telegram.KindText, func(ctx *th.Context, u telego.Update) error { // text_handler, unknown_command_handler
			_, err := ctx.Bot().SendMessage(ctx, tu.Message(u.Message.Chat.ChatID(), "You said: "+u.Message.Text))
			return err
		}),
	)
	if err != nil {
		log.Fatal(err)
	}

	go func() { bh.Start(); stop() }() // the updates close on Ctrl-C, or on a 401 or 409
	<-ctx.Done()
	bh.Stop()
	if err := errors.Join(<-served, poller.Err()); err != nil {
		log.Fatal(err)
	}
}
