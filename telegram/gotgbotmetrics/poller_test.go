package gotgbotmetrics_test

import (
	"context"
	"encoding/json"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"

	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
)

// rawBot is a gotgbot bot of the Bot API at url holding token itself, on
// client: no getMe.
func rawBot(url, token string, client *http.Client) *gotgbot.Bot {
	return &gotgbot.Bot{Token: token, BotClient: &gotgbot.BaseBotClient{
		Client:             *client,
		DefaultRequestOpts: &gotgbot.RequestOpts{APIURL: url},
	}}
}

// dispatcher is an ext.UpdateDispatcher that hands the update_id of each
// update it is given to delivered, one at a time, until ctx ends.
type dispatcher struct {
	ctx       context.Context
	delivered func(id int64)
}

func (d dispatcher) Start(_ *gotgbot.Bot, updates <-chan json.RawMessage) {
	for raw := range updates {
		var u struct {
			ID int64 `json:"update_id"`
		}
		json.Unmarshal(raw, &u)
		d.delivered(u.ID)
		if d.ctx.Err() != nil { // as a dispatcher stops taking updates
			return
		}
	}
}

func (d dispatcher) Stop() {}

// poller is the Poller under test, run by Poll, whose failures go to its error
// func.
var poller = adaptertest.PollerBot[gotgbotmetrics.Poller, gotgbotmetrics.PollerOption]{
	NewPoller:          gotgbotmetrics.NewPoller,
	WithPollTimeout:    gotgbotmetrics.WithPollTimeout,
	WithAllowedUpdates: gotgbotmetrics.WithAllowedUpdates,
	Options: func(r adaptertest.PollerRun) []gotgbotmetrics.PollerOption {
		return []gotgbotmetrics.PollerOption{gotgbotmetrics.WithErrorFunc(r.Failed)}
	},
	Poll: func(t testing.TB, p *gotgbotmetrics.Poller, r adaptertest.PollerRun) func() (func(), <-chan error) {
		b := rawBot(r.URL, r.Token, r.Client)
		return adaptertest.Polling(func(ctx context.Context) error { return p.Poll(ctx, b, dispatcher{ctx, r.Delivered}) })
	},
	ReturnsErr: true,
	Poison:     map[string]adaptertest.Poison{"chat boost without a source": {Update: boost, Says: "gotgbotmetrics: the update's chat_boost has no boost.source"}},
}

// TestPoller: the contract of every adapter's Poller.
func TestPoller(t *testing.T) { adaptertest.Poller(t, poller) }

// BenchmarkPoller: what the Poller costs each update it fetches and hands
// on (see adaptertest.PollerBench).
func BenchmarkPoller(b *testing.B) { adaptertest.PollerBench(b, poller) }

// boost is a chat boost without a source, which makes gotgbot's dispatcher
// panic outside its recover.
var boost = map[string]any{"chat_boost": map[string]any{
	"chat": map[string]any{"id": -100, "type": "channel"}, "boost": map[string]any{"boost_id": "b", "add_date": 1, "expiration_date": 2},
}}

// TestUpdaterMisbehaves is the control, gotgbot's Updater against the
// answers the Poller meets: with an UnhandledErrFunc it polls a failing
// Bot API in a busy loop; without one it waits 1 s whatever the failure,
// retry_after ignored, and polls on after a 401; an empty answer at once
// makes it poll again at once, whatever it was given. Counted, not timed:
// the Poller would send 1 (a busy loop's 20: in minutes).
func TestUpdaterMisbehaves(t *testing.T) {
	discard := &ext.UpdaterOpts{ErrorLog: log.New(io.Discard, "", 0)}
	for _, tc := range []struct {
		name   string
		status int
		answer string
		opts   *ext.UpdaterOpts
		calls  int // within at most 10 s
	}{
		{"502 with UnhandledErrFunc", 502, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`, &ext.UpdaterOpts{UnhandledErrFunc: func(error) {}}, 20},
		{"401", 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`, discard, 3},
		{"429 retry_after 30", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":30}}`, discard, 3},
		{"empty at once", 200, `{"ok":true,"result":[]}`, discard, 20},
		{"result not a list", 200, `{"ok":true,"result":{}}`, discard, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := pollingtest.NewAPI(t, tc.status, tc.answer)
			u := ext.NewUpdater(ext.NewDispatcher(&ext.DispatcherOpts{ErrorLog: log.New(io.Discard, "", 0)}), tc.opts)
			if err := u.StartPolling(rawBot(api.URL, "1:TOKEN", http.DefaultClient), &ext.PollingOpts{GetUpdatesOpts: &gotgbot.GetUpdatesOpts{Timeout: 1}}); err != nil {
				t.Fatal(err)
			}
			_, n := api.WaitCalls(tc.calls, 10*time.Second)
			if err := u.Stop(); err != nil {
				t.Fatal(err)
			}
			if n < tc.calls {
				t.Errorf("the Updater sent %d getUpdates in 10 s, expected at least %d: the Poller may be unneeded now", n, tc.calls)
			}
		})
	}

	raw, _ := json.Marshal(boost)
	var b gotgbot.Update
	if err := json.Unmarshal(raw, &b); err != nil {
		t.Fatal(err)
	}
	if p := func() (p any) {
		defer func() { p = recover() }()
		return ext.NewDispatcher(&ext.DispatcherOpts{Panic: func(*gotgbot.Bot, *ext.Context, any) {}}).ProcessUpdate(offlineBot, &b, nil)
	}(); p == nil {
		t.Error("gotgbot's dispatcher did not panic on a chat boost without a source: the check may be unneeded now")
	}
}

// TestPollerURL: getUpdates goes to the bot's API URL, a trailing slash
// trimmed as gotgbot trims it, under /test for the test environment; a
// nil bot or dispatcher is an error that names it.
func TestPollerURL(t *testing.T) {
	var path atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		path.Store(r.URL.Path)
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"ok":false,"error_code":409,"description":"Conflict"}`)
	}))
	defer srv.Close()
	for _, tc := range []struct {
		client *gotgbot.BaseBotClient
		want   string
	}{
		{&gotgbot.BaseBotClient{DefaultRequestOpts: &gotgbot.RequestOpts{APIURL: srv.URL + "/"}}, "/bot1:T/getUpdates"},
		{&gotgbot.BaseBotClient{DefaultRequestOpts: &gotgbot.RequestOpts{APIURL: srv.URL}, UseTestEnvironment: true}, "/bot1:T/test/getUpdates"},
	} {
		b := &gotgbot.Bot{Token: "1:T", BotClient: tc.client}
		if err := newPoller(t).Poll(context.Background(), b, dispatcher{context.Background(), func(int64) {}}); err == nil || path.Load() != tc.want {
			t.Errorf("Poll = %v, to %v; want the 409 of %s", err, path.Load(), tc.want)
		}
	}
	p := newPoller(t)
	for _, tc := range []struct {
		b *gotgbot.Bot
		d ext.UpdateDispatcher
	}{{nil, dispatcher{context.Background(), func(int64) {}}}, {rawBot(srv.URL, "1:T", http.DefaultClient), nil}} {
		if err := p.Poll(context.Background(), tc.b, tc.d); err == nil || !strings.Contains(err.Error(), "nil") || strings.Contains(err.Error(), "1:T") {
			t.Errorf("Poll(%v, %v) = %v, want an error naming the nil argument", tc.b != nil, tc.d != nil, err)
		}
	}
}

// newPoller is a Poller whose failures go nowhere.
func newPoller(t *testing.T) *gotgbotmetrics.Poller {
	t.Helper()
	p, err := gotgbotmetrics.NewPoller(http.DefaultClient, gotgbotmetrics.WithErrorFunc(func(error) {}))
	if err != nil {
		t.Fatal(err)
	}
	return p
}
