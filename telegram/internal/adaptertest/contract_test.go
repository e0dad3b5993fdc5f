package adaptertest_test

import (
	"strings"
	"testing"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	"github.com/go-telegram/bot/models"
	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"
	tele "gopkg.in/telebot.v3"
	tele4 "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
	telebotmetrics4 "github.com/genapp-go/genapp/telegram/telebotmetrics/v4"
	"github.com/genapp-go/genapp/telegram/telegometrics"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// TestContract is the adapter contract at compile time: one table of the
// names every adapter exports, with the types adaptertest.API asks of
// them, and Check run on each.
func TestContract(t *testing.T) {
	for _, adapter := range []struct {
		name  string
		check func(*testing.T)
	}{
		{"telebotmetrics", func(t *testing.T) {
			adaptertest.Check(t, adaptertest.API[telebotmetrics.Endpoints, telebotmetrics.Tracker, telebotmetrics.Poller, tele.Update, telebotmetrics.Option, telebotmetrics.PollerOption]{
				Package:            "telebotmetrics",
				Target:             func(t *testing.T) telebotmetrics.Endpoints { return offlineTelebot(t) },
				New:                telebotmetrics.New,
				WithMetrics:        telebotmetrics.WithMetrics,
				NewPoller:          telebotmetrics.NewPoller,
				WithPollTimeout:    telebotmetrics.WithPollTimeout,
				WithAllowedUpdates: telebotmetrics.WithAllowedUpdates,
				ParseUpdate:        telebotmetrics.ParseUpdate,
			})
		}},
		{"telebotmetrics/v4", func(t *testing.T) {
			adaptertest.Check(t, adaptertest.API[telebotmetrics4.Endpoints, telebotmetrics4.Tracker, telebotmetrics4.Poller, tele4.Update, telebotmetrics4.Option, telebotmetrics4.PollerOption]{
				Package:            "telebotmetrics/v4",
				Target:             func(t *testing.T) telebotmetrics4.Endpoints { return offlineTelebot4(t) },
				New:                telebotmetrics4.New,
				WithMetrics:        telebotmetrics4.WithMetrics,
				NewPoller:          telebotmetrics4.NewPoller,
				WithPollTimeout:    telebotmetrics4.WithPollTimeout,
				WithAllowedUpdates: telebotmetrics4.WithAllowedUpdates,
				ParseUpdate:        telebotmetrics4.ParseUpdate,
			})
		}},
		{"tgbotapimetrics", func(t *testing.T) {
			adaptertest.Check(t, adaptertest.API[struct{}, tgbotapimetrics.Router, tgbotapimetrics.Poller, tgbotapi.Update, tgbotapimetrics.Option, tgbotapimetrics.PollerOption]{
				Package: "tgbotapimetrics",
				Target:  func(*testing.T) struct{} { return struct{}{} },
				New: func(_ struct{}, o ...tgbotapimetrics.Option) (*tgbotapimetrics.Router, error) {
					return tgbotapimetrics.New(o...)
				},
				WithMetrics:        tgbotapimetrics.WithMetrics,
				NewPoller:          tgbotapimetrics.NewPoller,
				WithPollTimeout:    tgbotapimetrics.WithPollTimeout,
				WithAllowedUpdates: tgbotapimetrics.WithAllowedUpdates,
				ParseUpdate:        tgbotapimetrics.ParseUpdate,
			})
		}},
		{"gotelegrammetrics", func(t *testing.T) {
			adaptertest.Check(t, adaptertest.API[struct{}, gotelegrammetrics.Tracker, gotelegrammetrics.Poller, *models.Update, gotelegrammetrics.Option, gotelegrammetrics.PollerOption]{
				Package: "gotelegrammetrics",
				Target:  func(*testing.T) struct{} { return struct{}{} },
				New: func(_ struct{}, o ...gotelegrammetrics.Option) (*gotelegrammetrics.Tracker, error) {
					return gotelegrammetrics.New(o...)
				},
				WithMetrics:        gotelegrammetrics.WithMetrics,
				NewPoller:          gotelegrammetrics.NewPoller,
				WithPollTimeout:    gotelegrammetrics.WithPollTimeout,
				WithAllowedUpdates: gotelegrammetrics.WithAllowedUpdates,
				ParseUpdate:        gotelegrammetrics.ParseUpdate,
			})
		}},
		{"telegometrics", func(t *testing.T) {
			adaptertest.Check(t, adaptertest.API[telegometrics.Router, telegometrics.Tracker, telegometrics.Poller, telego.Update, telegometrics.Option, telegometrics.PollerOption]{
				Package:            "telegometrics",
				Target:             telegoHandler,
				New:                telegometrics.New,
				WithMetrics:        telegometrics.WithMetrics,
				NewPoller:          telegometrics.NewPoller,
				WithPollTimeout:    telegometrics.WithPollTimeout,
				WithAllowedUpdates: telegometrics.WithAllowedUpdates,
				ParseUpdate:        telegometrics.ParseUpdate,
			})
		}},
		{"gotgbotmetrics", func(t *testing.T) {
			adaptertest.Check(t, adaptertest.API[*ext.Dispatcher, gotgbotmetrics.Tracker, gotgbotmetrics.Poller, gotgbot.Update, gotgbotmetrics.Option, gotgbotmetrics.PollerOption]{
				Package:            "gotgbotmetrics",
				Target:             func(*testing.T) *ext.Dispatcher { return ext.NewDispatcher(nil) },
				New:                gotgbotmetrics.New,
				WithMetrics:        gotgbotmetrics.WithMetrics,
				NewPoller:          gotgbotmetrics.NewPoller,
				WithPollTimeout:    gotgbotmetrics.WithPollTimeout,
				WithAllowedUpdates: gotgbotmetrics.WithAllowedUpdates,
				ParseUpdate:        gotgbotmetrics.ParseUpdate,
			})
		}},
	} {
		t.Run(adapter.name, adapter.check)
	}
}

func offlineTelebot(t *testing.T) *tele.Bot {
	b, err := tele.NewBot(tele.Settings{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func offlineTelebot4(t *testing.T) *tele4.Bot {
	b, err := tele4.NewBot(tele4.Settings{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// telegoHandler returns a telego BotHandler on an offline bot: telego
// checks the token's shape, and calls nothing before Start.
func telegoHandler(t *testing.T) telegometrics.Router {
	bot, err := telego.NewBot("123456:"+strings.Repeat("A", 35), telego.WithDiscardLogger())
	if err != nil {
		t.Fatal(err)
	}
	bh, err := th.NewBotHandler(bot, make(chan telego.Update))
	if err != nil {
		t.Fatal(err)
	}
	return bh
}
