package telegometrics_test

import (
	"context"
	"encoding/json"
	"runtime"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"
	tu "github.com/mymmrac/telego/telegoutil"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegometrics"
)

// BenchmarkTelego is one command through telego's routing
// (HandlerGroup.HandleUpdate, what BotHandler runs for each update) to a
// handler that builds a reply with an inline keyboard and encodes it, as
// telego does before sending it: registered on the group directly
// (untracked) and through a Tracker recording in a real registry (tracked:
// the action, and the update families of the middleware New installs), and
// the same with metrics.WithActiveUsers on (activeusers). Each command
// comes from a user of its own, on every side.
func BenchmarkTelego(b *testing.B) {
	h := func(_ *th.Context, u telego.Update) error {
		msg := tu.Message(tu.ID(u.Message.Chat.ID), "hello").WithReplyMarkup(
			tu.InlineKeyboard(tu.InlineKeyboardRow(tu.InlineKeyboardButton("Menu").WithCallbackData("menu:1"))))
		_, err := json.Marshal(msg)
		return err
	}
	// The first clone compiles telego's JSON codec, for a second and 60 MB
	// of garbage: done here, so that neither side pays for it.
	telego.Update{Message: &telego.Message{}}.Clone()
	runtime.GC()
	tracked := func(m *metrics.Metrics) func(*th.HandlerGroup) {
		return func(g *th.HandlerGroup) {
			tr := newTracker(b, g, telegometrics.WithMetrics(m))
			if err := tr.Command("start", h); err != nil {
				b.Fatal(err)
			}
		}
	}
	untracked := func(*metrics.Metrics) func(*th.HandlerGroup) {
		return func(g *th.HandlerGroup) { g.Handle(h, th.CommandEqual("start")) }
	}
	for _, bc := range []struct {
		name     string
		register func(*metrics.Metrics) func(*th.HandlerGroup)
		opts     []metrics.Option // of the instance each run records in
	}{
		{"untracked", untracked, nil},
		{"tracked", tracked, nil},
		{"activeusers", tracked, []metrics.Option{metrics.WithActiveUsers()}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			m := actiontest.NewMetrics(b, bc.opts...) // a run of its own users
			bot, _, _ := newBot(b, "http://127.0.0.1:1", token, nil)
			g := &th.HandlerGroup{}
			bc.register(m)(g)
			u := telego.Update{UpdateID: 1, Message: &telego.Message{MessageID: 1, Chat: telego.Chat{ID: 1, Type: "private"},
				From: &telego.User{FirstName: "Test"}, Text: "/start"}}
			ctx := context.Background()
			start := time.Now()
			b.ReportAllocs()
			for b.Loop() {
				u.Message.From.ID++
				if err := g.HandleUpdate(ctx, bot, u); err != nil {
					b.Fatal(err)
				}
			}
			if bc.opts != nil {
				actiontest.WantActiveUsers(b, m.Handler(), int(u.Message.From.ID), start)
			}
		})
	}
}
