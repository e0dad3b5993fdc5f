package gotelegrammetrics_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
)

// BenchmarkGoTelegram is one command through go-telegram/bot's
// ProcessUpdate, on the caller's goroutine, to a handler that builds a
// reply with an inline keyboard and encodes it, as the bot does before
// sending it: registered on the bot directly (untracked), and through a
// Tracker recording in a real registry on a bot built with its default
// handler, as the package documentation sets it up (tracked: the action
// and the update families).
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
	for _, bc := range []struct {
		name  string
		setup func(b testing.TB) *bot.Bot
	}{
		{"untracked", func(tb testing.TB) *bot.Bot {
			bt := newBot(tb)
			bt.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, reply)
			return bt
		}},
		{"tracked", func(tb testing.TB) *bot.Bot {
			tr := newTracker(tb, gotelegrammetrics.WithMetrics(actiontest.NewMetrics(tb)))
			bt := newBot(tb, tr.WithDefaultHandler(nil))
			tr.RegisterHandler(bt, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, reply)
			return bt
		}},
	} {
		b.Run("reply/"+bc.name, func(b *testing.B) {
			bt := bc.setup(b)
			u := command(b, "/start")
			u.Message.From = &models.User{ID: 1, FirstName: "Test"}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				bt.ProcessUpdate(ctx, u)
			}
		})
	}
}
