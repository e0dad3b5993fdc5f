package gotgbotmetrics_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/callbackquery"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/message"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// A gotgbot bot whose handlers are registered through a Tracker, polling
// the fake Bot API of package telegramtest with a Poller. In a real bot,
// call metrics.Init once and leave out WithMetrics and the fake server.
func Example() {
	srv := telegramtest.NewServer()
	defer srv.Close()
	m, err := metrics.New("demo", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		log.Fatal(err)
	}

	// The bot holds the placeholder; the client puts the real token in
	// each request. gotgbot.NewBot checks it with getMe.
	client := httpclient.NewTelegram(srv.Token, httpclient.WithMetrics(m), httpclient.WithTimeout(30*time.Second))
	b, err := gotgbot.NewBot(httpclient.TokenPlaceholder, &gotgbot.BotOpts{BotClient: &gotgbot.BaseBotClient{
		Client:             *client,
		DefaultRequestOpts: &gotgbot.RequestOpts{APIURL: srv.URL},
	}})
	if err != nil {
		log.Fatal(err)
	}

	d := ext.NewDispatcher(nil)
	tr, err := gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m))
	if err != nil {
		log.Fatal(err)
	}
	tr.AddHandler(handlers.NewCommand("start", func(b *gotgbot.Bot, ctx *ext.Context) error {
		_, err := ctx.EffectiveMessage.Reply(b, "Hello!", &gotgbot.SendMessageOpts{ReplyMarkup: gotgbot.InlineKeyboardMarkup{
			InlineKeyboard: [][]gotgbot.InlineKeyboardButton{{{Text: "Menu", CallbackData: "menu:42"}}},
		}})
		return err
	}))
	// gotgbot's own filter, named: a filter does not say which buttons it takes.
	if err := tr.AddHandlerAs("menu_callback_handler", handlers.NewCallback(callbackquery.Prefix("menu:"), func(b *gotgbot.Bot, ctx *ext.Context) error {
		_, err := ctx.CallbackQuery.Answer(b, &gotgbot.AnswerCallbackQueryOpts{Text: "item " + strings.TrimPrefix(ctx.CallbackQuery.Data, "menu:")})
		return err
	})); err != nil {
		log.Fatal(err)
	}
	tr.AddHandler(handlers.NewMessage(message.Text, func(b *gotgbot.Bot, ctx *ext.Context) error {
		_, err := ctx.EffectiveMessage.Reply(b, "You said: "+ctx.EffectiveMessage.Text, nil)
		return err
	}))

	// The Poller sends getUpdates with the client the bot's BaseBotClient
	// copies, to the bot's API URL.
	p, err := gotgbotmetrics.NewPoller(client, gotgbotmetrics.WithPollTimeout(time.Second))
	if err != nil {
		log.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	polled := make(chan error, 1)
	go func() { polled <- p.Poll(ctx, b, d) }()

	// Play the user: a command, the button, a command the bot does not know.
	srv.SendText(42, "/start")
	srv.PressButton(42, "menu:42")
	srv.SendText(42, "/help")
	wait, stop := context.WithTimeout(context.Background(), 5*time.Second)
	defer stop()
	if _, err := srv.WaitSent(wait, 2); err != nil {
		log.Fatal(err)
	}
	for len(srv.Answered()) == 0 && wait.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	<-polled
	d.Stop() // waits for the handlers in flight

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/prometheus", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "genapp_action_count_total{") {
			fmt.Print(line)
		}
	}
	// Output:
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="menu_callback_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="start_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="unknown_command_handler",status="ok"} 1
}

// A Poller stops on a 409 (a webhook is set, or another instance polls)
// and a 401 (the token was revoked), and says why; gotgbot's Updater polls
// on. Every other failure is retried with backoff and reported too.
func ExampleNewPoller() {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.Inject("getUpdates", telegramtest.Fault{Status: 409, Description: "Conflict: terminated by other getUpdates request"})
	client := &http.Client{Timeout: 30 * time.Second}
	b := &gotgbot.Bot{Token: srv.Token, BotClient: &gotgbot.BaseBotClient{Client: *client, DefaultRequestOpts: &gotgbot.RequestOpts{APIURL: srv.URL}}}

	p, err := gotgbotmetrics.NewPoller(client, gotgbotmetrics.WithErrorFunc(func(error) {}))
	if err != nil {
		log.Fatal(err)
	}
	err = p.Poll(context.Background(), b, ext.NewDispatcher(nil))
	var pe *telegram.PollError
	fmt.Println(errors.As(err, &pe), pe.Code, pe.Stopped, p.Err() == err)
	fmt.Println(err)
	// Output:
	// true 409 true true
	// telegram: getUpdates failed (409): Conflict: terminated by other getUpdates request; polling stopped: a webhook is set (call deleteWebhook) or another instance of the bot polls
}
