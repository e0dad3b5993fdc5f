package gotgbotmetrics_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/message"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// gauge is the value of the gauge name, which has one series.
func gauge(t *testing.T, e *promtest.Exposition, name string) float64 {
	t.Helper()
	return e.One(t, name, nil).GetGauge().GetValue()
}

// TestInFlight: a burst of slow handlers is in flight while they run, and
// nothing is once they have returned, a panicking one included.
func TestInFlight(t *testing.T) {
	m := actiontest.NewMetrics(t)
	d := ext.NewDispatcher(&ext.DispatcherOpts{Panic: func(*gotgbot.Bot, *ext.Context, any) {}})
	tr := gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m))
	release := make(chan struct{})
	var started sync.WaitGroup
	tr.AddHandler(handlers.NewCommand("slow", func(*gotgbot.Bot, *ext.Context) error { started.Done(); <-release; return nil }))
	tr.AddHandler(handlers.NewCommand("boom", func(*gotgbot.Bot, *ext.Context) error { started.Done(); <-release; panic("boom") }))
	const burst = 10
	started.Add(burst)
	var done sync.WaitGroup
	for i := range burst {
		text := "/slow"
		if i%5 == 0 {
			text = "/boom"
		}
		done.Go(func() { d.ProcessUpdate(offlineBot, textUpdate(text), nil) })
	}
	started.Wait()
	if n := gauge(t, promtest.Scrape(t, m.Handler()), actiontest.InFlight); n != burst {
		t.Errorf("%s = %v while %d handlers run, want %d", actiontest.InFlight, n, burst, burst)
	}
	close(release)
	done.Wait()
	e := promtest.Scrape(t, m.Handler())
	if n := gauge(t, e, actiontest.InFlight); n != 0 {
		t.Errorf("%s = %v once every handler returned, want 0", actiontest.InFlight, n)
	}
	if n := e.Counter(t, actiontest.Updates, promtest.Labels{"type": "message"}); n != burst {
		t.Errorf("%s{type=message} = %v, want %d", actiontest.Updates, n, burst)
	}
}

// TestUpdateTypes: each update counts once, by the Bot API field that is
// set, whether a handler takes it or not; callbacks, which carry no stamp,
// observe no lag.
func TestUpdateTypes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	d := ext.NewDispatcher(nil)
	gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m)).AddHandler(handlers.NewMessage(message.All, ok))
	now := time.Now().Unix()
	for _, u := range []*gotgbot.Update{
		textUpdate("hi"),
		{EditedMessage: &gotgbot.Message{Date: now - 3600, EditDate: now, Chat: gotgbot.Chat{Id: 1}}},
		callbackUpdate("x"),
		callbackUpdate("y"),
		{ChatJoinRequest: &gotgbot.ChatJoinRequest{Date: now}},
		{PollAnswer: &gotgbot.PollAnswer{PollId: "1"}},
		{UpdateId: 9}, // a type this gotgbot does not know
	} {
		if err := d.ProcessUpdate(offlineBot, u, nil); err != nil {
			t.Fatal(err)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	for typ, want := range map[string]float64{"message": 1, "edited_message": 1, "callback_query": 2, "chat_join_request": 1, "poll_answer": 1, "other": 1} {
		if n := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ}); n != want {
			t.Errorf("%s{type=%q} = %v, want %v", actiontest.Updates, typ, n, want)
		}
	}
	if n := e.Series(actiontest.Updates); n != 6 {
		t.Errorf("%d series of %s, want 6", n, actiontest.Updates)
	}
	for typ, want := range map[string]uint64{"message": 1, "edited_message": 1, "chat_join_request": 1} {
		if n, sum := e.Histogram(t, actiontest.Lag, promtest.Labels{"type": typ}); n != want || sum > 60 {
			t.Errorf("%s{type=%q}: %d observations, sum %v; want %d under a minute (an edit's lag runs from its edit_date)", actiontest.Lag, typ, n, sum, want)
		}
	}
	if got := e.Find(actiontest.Lag, promtest.Labels{"type": "callback_query"}); len(got) != 0 && got[0].GetHistogram().GetSampleCount() != 0 {
		t.Errorf("a callback query observed a lag")
	}
}

// TestUpdateLag: a message Telegram stamped 90 s ago, fetched by the
// Poller, lands in the 120 s bucket of its lag and not the 60 s one.
func TestUpdateLag(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	m := actiontest.NewMetrics(t)
	b := newBot(t, srv.URL, srv.Token, m)
	d := ext.NewDispatcher(nil)
	gotgbotmetrics.New(d, gotgbotmetrics.WithMetrics(m)).AddHandler(handlers.NewMessage(message.Text, ok))
	srv.SendTextAt(1, "backlog", time.Now().Add(-90*time.Second))

	ctx, cancel := context.WithCancel(context.Background())
	polled := make(chan error, 1)
	go func() {
		polled <- gotgbotmetrics.NewPoller(gotgbotmetrics.WithPollTimeout(time.Second)).Poll(ctx, b, d)
	}()
	e := actiontest.Wait(t, m.Handler(), 1, 5*time.Second)
	cancel()
	<-polled
	d.Stop()

	buckets := e.One(t, actiontest.Lag, promtest.Labels{"type": "message"}).GetHistogram().GetBucket()
	for _, bucket := range buckets {
		want := uint64(0)
		if bucket.GetUpperBound() >= 120 {
			want = 1
		}
		if bucket.GetCumulativeCount() != want {
			t.Errorf("bucket le=%v holds %d, want %d", bucket.GetUpperBound(), bucket.GetCumulativeCount(), want)
		}
	}
}
