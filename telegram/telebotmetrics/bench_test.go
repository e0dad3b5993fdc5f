package telebotmetrics_test

import (
	"sync"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
)

// BenchmarkTelebot is one command through telebot's ProcessUpdate with a
// synchronous offline bot: the handler registered on the bot directly
// (untracked), through a Tracker recording in a real registry (tracked),
// the same through the Tracker's ProcessUpdate, which counts the update as
// its Poller does (counted), and counted with metrics.WithActiveUsers on
// (activeusers: only the counting feeds the sketch). Each command comes
// from a user of its own, on every side.
func BenchmarkTelebot(b *testing.B) {
	h := func(tele.Context) error { return nil }
	tracked := func(m *metrics.Metrics) func(*tele.Bot) func(tele.Update) {
		return func(bot *tele.Bot) func(tele.Update) {
			mustNew(b, bot, telebotmetrics.WithMetrics(m)).Handle("/start", h)
			return bot.ProcessUpdate
		}
	}
	counted := func(m *metrics.Metrics) func(*tele.Bot) func(tele.Update) {
		return func(bot *tele.Bot) func(tele.Update) {
			tr := mustNew(b, bot, telebotmetrics.WithMetrics(m))
			tr.Handle("/start", h)
			return func(u tele.Update) { tr.ProcessUpdate(bot, u) }
		}
	}
	untracked := func(*metrics.Metrics) func(*tele.Bot) func(tele.Update) {
		return func(bot *tele.Bot) func(tele.Update) { bot.Handle("/start", h); return bot.ProcessUpdate }
	}
	for _, bc := range []struct {
		name     string
		register func(*metrics.Metrics) func(*tele.Bot) func(tele.Update)
		opts     []metrics.Option // of the instance each run records in
	}{
		{"untracked", untracked, nil},
		{"tracked", tracked, nil},
		{"counted", counted, nil},
		{"activeusers", counted, []metrics.Option{metrics.WithActiveUsers()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := actiontest.NewMetrics(b, bc.opts...) // a run of its own users
			bot, _ := newBot(b)
			process := bc.register(m)(bot)
			start := time.Now()
			b.ReportAllocs()
			id := int64(0)
			for b.Loop() {
				id++
				u := message("/start")
				u.Message.Sender.ID = id
				process(u)
			}
			if bc.opts != nil {
				actiontest.WantActiveUsers(b, m.Handler(), int(id), start)
			}
		})
	}
}

// feed is a tele.Poller that delivers n commands, then waits for stop.
type feed struct{ n int }

func (f feed) Poll(_ *tele.Bot, dest chan tele.Update, stop chan struct{}) {
	for range f.n {
		select {
		case dest <- message("/start"):
		case <-stop:
			return
		}
	}
	<-stop
}

// BenchmarkDelivery is one command delivered by a Poller to a started
// bot, whose handler the benchmark waits for: telebot's own way, Start
// handing it to an asynchronous bot whose handler is registered directly,
// against the package's, the Tracker's Poller running a Synchronous bot
// on a goroutine per update, with the handler tracked.
func BenchmarkDelivery(b *testing.B) {
	for _, bc := range []struct {
		name  string
		setUp func(b *testing.B, h tele.HandlerFunc) *tele.Bot
	}{
		{"start", func(b *testing.B, h tele.HandlerFunc) *tele.Bot {
			bot, err := tele.NewBot(tele.Settings{Offline: true, Poller: feed{b.N}})
			if err != nil {
				b.Fatal(err)
			}
			bot.Handle("/start", h)
			return bot
		}},
		{"counted", func(b *testing.B, h tele.HandlerFunc) *tele.Bot {
			bot, err := tele.NewBot(tele.Settings{Offline: true, Synchronous: true})
			if err != nil {
				b.Fatal(err)
			}
			tr := mustNew(b, bot, telebotmetrics.WithMetrics(actiontest.NewMetrics(b)))
			tr.Handle("/start", h)
			bot.Poller = tr.Poller(feed{b.N})
			return bot
		}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var handled sync.WaitGroup
			handled.Add(b.N)
			bot := bc.setUp(b, func(tele.Context) error { handled.Done(); return nil })
			b.ReportAllocs()
			b.ResetTimer()
			go bot.Start()
			handled.Wait()
			b.StopTimer()
			bot.Stop()
		})
	}
}
