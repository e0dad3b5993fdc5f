package telegometrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telegometrics"
)

// token has the format telego accepts.
const token = "7012345678:AAHfakeTokenForTests_0123456789-abc"

// failures is a telego.Logger that hands what each error line logs to f:
// its error, or its text.
type failures func(error)

func (f failures) Debugf(string, ...any) {}

func (f failures) Errorf(format string, args ...any) {
	for _, a := range args {
		if err, ok := a.(error); ok {
			f(err)
			return
		}
	}
	f(fmt.Errorf(format, args...))
}

// poller is the Poller under test, whose updates the caller reads from Updates and
// whose failures go to the bot's logger.
var poller = adaptertest.PollerBot[telegometrics.Poller, telegometrics.PollerOption]{
	NewPoller:          telegometrics.NewPoller,
	WithPollTimeout:    telegometrics.WithPollTimeout,
	WithAllowedUpdates: telegometrics.WithAllowedUpdates,
	Poll: func(t testing.TB, p *telegometrics.Poller, r adaptertest.PollerRun) func() (func(), <-chan error) {
		bot, err := telego.NewBot(r.Token, telego.WithAPIServer(r.URL), telego.WithLogger(failures(r.Failed)))
		if err != nil {
			t.Fatal(err)
		}
		return adaptertest.Polling(func(ctx context.Context) error {
			for u := range p.Updates(ctx, bot) {
				r.Delivered(int64(u.UpdateID))
			}
			return nil
		})
	},
	Poison: map[string]adaptertest.Poison{"unknown member status": {
		Update: map[string]any{"chat_member": map[string]any{"chat": map[string]any{"id": 1, "type": "group"}, "from": map[string]any{"id": 1}, "date": 1,
			"old_chat_member": map[string]any{"status": "alien"}, "new_chat_member": map[string]any{"status": "member", "user": map[string]any{"id": 1}}}},
		Says: "telegometrics: telego cannot",
	}},
	StrictToken: true,
}

// TestPoller: the contract of every adapter's Poller.
func TestPoller(t *testing.T) { adaptertest.Poller(t, poller) }

// BenchmarkPoller: what the Poller costs each update it fetches and hands
// on (see adaptertest.PollerBench).
func BenchmarkPoller(b *testing.B) { adaptertest.PollerBench(b, poller) }

// TestLongPollingMisbehaves is the control: telego's UpdatesViaLongPolling
// does not stop on a 401 (it retries every 8 s for ever), and against a
// Bot API that answers at once with no updates it polls in a busy loop
// (10 getUpdates within at most 10 s, where the Poller sends 1 in 400 ms).
func TestLongPollingMisbehaves(t *testing.T) {
	viaTelego := func(url string) (<-chan telego.Update, context.CancelFunc) {
		bot, err := telego.NewBot(token, telego.WithAPIServer(url), telego.WithDiscardLogger())
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		ch, err := bot.UpdatesViaLongPolling(ctx, &telego.GetUpdatesParams{Timeout: 10})
		if err != nil {
			t.Fatal(err)
		}
		return ch, cancel
	}
	closed := func(ch <-chan telego.Update, timeout time.Duration) bool {
		select {
		case _, ok := <-ch:
			return !ok
		case <-time.After(timeout):
			return false
		}
	}

	unauthorized := pollingtest.NewAPI(t, http.StatusUnauthorized, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
	ch, cancel := viaTelego(unauthorized.URL)
	unauthorized.WaitCalls(1, 10*time.Second)
	if closed(ch, 300*time.Millisecond) {
		t.Error("UpdatesViaLongPolling stopped on a 401: the Poller may be unneeded now")
	}
	cancel()
	if !closed(ch, 30*time.Second) { // once the 8 s retry wait has passed
		t.Error("the updates did not close within 30 s of the end of ctx")
	}

	empty := pollingtest.NewAPI(t, http.StatusOK, `{"ok":true,"result":[]}`)
	ch, cancel = viaTelego(empty.URL)
	_, n := empty.WaitCalls(10, 10*time.Second)
	cancel()
	for range ch {
	}
	if n < 10 {
		t.Errorf("UpdatesViaLongPolling sent %d getUpdates in 10 s, expected it to hammer the API", n)
	}
}

// TestPollerNilBot: Updates for a nil bot closes its channel at once, and
// Err says why.
func TestPollerNilBot(t *testing.T) {
	p, err := telegometrics.NewPoller(http.DefaultClient)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := <-p.Updates(context.Background(), nil); ok {
		t.Fatal("an update for a nil bot")
	}
	var pe *telegram.PollError
	if err := p.Err(); !errors.As(err, &pe) || !strings.Contains(err.Error(), "nil *telego.Bot") {
		t.Errorf("Err() = %v, want a *telegram.PollError naming the nil bot", err)
	}
}
