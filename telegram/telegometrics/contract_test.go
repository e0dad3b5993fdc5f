package telegometrics_test

import (
	"context"
	"testing"
	"time"

	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"
	tu "github.com/mymmrac/telego/telegoutil"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telegometrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// TestUpdates runs the shared traffic through a telego bot set up as the
// package documentation shows: a th.BotHandler fed by a Poller, the
// Tracker made on it before anything else, the routes registered through
// the Tracker.
func TestUpdates(t *testing.T) {
	adaptertest.Updates(t, adaptertest.Bot{Start: func(t *testing.T, api *telegramtest.Server, m *metrics.Metrics) func() {
		bot, client, _ := newBot(t, api.URL, api.Token, m)
		p, err := telegometrics.NewPoller(client, telegometrics.WithPollTimeout(time.Second))
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		bh, err := th.NewBotHandler(bot, p.Updates(ctx, bot))
		if err != nil {
			t.Fatal(err)
		}
		tr, err := telegometrics.New(bh, telegometrics.WithMetrics(m))
		if err != nil {
			t.Fatal(err)
		}
		if err := tr.Command("start", func(ctx *th.Context, u telego.Update) error {
			_, err := ctx.Bot().SendMessage(ctx, tu.Message(u.Message.Chat.ChatID(), "hi"))
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := tr.Callback("menu", ok); err != nil {
			t.Fatal(err)
		}
		started := make(chan error, 1)
		go func() { started <- bh.Start() }()
		for deadline := time.Now().Add(10 * time.Second); pollingtest.GetUpdatesCalls(api) == 0; time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("the Poller sent no getUpdates in 10 s")
			}
		}
		return func() {
			if err := bh.Stop(); err != nil {
				t.Errorf("Stop: %v", err)
			}
			cancel()
			if err := <-started; err != nil {
				t.Errorf("Start: %v", err)
			}
		}
	}})
}
