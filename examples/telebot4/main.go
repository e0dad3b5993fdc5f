// Command telebot4 is a complete gopkg.in/telebot.v4 bot instrumented with
// genapp: every handler and button tracked as an action, every Bot API call
// counted by method with the token kept out of URLs, errors and logs, the
// metrics server, and a clean stop on Ctrl-C.
//
//	TELEGRAM_BOT_TOKEN=123:abc go run ./examples/telebot4
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

	tele "gopkg.in/telebot.v4"
	"gopkg.in/telebot.v4/middleware"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/telebotmetrics/v4"
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
	client := httpclient.NewTelegram(os.Getenv("TELEGRAM_BOT_TOKEN"))
	// Unlike tele.LongPoller, it backs off when the Bot API fails.
	poller, err := telebotmetrics.NewPoller(client, telebotmetrics.WithPollTimeout(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	bot, err := tele.NewBot(tele.Settings{
		URL:         os.Getenv("TELEGRAM_API_URL"), // "": https://api.telegram.org
		Token:       httpclient.TokenPlaceholder,
		Client:      client,
		Synchronous: true, // ProcessUpdate returns once the handlers have
		OnError: func(err error, c tele.Context) {
			log.Print(err)
			var pe *telegram.PollError
			if errors.As(err, &pe) && pe.Stopped {
				stop() // 401 or 409: polling again would not help
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	bot.Use(middleware.Recover()) // a panicking handler is recorded as "error", then recovered

	menu := &tele.ReplyMarkup{}
	btnHello := menu.Data("Say hello", "hello", "1") // data "\fhello|1"
	menu.Inline(menu.Row(btnHello))

	tr, err := telebotmetrics.New(bot)
	if err != nil {
		log.Fatal(err)
	}
	// Each update on a goroutine of its own, counted whether a route takes
	// it or not, in flight until its handlers return.
	bot.Poller = tr.Poller(poller)
	tr.Handle("/start", func(c tele.Context) error { // start_handler
		return c.Send("Hi! Press the button.", menu)
	})
	tr.Handle(&btnHello, func(c tele.Context) error { // hello_callback_handler
		if err := c.Respond(); err != nil {
			return err
		}
		return c.Send("Hello, " + c.Sender().FirstName + "!")
	})
	tr.Handle(tele.OnText, func(c tele.Context) error { // text_handler, unknown_command_handler
		return c.Send("You said: " + c.Text())
	})

	go bot.Start()
	<-ctx.Done()
	bot.Stop() // cancels the poll in flight
	if err := errors.Join(<-served, poller.Err()); err != nil {
		log.Fatal(err)
	}
}
