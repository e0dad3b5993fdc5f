package gotgbotmetrics_test

import (
	"sync"
	"testing"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
)

// newBot is a gotgbot bot on the Bot API at url, with the token kept in an
// httpclient.NewTelegram client recording in m, and the placeholder in the
// bot. It calls getMe, as gotgbot.NewBot does.
func newBot(t testing.TB, url, token string, m *metrics.Metrics) *gotgbot.Bot {
	t.Helper()
	client := httpclient.NewTelegram(token, httpclient.WithMetrics(m), httpclient.WithTimeout(30*time.Second))
	b, err := gotgbot.NewBot(httpclient.TokenPlaceholder, &gotgbot.BotOpts{BotClient: &gotgbot.BaseBotClient{
		Client:             *client,
		DefaultRequestOpts: &gotgbot.RequestOpts{APIURL: url, Timeout: 5 * time.Second},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// collector collects what a dispatcher or a poller reports.
type collector struct {
	mu     sync.Mutex
	errors []error
	panics []any
}

func (c *collector) err(err error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.errors = append(c.errors, err)
}

func (c *collector) errs() []error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]error(nil), c.errors...)
}

// dispatcherOpts report handler errors and panics to c, as a bot would log
// them.
func (c *collector) dispatcherOpts() *ext.DispatcherOpts {
	return &ext.DispatcherOpts{
		Error: func(_ *gotgbot.Bot, _ *ext.Context, err error) ext.DispatcherAction {
			c.err(err)
			return ext.DispatcherActionNoop
		},
		Panic: func(_ *gotgbot.Bot, _ *ext.Context, r any) {
			c.mu.Lock()
			defer c.mu.Unlock()
			c.panics = append(c.panics, r)
		},
		UnhandledErrFunc: c.err,
	}
}
