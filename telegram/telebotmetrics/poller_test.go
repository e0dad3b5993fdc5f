package telebotmetrics_test

import (
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/internal/telebottest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
)

var telebot = telebottest.Telebot[*tele.Bot, tele.Update]{
	Bot: func(url, token string, onError func(error)) (*tele.Bot, error) {
		return tele.NewBot(tele.Settings{URL: url, Token: token, Offline: true, OnError: func(err error, _ tele.Context) { onError(err) }})
	},
	LongPoll:      (&tele.LongPoller{Timeout: 10 * time.Second}).Poll,
	Raw:           func(b *tele.Bot) { b.Raw("getUpdates", nil) },
	ProcessUpdate: (*tele.Bot).ProcessUpdate,
	ID:            func(u tele.Update) int { return u.ID },
}

func TestPoller(t *testing.T) {
	adaptertest.Poller(t, telebottest.PollerBot(telebot, telebotmetrics.NewPoller, telebotmetrics.WithPollTimeout, telebotmetrics.WithAllowedUpdates, (*telebotmetrics.Poller).Poll))
}

// TestLongPollerMisbehaves is the control: see telebottest.
func TestLongPollerMisbehaves(t *testing.T) { telebottest.LongPollerMisbehaves(t, telebot) }

// BenchmarkPoller: what the Poller costs each update it fetches and hands
// on (see adaptertest.PollerBench).
func BenchmarkPoller(b *testing.B) {
	adaptertest.PollerBench(b, telebottest.PollerBot(telebot, telebotmetrics.NewPoller, telebotmetrics.WithPollTimeout, telebotmetrics.WithAllowedUpdates, (*telebotmetrics.Poller).Poll))
}
