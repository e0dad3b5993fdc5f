package telebotmetrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	tele "gopkg.in/telebot.v3"
	"gopkg.in/telebot.v3/middleware"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// A telebot bot set up as the package documentation shows, run against
// the fake Bot API of package telegramtest. In a real bot, call
// metrics.Init once and leave out WithMetrics and the fake server.
func Example() {
	srv := telegramtest.NewServer()
	defer srv.Close()
	m, err := metrics.New("demo", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		log.Fatal(err)
	}

	client := httpclient.NewTelegram(srv.Token, httpclient.WithMetrics(m))
	p, err := telebotmetrics.NewPoller(client, telebotmetrics.WithPollTimeout(time.Second))
	if err != nil {
		log.Fatal(err)
	}
	bot, err := tele.NewBot(tele.Settings{URL: srv.URL, Token: httpclient.TokenPlaceholder, Client: client, Synchronous: true})
	if err != nil {
		log.Fatal(err)
	}
	bot.Use(middleware.Recover()) // a panicking handler must not end the bot

	tr, err := telebotmetrics.New(bot, telebotmetrics.WithMetrics(m))
	if err != nil {
		log.Fatal(err)
	}
	bot.Poller = tr.Poller(p)
	markup := &tele.ReplyMarkup{}
	menu := markup.Data("Menu", "menu")
	markup.Inline(markup.Row(menu))
	tr.Handle("/start", func(c tele.Context) error { return c.Send("Hello!", markup) })
	tr.Handle(&menu, func(c tele.Context) error { return c.Respond(&tele.CallbackResponse{Text: "item " + c.Data()}) })
	if err := tr.HandleAs("chat_handler", tele.OnText, func(c tele.Context) error { return c.Send("You said: " + c.Text()) }); err != nil {
		log.Fatal(err)
	}

	go bot.Start()
	defer bot.Stop()

	// Play the user: a command, then the button with payload 42.
	srv.SendText(42, "/start")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sent, err := srv.WaitSent(ctx, 1)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("bot:", sent[0].Text)
	srv.PressButton(42, "\fmenu|42")
	srv.SendText(42, "hi")
	if _, err := srv.WaitSent(ctx, 2); err != nil {
		log.Fatal(err)
	}

	printActions(m, 3)
	// Output:
	// bot: Hello!
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="chat_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="menu_callback_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="start_handler",status="ok"} 1
}

// A Poller stops on a 409 (a webhook is set, or another instance polls)
// and a 401 (the token was revoked); telebot's Bot.Start does not notice,
// so OnError stops the bot. Every other failure is retried with backoff
// and reported to OnError as well.
func ExampleNewPoller() {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.Inject("getUpdates", telegramtest.Fault{Status: 409, Description: "Conflict: terminated by other getUpdates request"})

	client := &http.Client{Timeout: 15 * time.Second} // longer than the poll timeout
	p, err := telebotmetrics.NewPoller(client, telebotmetrics.WithPollTimeout(10*time.Second))
	if err != nil {
		log.Fatal(err)
	}
	stopped := make(chan error, 1)
	bot, err := tele.NewBot(tele.Settings{
		URL:         srv.URL,
		Token:       srv.Token,
		Client:      client,
		Synchronous: true,
		OnError: func(err error, _ tele.Context) {
			if pe := (*telegram.PollError)(nil); errors.As(err, &pe) && pe.Stopped {
				stopped <- err
			}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := telebotmetrics.New(bot)
	if err != nil {
		log.Fatal(err)
	}
	bot.Poller = tr.Poller(p)
	go bot.Start()
	fmt.Println(<-stopped)
	bot.Stop()
	fmt.Println(p.Err() != nil)
	// Output:
	// telegram: getUpdates failed (409): Conflict: terminated by other getUpdates request; polling stopped: a webhook is set (call deleteWebhook) or another instance of the bot polls
	// true
}

// A webhook handler of your own (one that answers Telegram once the
// handler has run, say) hands each update to Tracker.ProcessUpdate: it is
// counted whether a route takes it or not.
func ExampleTracker_ProcessUpdate() {
	m, err := metrics.New("demo", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		log.Fatal(err)
	}
	bot, err := tele.NewBot(tele.Settings{Offline: true, Synchronous: true})
	if err != nil {
		log.Fatal(err)
	}
	tr, err := telebotmetrics.New(bot, telebotmetrics.WithMetrics(m))
	if err != nil {
		log.Fatal(err)
	}
	tr.Handle("/start", func(c tele.Context) error { return nil })
	webhook := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		u, err := telebotmetrics.ParseUpdate(data)
		if err != nil {
			return // answered 200: Telegram would send it again, and again
		}
		tr.ProcessUpdate(bot, u) // returns once its handlers have
	})
	for _, data := range []string{
		`{"update_id":1,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":"/start"}}`,
		`{"update_id":2,"message":{"message_id":2,"date":0,"chat":{"id":1,"type":"private"},"text":"no route"}}`,
		`{"update_id":3,"callback_query":{"id":"9","from":{"id":1},"data":"\fmenu|42"}}`,
	} {
		webhook.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("POST", "/hook", strings.NewReader(data)))
	}
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/prometheus", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "genapp_telegram_updates_total{") || strings.HasPrefix(line, "genapp_action_count_total{") {
			fmt.Print(line)
		}
	}
	// Output:
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="start_handler",status="ok"} 1
	// genapp_telegram_updates_total{app="demo",env="dev",type="callback_query"} 1
	// genapp_telegram_updates_total{app="demo",env="dev",type="message"} 2
}

// printActions prints m's non-zero action counts once it has recorded runs
// runs: telebot runs handlers on goroutines of its own, which record a
// moment after their reply has reached the server.
func printActions(m *metrics.Metrics, runs int) {
	var lines []string
	for deadline := time.Now().Add(5 * time.Second); len(lines) < runs && time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		rec := httptest.NewRecorder()
		m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/prometheus", nil))
		lines = lines[:0]
		for line := range strings.Lines(rec.Body.String()) {
			if strings.HasPrefix(line, "genapp_action_count_total{") && !strings.HasSuffix(line, " 0\n") {
				lines = append(lines, line)
			}
		}
	}
	fmt.Print(strings.Join(lines, ""))
}

// ParseUpdate parses what a webhook request or getUpdates carries; an
// update that makes telebot panic is an error instead.
func ExampleParseUpdate() {
	_, err := telebotmetrics.ParseUpdate([]byte(`{"update_id":1,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"photo":[]}}`))
	fmt.Println(err)
	u, err := telebotmetrics.ParseUpdate([]byte(`{"update_id":2,"message":{"message_id":2,"date":0,"chat":{"id":1,"type":"private"},"text":"hi"}}`))
	fmt.Println(u.ID, u.Message.Text, err)
	// Output:
	// telebotmetrics: telebot cannot parse the update: it panicked: runtime error: index out of range [-1]
	// 2 hi <nil>
}
