package gotelegrammetrics_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// TestUpdateHealth runs a real go-telegram/bot bot, fed by a Poller, against
// the fake Bot API through a NewTelegram client: a backlog of messages
// stamped 90 s ago, fresh commands, a button, an edit, a business
// connection and an update of a type the bot does not know, with slow
// handlers and a 429 on sendMessage. It asserts the exact counts by type,
// the lag buckets, the in-flight gauge during and after the burst, and the
// flood wait by method; with the Tracker's Middleware and without it (every
// handler is tracked: the handlers record the updates).
func TestUpdateHealth(t *testing.T) {
	for _, withMiddleware := range []bool{false, true} {
		t.Run(fmt.Sprint("middleware=", withMiddleware), func(t *testing.T) { updateHealth(t, withMiddleware) })
	}
}

func updateHealth(t *testing.T, withMiddleware bool) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	release := make(chan struct{})
	tb := newTestBot(t, srv, func(tr *gotelegrammetrics.Tracker) []bot.Option {
		opts := []bot.Option{bot.WithDefaultHandler(tr.DefaultHandler(
			func(ctx context.Context, b *bot.Bot, u *models.Update) {
				if u.Message == nil {
					return
				}
				<-release // slow: held until the test has seen the burst in flight
				gotelegrammetrics.Fail(ctx, send(ctx, b, u.Message.Chat.ID, "ok"))
			}))}
		if withMiddleware {
			opts = append(opts, bot.WithMiddlewares(tr.Middleware()))
		}
		return opts
	})
	tb.tr.RegisterHandler(tb.Bot, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
		gotelegrammetrics.Fail(ctx, send(ctx, b, u.Message.Chat.ID, "ok"))
	})
	tb.tr.RegisterHandler(tb.Bot, bot.HandlerTypeCallbackQueryData, "menu:", bot.MatchTypePrefix, nop)
	srv.Inject("sendMessage", telegramtest.Fault{RetryAfter: 7})

	backlog := time.Now().Add(-90 * time.Second)
	for range 3 {
		srv.SendTextAt(100, "late", backlog)
	}
	srv.SendText(100, "/start")
	srv.SendText(101, "/start")
	srv.PressButton(100, "menu:1")
	srv.SendUpdate(map[string]any{"edited_message": map[string]any{
		"message_id": 1, "chat": map[string]any{"id": 100, "type": "private"}, "text": "edited",
		"edit_date": time.Now().Add(-20 * time.Second).Unix(),
	}})
	srv.SendUpdate(map[string]any{"business_connection": map[string]any{"id": "b1", "user_chat_id": 100, "date": time.Now().Unix()}})
	srv.SendUpdate(map[string]any{"some_future_update": map[string]any{"id": 1}})
	tb.poll(t)

	// The bot runs each handler on a goroutine of its own: the three slow
	// ones are in flight together, the six others done.
	actiontest.ScrapeUntil(t, tb.m.Handler(), "3 in flight and the 6 others handled", func(e *promtest.Exposition) bool {
		return actiontest.Gauge(e, actiontest.InFlight) == 3 && e.Sum(actiontest.Updates, nil) == 9 && actiontest.Runs(e) == 6
	})
	close(release)
	actiontest.ScrapeUntil(t, tb.m.Handler(), "back to 0 in flight with every handler recorded", func(e *promtest.Exposition) bool {
		return actiontest.Gauge(e, actiontest.InFlight) == 0 && actiontest.Runs(e) == 9
	})
	e := promtest.Scrape(t, tb.m.Handler()) // the histograms of the last runs too (see actiontest.Wait)

	for typ, want := range map[string]float64{"message": 5, "callback_query": 1, "edited_message": 1, "business_connection": 1, "other": 1} {
		if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ, "app": "bot", "env": "dev"}); got != want {
			t.Errorf("updates{type=%q} = %v, want %v", typ, got, want)
		}
	}
	if n := e.Series(actiontest.Updates); n != 5 {
		t.Errorf("%d series of %s, want 5", n, actiontest.Updates)
	}
	// Lag: the backlog lands between 60 and 120 s, the fresh commands
	// below 30 s, the edit (20 s before) between 10 and 30 s. A callback,
	// a business connection and an unknown update carry no date: no lag.
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
	if count, sum := e.Histogram(t, actiontest.FloodWait, promtest.Labels{"method": "sendMessage"}); count != 1 || sum != 7 {
		t.Errorf("flood waits of sendMessage = %d, %v; want 1, 7", count, sum)
	}
	if n := e.Sum(actiontest.Count, promtest.Labels{"error_name": metrics.ErrorNameFloodWait}); n != 1 {
		t.Errorf("%v runs failed with flood_wait, want 1", n)
	}
	for name, runs := range map[string]int{"text_handler": 3, "edited_message_handler": 1, "business_connection_handler": 1, "other_handler": 1, "menu_callback_handler": 1} {
		actiontest.Want(t, e, name, runs, 0)
	}
}

// TestUpdateRecordedOnce: every update counts once in the update families,
// recorded by the first part of the Tracker it reaches. With the
// Middleware installed that is the Middleware, for every handler; without
// it, the tracked handlers, and a handler registered on the bot directly
// records nothing. A tracked handler that another calls with its context
// records its own action, not the update a second time.
func TestUpdateRecordedOnce(t *testing.T) {
	for _, withMiddleware := range []bool{false, true} {
		t.Run(fmt.Sprint("middleware=", withMiddleware), func(t *testing.T) {
			m := actiontest.NewMetrics(t)
			tr := gotelegrammetrics.New(gotelegrammetrics.WithMetrics(m))
			fallback := tr.DefaultHandler(nop)
			opts := []bot.Option{bot.WithSkipGetMe(), bot.WithNotAsyncHandlers(), bot.WithServerURL("http://127.0.0.1:1"), bot.WithDefaultHandler(fallback)}
			if withMiddleware {
				opts = append(opts, bot.WithMiddlewares(tr.Middleware()))
			}
			b, err := bot.New("TOKEN", opts...)
			if err != nil {
				t.Fatal(err)
			}
			b.RegisterHandler(bot.HandlerTypeMessageText, "plain", bot.MatchTypeCommand, nop) // untracked
			tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, nop)
			tr.RegisterHandler(b, bot.HandlerTypeMessageText, "help", bot.MatchTypeCommand, func(ctx context.Context, b *bot.Bot, u *models.Update) {
				fallback(ctx, b, u) // unknown_command_handler, within help_handler
			})
			for _, u := range []*models.Update{command(t, "/plain"), command(t, "/start"), command(t, "/help"), text(t, "hi"), callback(t, "x")} {
				b.ProcessUpdate(context.Background(), u)
			}

			e := promtest.Scrape(t, m.Handler())
			messages := 3.0 // start, help, hi
			if withMiddleware {
				messages++ // plain
			}
			for typ, want := range map[string]float64{"message": messages, "callback_query": 1} {
				if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ}); got != want {
					t.Errorf("updates{type=%q} = %v, want %v", typ, got, want)
				}
			}
			if count, _ := e.Histogram(t, actiontest.Lag, promtest.Labels{"type": "message"}); float64(count) != messages {
				t.Errorf("lag{type=message} counted %d updates, want %v", count, messages)
			}
			if got := actiontest.Gauge(e, actiontest.InFlight); got != 0 {
				t.Errorf("%s = %v once every handler returned, want 0", actiontest.InFlight, got)
			}
			for _, name := range []string{"start_handler", "help_handler", telegram.UnknownCommand, "text_handler", telegram.UnroutedCallback} {
				actiontest.Want(t, e, name, 1, 0)
			}
			if n := actiontest.Runs(e); n != 5 {
				t.Errorf("%d runs recorded, want 5", n)
			}
			if err := tr.Wait(context.Background()); err != nil {
				t.Errorf("Wait: %v (the in-flight count leaked)", err)
			}
		})
	}
}
