package gotelegrammetrics_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
)

// pollerBot is a go-telegram/bot bot of the Bot API at url holding token,
// on client, that runs handlers on the caller's goroutine and hands every
// update to handle.
func pollerBot(t testing.TB, url, token string, client *http.Client, handle func(*models.Update)) *bot.Bot {
	t.Helper()
	b, err := bot.New(token, bot.WithSkipGetMe(), bot.WithServerURL(url), bot.WithNotAsyncHandlers(),
		bot.WithHTTPClient(time.Second, client), bot.WithErrorsHandler(func(error) {}),
		bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) { handle(u) }))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// poller is the Poller under test, run by Run, whose failures go to its errors
// handler.
var poller = adaptertest.PollerBot[gotelegrammetrics.Poller, gotelegrammetrics.PollerOption]{
	NewPoller:          gotelegrammetrics.NewPoller,
	WithPollTimeout:    gotelegrammetrics.WithPollTimeout,
	WithAllowedUpdates: gotelegrammetrics.WithAllowedUpdates,
	Options: func(r adaptertest.PollerRun) []gotelegrammetrics.PollerOption {
		return []gotelegrammetrics.PollerOption{gotelegrammetrics.WithAPIURL(r.URL), gotelegrammetrics.WithErrorsHandler(r.Failed)}
	},
	Poll: func(t testing.TB, p *gotelegrammetrics.Poller, r adaptertest.PollerRun) func() (func(), <-chan error) {
		b := pollerBot(t, r.URL, r.Token, r.Client, func(u *models.Update) { r.Delivered(u.ID) })
		return adaptertest.Polling(func(ctx context.Context) error { return p.Run(ctx, b) })
	},
	ReturnsErr: true,
	Poison: map[string]adaptertest.Poison{"bot_command outside the text": {
		Update: map[string]any{"message": map[string]any{"message_id": 1, "date": 1, "chat": map[string]any{"id": 1, "type": "private"}, "text": "/s",
			"entities": []any{map[string]any{"type": "bot_command", "offset": 0, "length": 9}}}},
		Says: "bot_command",
	}},
}

// TestPoller: the contract of every adapter's Poller.
func TestPoller(t *testing.T) { adaptertest.Poller(t, poller) }

// BenchmarkPoller: what the Poller costs each update it fetches and hands
// on (see adaptertest.PollerBench).
func BenchmarkPoller(b *testing.B) { adaptertest.PollerBench(b, poller) }

// TestStartMisbehaves is the control: the bot's own loop, b.Start, keeps
// polling on 401 and 409, ignores a 429's retry_after (4 getUpdates within
// at most 10 s, where the Poller sends 1), fails the whole answer, again
// and again, on an update it cannot decode, and panics, outside any
// handler, on a bot_command entity outside the message's text.
func TestStartMisbehaves(t *testing.T) {
	const poison = `{"update_id":1,"message":{"message_id":1,"date":"yesterday","chat":{"id":1,"type":"private"}}}`
	for _, tc := range []struct {
		status int
		answer string
	}{
		{409, `{"ok":false,"error_code":409,"description":"Conflict: terminated by other getUpdates request"}`},
		{401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`},
		{429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 30","parameters":{"retry_after":30}}`},
		{200, `{"ok":true,"result":[` + poison + `,{"update_id":2,"message":{"message_id":2,"date":1,"chat":{"id":1,"type":"private"},"text":"hi"}}]}`},
	} {
		api := pollingtest.NewAPI(t, tc.status, tc.answer)
		var handled atomic.Int64
		b := pollerBot(t, api.URL, "TOKEN", http.DefaultClient, func(*models.Update) { handled.Add(1) })
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { defer close(done); b.Start(ctx) }()
		_, n := api.WaitCalls(4, 10*time.Second)
		cancel()
		<-done
		if n < 4 || handled.Load() != 0 {
			t.Errorf("%d: the bot's own loop sent %d getUpdates and handled %d updates: it may now stop, wait or skip as asked, and the Poller be unneeded", tc.status, n, handled.Load())
		}
	}

	const entity = `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"/s","entities":[{"type":"bot_command","offset":0,"length":9}]}}`
	control := pollerBot(t, "http://127.0.0.1:1", "TOKEN", http.DefaultClient, func(*models.Update) {})
	control.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(context.Context, *bot.Bot, *models.Update) {})
	panicked := func() (p any) {
		defer func() { p = recover() }()
		var u models.Update
		if err := json.Unmarshal([]byte(entity), &u); err != nil {
			t.Fatal(err)
		}
		control.ProcessUpdate(context.Background(), &u)
		return nil
	}()
	if _, isRuntime := panicked.(runtime.Error); !isRuntime {
		t.Errorf("go-telegram/bot did not panic on the entity (%v): the defence may be unneeded now", panicked)
	}
}

// TestPollerNilBot: a clear error, no panic.
func TestPollerNilBot(t *testing.T) {
	p, err := gotelegrammetrics.NewPoller(http.DefaultClient, gotelegrammetrics.WithAPIURL("http://127.0.0.1:1"))
	if err != nil {
		t.Fatal(err)
	}
	err = p.Run(context.Background(), nil)
	var pe *telegram.PollError
	if !errors.As(err, &pe) || !strings.Contains(err.Error(), "nil *bot.Bot") || p.Err() != err {
		t.Errorf("Run(nil) = %v, Err() = %v; want a *telegram.PollError naming the nil bot", err, p.Err())
	}
}

// TestPollerOptions: every bad option is an error that names it, and no
// Poller; the token in a URL given by mistake is not repeated. getUpdates
// goes to the server of WithAPIURL, a trailing slash trimmed.
func TestPollerOptions(t *testing.T) {
	for _, tc := range []struct {
		opt  gotelegrammetrics.PollerOption
		want string
	}{
		{gotelegrammetrics.WithAPIURL(""), `WithAPIURL(""): want the http or https URL of the server`},
		{gotelegrammetrics.WithAPIURL("api.telegram.org"), `WithAPIURL("api.telegram.org")`},
		{gotelegrammetrics.WithAPIURL("ftp://api.telegram.org"), `WithAPIURL("ftp://api.telegram.org")`},
		{gotelegrammetrics.WithAPIURL("https://api.telegram.org/bot7012345678:AAHfakeTokenForTests_0123456789-abcd"), "WithAPIURL"},
		{gotelegrammetrics.WithErrorsHandler(nil), "WithErrorsHandler(nil)"},
	} {
		p, err := gotelegrammetrics.NewPoller(http.DefaultClient, tc.opt)
		if p != nil || err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "gotelegrammetrics: ") {
			t.Errorf("NewPoller = %v, %v; want an error with %q", p, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "AAHfake") {
			t.Errorf("the error holds the token: %v", err)
		}
	}
	api := pollingtest.NewAPI(t, http.StatusConflict, `{"ok":false,"error_code":409,"description":"Conflict"}`)
	p, err := gotelegrammetrics.NewPoller(http.DefaultClient, gotelegrammetrics.WithAPIURL(api.URL+"/"), gotelegrammetrics.WithErrorsHandler(func(error) {}))
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Run(context.Background(), pollerBot(t, api.URL, "1:T", http.DefaultClient, func(*models.Update) {})); err == nil || !slices.Equal(api.Paths(), []string{"/bot1:T/getUpdates"}) {
		t.Errorf("Run = %v, to %q; want the 409 of /bot1:T/getUpdates", err, api.Paths())
	}
}

// TestPollerStopsHandingOn: once Run's context ends, the updates left in
// the answer are not handed to the bot: they stay unconfirmed, and the
// next Run hands them on.
func TestPollerStopsHandingOn(t *testing.T) {
	srv, offsets := pollingtest.TwoUpdates(t)
	p, err := gotelegrammetrics.NewPoller(srv.Client(), gotelegrammetrics.WithAPIURL(srv.URL), gotelegrammetrics.WithPollTimeout(time.Second))
	if err != nil {
		t.Fatal(err)
	}
	var handed []int64
	ctx, cancel := context.WithCancel(context.Background())
	b := pollerBot(t, srv.URL, "1:T", srv.Client(), func(u *models.Update) {
		handed = append(handed, u.ID)
		cancel() // the bot is stopped while it handles update 1
	})
	if err := p.Run(ctx, b); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(handed, []int64{1}) {
		t.Fatalf("handed on %v before the stop took effect, want [1]", handed)
	}
	ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	b = pollerBot(t, srv.URL, "1:T", srv.Client(), func(u *models.Update) {
		handed = append(handed, u.ID)
		cancel()
	})
	if err := p.Run(ctx, b); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(handed, []int64{1, 2}) || !slices.Equal(offsets(), []string{"0", "2"}) {
		t.Errorf("handed on %v with getUpdates from offsets %q, want 1 then 2, from 0 then 2", handed, offsets())
	}
}
