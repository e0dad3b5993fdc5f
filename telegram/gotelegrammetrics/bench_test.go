package gotelegrammetrics_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
)

// BenchmarkGoTelegram is one command through go-telegram/bot's
// ProcessUpdate, on the caller's goroutine, to a handler that builds a
// reply with an inline keyboard and encodes it, as the bot does before
// sending it: registered on the bot directly (untracked), and through a
// Tracker recording in a real registry on a bot built with its default
// handler, as the package documentation sets it up (tracked: the action
// and the update families), and the same with metrics.WithActiveUsers on
// (activeusers). Each command comes from a user of its own, on every side.
func BenchmarkGoTelegram(b *testing.B) {
	reply := func(ctx context.Context, _ *bot.Bot, u *models.Update) {
		params := &bot.SendMessageParams{
			ChatID: u.Message.Chat.ID, Text: "hello " + u.Message.From.FirstName,
			ReplyMarkup: &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{{{Text: "Menu", CallbackData: "menu:1"}}}},
		}
		_, err := json.Marshal(params)
		gotelegrammetrics.Fail(ctx, err)
	}
	newBot := func(tb testing.TB, opts ...bot.Option) *bot.Bot {
		bt, err := bot.New("TOKEN", append([]bot.Option{bot.WithSkipGetMe(), bot.WithNotAsyncHandlers()}, opts...)...)
		if err != nil {
			tb.Fatal(err)
		}
		return bt
	}
	tracked := func(m *metrics.Metrics) func(testing.TB) *bot.Bot {
		return func(tb testing.TB) *bot.Bot {
			tr := newTracker(tb, gotelegrammetrics.WithMetrics(m))
			bt := newBot(tb, tr.WithDefaultHandler(nil))
			tr.RegisterHandler(bt, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, reply)
			return bt
		}
	}
	for _, bc := range []struct {
		name  string
		setup func(*metrics.Metrics) func(testing.TB) *bot.Bot
		opts  []metrics.Option // of the instance each run records in
	}{
		{"untracked", func(*metrics.Metrics) func(testing.TB) *bot.Bot {
			return func(tb testing.TB) *bot.Bot {
				bt := newBot(tb)
				bt.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, reply)
				return bt
			}
		}, nil},
		{"tracked", tracked, nil},
		{"activeusers", tracked, []metrics.Option{metrics.WithActiveUsers()}},
	} {
		b.Run("reply/"+bc.name, func(b *testing.B) {
			m := actiontest.NewMetrics(b, bc.opts...) // a run of its own users
			bt := bc.setup(m)(b)
			u := command(b, "/start")
			u.Message.From = &models.User{FirstName: "Test"}
			ctx := context.Background()
			start := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				u.Message.From.ID++
				bt.ProcessUpdate(ctx, u)
			}
			if bc.opts != nil {
				actiontest.WantActiveUsers(b, m.Handler(), int(u.Message.From.ID), start)
			}
		})
	}
}
