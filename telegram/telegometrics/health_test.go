package telegometrics_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegometrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// TestUpdateHealth runs a real telego bot, polled by a Poller through a
// NewTelegram client, with the Tracker's Middleware: a backlog of three
// messages stamped 90 s ago held by a slow handler, a fresh command, a
// button, an edit, a panicking handler and an update no route takes. It
// asserts the exact counts by type, the lag buckets, and the in-flight
// gauge during the burst and back at 0 after it.
func TestUpdateHealth(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	m := actiontest.NewMetrics(t)
	bot, client, _ := newBot(t, srv.URL, srv.Token, m)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	bh, err := th.NewBotHandler(bot, telegometrics.NewPoller(bot, client, telegometrics.WithPollTimeout(time.Second)).Updates(ctx),
		th.WithErrorHandler(func(*th.Context, telego.Update, error) {}))
	if err != nil {
		t.Fatal(err)
	}
	tr := telegometrics.New(bh, telegometrics.WithMetrics(m))
	bh.Use(tr.Middleware())
	bh.Use(th.PanicRecovery())
	release := make(chan struct{})
	ok := func(*th.Context, telego.Update) error { return nil }
	err = errors.Join(
		tr.Command("start", ok),
		tr.Command("boom", func(*th.Context, telego.Update) error { panic("boom") }),
		tr.Callback("menu", ok),
		tr.On(telegometrics.KindEditedMessage, ok),
		tr.On(telegometrics.KindText, func(ctx *th.Context, _ telego.Update) error {
			select { // slow: held until the test has seen the burst in flight
			case <-release:
			case <-ctx.Done():
			}
			return nil
		}),
	)
	if err != nil {
		t.Fatal(err)
	}

	backlog := time.Now().Add(-90 * time.Second)
	for range 3 {
		srv.SendTextAt(100, "late", backlog)
	}
	srv.SendText(100, "/start")
	srv.SendText(100, "/boom")
	srv.PressButton(100, "menu:1")
	srv.SendUpdate(map[string]any{"edited_message": map[string]any{
		"message_id": 1, "chat": map[string]any{"id": 100, "type": "private"}, "text": "edited",
		"date": time.Now().Add(-time.Hour).Unix(), "edit_date": time.Now().Add(-20 * time.Second).Unix(),
	}})
	srv.SendUpdate(map[string]any{"inline_query": map[string]any{"id": "q", "from": map[string]any{"id": 100}, "query": "x", "offset": ""}})
	go bh.Start()
	defer bh.Stop()

	actiontest.ScrapeUntil(t, m.Handler(), "3 in flight and the 5 others handled", func(e *promtest.Exposition) bool {
		return actiontest.Gauge(e, actiontest.InFlight) == 3 && e.Sum(actiontest.Updates, nil) == 8 && actiontest.Runs(e) == 4
	})
	close(release)
	e := actiontest.ScrapeUntil(t, m.Handler(), "back to 0 in flight with every handler recorded", func(e *promtest.Exposition) bool {
		return actiontest.Gauge(e, actiontest.InFlight) == 0 && actiontest.Runs(e) == 7
	})

	for typ, want := range map[string]float64{"message": 5, "callback_query": 1, "edited_message": 1, "inline_query": 1} {
		if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ, "app": "bot", "env": "dev"}); got != want {
			t.Errorf("updates{type=%q} = %v, want %v", typ, got, want)
		}
	}
	if n := e.Series(actiontest.Updates); n != 4 {
		t.Errorf("%d series of %s, want 4", n, actiontest.Updates)
	}
	// Lag: the backlog lands between 60 and 120 s, the fresh commands
	// below 30 s, the edit (by its edit_date, 20 s before) between 10 and
	// 30 s. A callback and an inline query carry no date: no lag.
	for typ, want := range map[string]map[float64]uint64{
		"message":        {30: 2, 60: 2, 120: 5},
		"edited_message": {10: 0, 30: 1},
	} {
		h := e.One(t, actiontest.Lag, promtest.Labels{"type": typ}).GetHistogram()
		for _, b := range h.GetBucket() {
			if n, ok := want[b.GetUpperBound()]; ok && b.GetCumulativeCount() != n {
				t.Errorf("lag{type=%q} le=%v: %d, want %d", typ, b.GetUpperBound(), b.GetCumulativeCount(), n)
			}
		}
	}
	if got := e.LabelValues(actiontest.Lag, "type"); len(got) != 2 {
		t.Errorf("lag types = %v, want message and edited_message only", got)
	}
}
