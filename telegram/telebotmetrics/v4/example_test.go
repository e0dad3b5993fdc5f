package telebotmetrics_test

import (
	"fmt"
	"log"
	"net/http/httptest"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/telebotmetrics/v4"
)

// A telebot v4 bot whose handlers are registered through a Tracker, fed
// updates as a webhook handler of your own would: through the Tracker's
// ProcessUpdate, which counts every one. In a real bot, call metrics.Init
// once and leave out WithMetrics; a bot that runs Start gets its updates
// from tr.Poller(p), p a Poller or a *tele.Webhook.
func Example() {
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
	tr.Handle(&tele.Btn{Unique: "menu"}, func(c tele.Context) error { return nil })
	tr.Handle(tele.OnText, func(c tele.Context) error { return nil })

	for _, data := range []string{
		`{"update_id":1,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":"/start"}}`,
		`{"update_id":2,"callback_query":{"id":"9","from":{"id":1},"data":"\fmenu|42"}}`,
		`{"update_id":3,"message":{"message_id":2,"date":0,"chat":{"id":1,"type":"private"},"text":"/nope"}}`,
		`{"update_id":4,"message":{"message_id":3,"date":0,"chat":{"id":1,"type":"private"},"photo":[]}}`,
	} {
		u, err := telebotmetrics.ParseUpdate([]byte(data))
		if err != nil {
			fmt.Println(err) // telebot's json.Unmarshal panics on "photo":[]
			continue
		}
		tr.ProcessUpdate(bot, u)
	}

	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/prometheus", nil))
	for line := range strings.Lines(rec.Body.String()) {
		if strings.HasPrefix(line, "genapp_action_count_total{") || strings.HasPrefix(line, "genapp_telegram_updates_total{") {
			fmt.Print(line)
		}
	}
	// Output:
	// telebotmetrics/v4: telebot cannot parse the update: it panicked: runtime error: index out of range [-1]
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="menu_callback_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="start_handler",status="ok"} 1
	// genapp_action_count_total{app="demo",env="dev",error_name="",name="unknown_command_handler",status="ok"} 1
	// genapp_telegram_updates_total{app="demo",env="dev",type="callback_query"} 1
	// genapp_telegram_updates_total{app="demo",env="dev",type="message"} 2
}
