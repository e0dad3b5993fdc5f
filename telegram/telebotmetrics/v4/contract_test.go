package telebotmetrics_test

import (
	"testing"
	"time"

	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics/v4"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// TestUpdates: the message with three new members is one update, with or
// without an OnUserJoined route, which telebot v4 runs once per member.
func TestUpdates(t *testing.T) {
	for _, joined := range []bool{false, true} {
		adaptertest.Updates(t, adaptertest.Bot{
			Start: func(t *testing.T, api *telegramtest.Server, m *metrics.Metrics) func() {
				return startBot(t, api, m, joined)
			},
			ButtonData: func(unique, payload string) string { return "\f" + unique + "|" + payload },
		})
	}
}

// startBot starts the bot of adaptertest.Updates, set up as the package
// documentation shows, with an OnUserJoined route when joined.
func startBot(t *testing.T, api *telegramtest.Server, m *metrics.Metrics, joined bool) (stop func()) {
	t.Helper()
	client := httpclient.NewTelegram(api.Token, httpclient.WithMetrics(m), httpclient.WithTimeout(10*time.Second))
	p, err := telebotmetrics.NewPoller(client, telebotmetrics.WithPollTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	bot, err := tele.NewBot(tele.Settings{URL: api.URL, Token: httpclient.TokenPlaceholder, Client: client, Synchronous: true})
	if err != nil {
		t.Fatal(err)
	}
	tr := mustNew(t, bot, telebotmetrics.WithMetrics(m))
	bot.Poller = tr.Poller(p)
	tr.Handle("/start", func(c tele.Context) error { return c.Send("hi") })
	tr.Handle(&tele.Btn{Unique: "menu"}, func(tele.Context) error { return nil })
	if joined {
		tr.Handle(tele.OnUserJoined, func(tele.Context) error { return nil })
	}
	go bot.Start()
	for deadline := time.Now().Add(5 * time.Second); pollingtest.GetUpdatesCalls(api) == 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the bot did not poll within 5 s")
		}
	}
	return bot.Stop
}
