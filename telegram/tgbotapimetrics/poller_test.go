package tgbotapimetrics_test

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/internal/logtest"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// newAPI is a BotAPI of the Bot API at url holding token itself, on
// client: no getMe.
func newAPI(url, token string, client *http.Client) *tgbotapi.BotAPI {
	api := &tgbotapi.BotAPI{Token: token, Client: client, Buffer: 1}
	api.SetAPIEndpoint(url + "/bot%s/%s")
	return api
}

// failures is a slog.Handler that hands what each record logs to f: its
// error, or its message.
type failures func(error)

func (f failures) Enabled(context.Context, slog.Level) bool { return true }
func (f failures) WithAttrs([]slog.Attr) slog.Handler       { return f }
func (f failures) WithGroup(string) slog.Handler            { return f }

func (f failures) Handle(_ context.Context, r slog.Record) error {
	var err error
	r.Attrs(func(a slog.Attr) bool {
		err, _ = a.Value.Any().(error)
		return err == nil
	})
	if err == nil {
		err = errors.New(r.Message)
	}
	f(err)
	return nil
}

// poller is the Poller under test, run by Router.Poll with one worker, whose
// failures go to the router's logger.
var poller = adaptertest.PollerBot[tgbotapimetrics.Poller, tgbotapimetrics.PollerOption]{
	NewPoller:          tgbotapimetrics.NewPoller,
	WithPollTimeout:    tgbotapimetrics.WithPollTimeout,
	WithAllowedUpdates: tgbotapimetrics.WithAllowedUpdates,
	Options: func(r adaptertest.PollerRun) []tgbotapimetrics.PollerOption {
		return []tgbotapimetrics.PollerOption{tgbotapimetrics.WithAPIURL(r.URL)}
	},
	Poll: func(t testing.TB, p *tgbotapimetrics.Poller, r adaptertest.PollerRun) func() (func(), <-chan error) {
		router := newRouter(t, tgbotapimetrics.WithLogger(slog.New(failures(r.Failed))),
			tgbotapimetrics.On(telegram.KindMessage, func(_ context.Context, u tgbotapi.Update) error { r.Delivered(int64(u.UpdateID)); return nil }))
		api := newAPI(r.URL, r.Token, r.Client)
		return adaptertest.Polling(func(ctx context.Context) error { return router.Poll(ctx, api, p, 1) })
	},
	ReturnsErr: true,
	Poison: map[string]adaptertest.Poison{"text a number": {
		Update: map[string]any{"message": map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": 1, "type": "private"}, "text": 5}},
		Says:   "tgbotapimetrics: tgbotapi cannot parse the update: json: cannot unmarshal number",
	}},
}

// TestPoller: the contract of every adapter's Poller.
func TestPoller(t *testing.T) { adaptertest.Poller(t, poller) }

// BenchmarkPoller: what the Poller costs each update it fetches and hands
// on (see adaptertest.PollerBench).
func BenchmarkPoller(b *testing.B) { adaptertest.PollerBench(b, poller) }

// TestGetUpdatesPoisonUpdate is the control: tgbotapi's own getUpdates
// fails the whole answer on an update it cannot parse.
func TestGetUpdatesPoisonUpdate(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.SendUpdate(map[string]any{"message": map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": 1, "type": "private"}, "text": 5}})
	srv.SendText(1, "after the poison")
	if _, err := newAPI(srv.URL, srv.Token, http.DefaultClient).GetUpdates(tgbotapi.NewUpdate(0)); err == nil {
		t.Error("tgbotapi parsed the poison update: the defence may be unneeded now")
	}
}

// TestPollLogs: Poll logs each failure to the router's logger, with the
// wait before the next getUpdates.
func TestPollLogs(t *testing.T) {
	api := pollingtest.NewAPI(t, http.StatusTooManyRequests, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 30","parameters":{"retry_after":30}}`)
	var log logtest.Buffer
	r := newRouter(t, tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	p, err := tgbotapimetrics.NewPoller(http.DefaultClient, tgbotapimetrics.WithAPIURL(api.URL))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Poll(ctx, newAPI(api.URL, "1:T", http.DefaultClient), p, 1) }()
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(log.String(), "retry_in") && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Poll = %v", err)
	}
	if want := `level=ERROR msg="telegram polling failed" error="telegram: getUpdates failed (429): Too Many Requests: retry after 30; retrying after 30s, as asked" retry_in=30s`; !strings.Contains(log.String(), want) {
		t.Errorf("logged\n%s\nwant %s", &log, want)
	}
}

// TestPollerOptions: what NewPoller and Poll are given is checked, and
// every error names the bad value, the token never; getUpdates goes to
// the server of WithAPIURL, a trailing slash trimmed.
func TestPollerOptions(t *testing.T) {
	for _, bad := range []string{"", "api.telegram.org", "ftp://api.telegram.org", "https://api.telegram.org/bot%s/%s",
		"https://api.telegram.org/bot7012345678:AAHfakeTokenForTests_0123456789-abcd/%s", "https://api.telegram.org?x=1"} {
		p, err := tgbotapimetrics.NewPoller(http.DefaultClient, tgbotapimetrics.WithAPIURL(bad))
		if p != nil || err == nil || !strings.HasPrefix(err.Error(), "tgbotapimetrics: API URL ") || strings.Contains(err.Error(), "AAHfake") {
			t.Errorf("WithAPIURL(%q) = %v, %v; want an error naming it, the token masked", bad, p, err)
		}
	}
	for _, good := range []string{"https://api.telegram.org", "http://127.0.0.1:8081/", "https://proxy.example/telegram"} {
		if _, err := tgbotapimetrics.NewPoller(http.DefaultClient, tgbotapimetrics.WithAPIURL(good)); err != nil {
			t.Errorf("WithAPIURL(%q): %v", good, err)
		}
	}
	api := pollingtest.NewAPI(t, http.StatusConflict, `{"ok":false,"error_code":409,"description":"Conflict"}`)
	p, err := tgbotapimetrics.NewPoller(http.DefaultClient, tgbotapimetrics.WithAPIURL(api.URL+"/"))
	if err != nil {
		t.Fatal(err)
	}
	r := newRouter(t, discard)
	if err := r.Poll(context.Background(), newAPI(api.URL, "1:T", http.DefaultClient), p, 1); err == nil || !slices.Equal(api.Paths(), []string{"/bot1:T/getUpdates"}) {
		t.Errorf("Poll = %v, to %q; want the 409 of /bot1:T/getUpdates", err, api.Paths())
	}
	for _, tc := range []struct {
		api     *tgbotapi.BotAPI
		p       *tgbotapimetrics.Poller
		workers int
		want    string
	}{
		{nil, p, 1, "nil *tgbotapi.BotAPI"},
		{newAPI("http://127.0.0.1:1", "1:T", http.DefaultClient), nil, 1, "nil *Poller"},
		{newAPI("http://127.0.0.1:1", "1:T", http.DefaultClient), p, 0, "0 workers"},
	} {
		if err := r.Poll(context.Background(), tc.api, tc.p, tc.workers); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Poll = %v, want an error naming %s", err, tc.want)
		}
	}
}
