package tgbotapimetrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/telegramtest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// A tgbotapi bot whose updates a Poller fetches and the Router handles,
// four at a time, against the fake Bot API of package telegramtest. In a
// real bot, call metrics.Init once and leave out WithMetrics and the fake
// server.
func Example() {
	srv := telegramtest.NewServer()
	defer srv.Close()
	m, err := metrics.New("demo", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		log.Fatal(err)
	}
	client := &http.Client{Timeout: 30 * time.Second}
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.Endpoint(), client)
	if err != nil {
		log.Fatal(err)
	}

	r, err := tgbotapimetrics.New(
		tgbotapimetrics.WithMetrics(m),
		tgbotapimetrics.Command("start", func(ctx context.Context, u tgbotapi.Update) error {
			msg := tgbotapi.NewMessage(u.Message.Chat.ID, "Hello!")
			msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
				tgbotapi.NewInlineKeyboardButtonData("Menu", "menu:42")))
			_, err := bot.Send(msg)
			return err
		}),
		tgbotapimetrics.Callback("menu", func(ctx context.Context, u tgbotapi.Update) error {
			_, err := bot.Request(tgbotapi.NewCallback(u.CallbackQuery.ID, "item "+strings.TrimPrefix(u.CallbackQuery.Data, "menu:")))
			return err
		}),
		tgbotapimetrics.On(telegram.KindText, func(ctx context.Context, u tgbotapi.Update) error {
			_, err := bot.Send(tgbotapi.NewMessage(u.Message.Chat.ID, "You said: "+u.Message.Text))
			return err
		}, tgbotapimetrics.Name("chat_handler")),
	)
	if err != nil {
		log.Fatal(err)
	}

	// The Poller sends getUpdates with the BotAPI's client, to the server
	// of its endpoint.
	p, err := tgbotapimetrics.NewPoller(client, tgbotapimetrics.WithAPIURL(srv.URL), tgbotapimetrics.WithPollTimeout(time.Second))
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Poll(ctx, bot, p, 4) }()

	// Play the user: a command, then the button with payload 42, then text.
	srv.SendText(42, "/start")
	wait, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sent, err := srv.WaitSent(wait, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("bot:", sent[0].Text)
	srv.PressButton(42, "menu:42")
	srv.SendText(42, "hi")
	if _, err := srv.WaitSent(wait, 2); err != nil {
		log.Fatal(err)
	}
	for len(srv.Answered()) == 0 && wait.Err() == nil {
		time.Sleep(5 * time.Millisecond)
	}

	// Graceful shutdown: stop polling, and let the handlers in flight finish.
	stop()
	if err := <-done; err != nil {
		log.Fatal(err) // an *AbandonedError lists the handlers cut off
	}
	printActions(m)
	// Output:
	// bot: Hello!
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="chat_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="menu_callback_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="start_handler",status="ok"} 1
}

// Webhooks: the HTTP handler parses each update and runs its route at once
// with HandleUpdate.
func ExampleRouter_HandleUpdate() {
	m, err := metrics.New("demo", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		log.Fatal(err)
	}
	r, err := tgbotapimetrics.New(
		tgbotapimetrics.WithMetrics(m),
		tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
				if a.Key == slog.TimeKey || a.Key == "stack" {
					return slog.Attr{} // keep the output stable
				}
				return a
			},
		}))),
		tgbotapimetrics.Command("start", func(context.Context, tgbotapi.Update) error { return nil }),
		tgbotapimetrics.Command("boom", func(context.Context, tgbotapi.Update) error { panic("out of cheese") }),
	)
	if err != nil {
		log.Fatal(err)
	}
	webhook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		data, err := io.ReadAll(io.LimitReader(req.Body, 1<<20))
		if err != nil {
			return
		}
		u, err := tgbotapimetrics.ParseUpdate(data)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if err := r.HandleUpdate(req.Context(), u); err != nil {
			fmt.Println("handler:", err)
		}
	}))
	defer webhook.Close()

	for _, update := range []string{
		`{"update_id":1,"message":{"message_id":1,"chat":{"id":42},"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}`,
		`{"update_id":2,"message":{"message_id":2,"chat":{"id":42},"text":"/boom","entities":[{"type":"bot_command","offset":0,"length":5}]}}`,
	} {
		resp, err := http.Post(webhook.URL, "application/json", strings.NewReader(update))
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
	}
	printActions(m)
	// Output:
	// level=ERROR msg="telegram handler failed" action=boom_handler update_id=2 error="tgbotapimetrics: boom_handler panicked on update 2: out of cheese"
	// handler: tgbotapimetrics: boom_handler panicked on update 2: out of cheese
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="start_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="panic",name="boom_handler",status="error"} 1
}

// printActions prints m's non-zero action counts.
func printActions(m *metrics.Metrics) {
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/prometheus", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "genapp_action_count_total{") && !strings.HasSuffix(line, " 0\n") {
			fmt.Print(line)
		}
	}
}

// Poll stops polling on a 409 (a webhook is set, or another instance
// polls) and a 401 (the token was revoked), and says why; tgbotapi's
// GetUpdatesChan retries them every 3 s, for ever. Every other failure is
// retried with backoff, and logged.
func ExampleRouter_Poll() {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.Inject("getUpdates", telegramtest.Fault{Status: 409, Description: "Conflict: can't use getUpdates method while webhook is active"})
	client := &http.Client{Timeout: 30 * time.Second}
	api, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.Endpoint(), client)
	if err != nil {
		log.Fatal(err)
	}
	r, err := tgbotapimetrics.New(tgbotapimetrics.WithLogger(slog.New(slog.DiscardHandler)),
		tgbotapimetrics.Command("start", func(context.Context, tgbotapi.Update) error { return nil }))
	if err != nil {
		log.Fatal(err)
	}
	p, err := tgbotapimetrics.NewPoller(client, tgbotapimetrics.WithAPIURL(srv.URL))
	if err != nil {
		log.Fatal(err)
	}
	err = r.Poll(context.Background(), api, p, 8)
	var pe *telegram.PollError
	fmt.Println(errors.As(err, &pe), pe.Code, pe.Stopped, p.Err() == err)
	fmt.Println(err)
	// Output:
	// true 409 true true
	// telegram: getUpdates failed (409): Conflict: can't use getUpdates method while webhook is active; polling stopped: a webhook is set (call deleteWebhook) or another instance of the bot polls
}
