package tgbotapimetrics_test

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/internal/logtest"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// pollFor runs r.Poll for at most window and returns whether it returned
// before window passed, and its error.
func pollFor(t *testing.T, r *tgbotapimetrics.Router, api *tgbotapi.BotAPI, window time.Duration) (early bool, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	cfg := tgbotapi.NewUpdate(0)
	cfg.Timeout = 1
	done := make(chan error, 1)
	go func() { done <- r.Poll(ctx, api, cfg, 2) }()
	select {
	case err = <-done:
	case <-time.After(window + 10*time.Second):
		t.Fatal("Poll did not return within 10 s of the end of its context")
	}
	return ctx.Err() == nil, err
}

func newAPI(t *testing.T, url, token string) *tgbotapi.BotAPI {
	t.Helper()
	api := &tgbotapi.BotAPI{Token: token, Client: &http.Client{Timeout: 5 * time.Second}, Buffer: 1}
	api.SetAPIEndpoint(url + "/bot%s/%s")
	return api
}

// TestPollFailingAPI: against a Bot API whose getUpdates always fails,
// Poll sends a handful of requests, stops on 401 and 409 with an error
// that says why, waits the retry_after of a 429, and logs every failure.
func TestPollFailingAPI(t *testing.T) {
	for _, tc := range []struct {
		fault    telegramtest.Fault
		maxCalls int
		stop     string
	}{
		{telegramtest.Fault{Status: 409, Description: "Conflict: terminated by other getUpdates request"}, 1, "a webhook is set (call deleteWebhook) or another instance of the bot polls"},
		{telegramtest.Fault{Status: 401, Description: "Unauthorized"}, 1, "the Bot API does not accept the token"},
		{telegramtest.Fault{Status: 429, RetryAfter: 30}, 1, ""},
		{telegramtest.Fault{Status: 502}, 3, ""}, // at 0, after 0.5-1 s, after 1-2 s more
	} {
		t.Run(strconv.Itoa(tc.fault.Status), func(t *testing.T) {
			t.Parallel()
			srv := telegramtest.NewServer()
			defer srv.Close()
			tc.fault.Times = -1
			srv.Inject("getUpdates", tc.fault)
			var log logtest.Buffer
			r := newRouter(t, tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
			early, err := pollFor(t, r, newAPI(t, srv.URL, srv.Token), 1500*time.Millisecond)

			calls := pollingtest.GetUpdatesCalls(srv)
			if calls < 1 || calls > tc.maxCalls {
				t.Errorf("%d getUpdates in 1.5 s, want 1 to %d", calls, tc.maxCalls)
			}
			if logged := strings.Count(log.String(), "telegram polling failed"); logged != calls && logged != calls-1 {
				t.Errorf("%d failures logged for %d calls:\n%s", logged, calls, &log)
			}
			if tc.stop == "" {
				if err != nil || early {
					t.Errorf("Poll = %v, returned early: %v; want nil at the end of the context", err, early)
				}
				return
			}
			if err == nil || !early || !strings.Contains(err.Error(), "polling stopped: "+tc.stop) || !strings.Contains(err.Error(), fmt.Sprint(tc.fault.Status)) {
				t.Errorf("Poll = %v, returned early: %v; want it to stop saying %q", err, early, tc.stop)
			}
		})
	}
}

// TestPollRetryAfter: the retry_after of a 429 is waited, the malformed one
// that tgbotapi cannot decode is a failure like another, with backoff.
func TestPollRetryAfter(t *testing.T) {
	for retryAfter, window := range map[string]time.Duration{`30`: 1500 * time.Millisecond, `"5"`: 400 * time.Millisecond} {
		t.Run(retryAfter, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				calls.Add(1)
				w.WriteHeader(http.StatusTooManyRequests)
				fmt.Fprintf(w, `{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":%s}}`, retryAfter)
			}))
			defer srv.Close()
			var log logtest.Buffer
			r := newRouter(t, tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
			if _, err := pollFor(t, r, newAPI(t, srv.URL, "TOKEN"), window); err != nil {
				t.Errorf("Poll = %v", err)
			}
			if n := calls.Load(); n != 1 {
				t.Errorf("%d getUpdates in %v, want 1", n, window)
			}
			if !strings.Contains(log.String(), "getUpdates failed (429)") {
				t.Errorf("the 429 is not logged:\n%s", &log)
			}
		})
	}
}

// TestPollPoisonUpdate: an update tgbotapi cannot parse is logged and
// skipped; the update after it is handled.
func TestPollPoisonUpdate(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	poison := srv.SendUpdate(map[string]any{"message": map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": 1, "type": "private"}, "text": 5}})
	srv.SendText(1, "after the poison")

	api := newAPI(t, srv.URL, srv.Token)
	// The control: tgbotapi fails the whole batch.
	if _, err := api.GetUpdates(tgbotapi.NewUpdate(0)); err == nil {
		t.Error("tgbotapi parsed the poison update: the defence may be unneeded now")
	}

	m := actiontest.NewMetrics(t)
	var log logtest.Buffer
	var got atomic.Value
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))),
		tgbotapimetrics.On(tgbotapimetrics.KindText, func(_ context.Context, u tgbotapi.Update) error { got.Store(u.Message.Text); return nil }))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cfg := tgbotapi.NewUpdate(0)
	cfg.Timeout = 1
	go func() { done <- r.Poll(ctx, api, cfg, 1) }()
	actiontest.Wait(t, m.Handler(), 1, 5*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Poll = %v", err)
	}
	if got.Load() != "after the poison" {
		t.Errorf("handled %v, want the update after the poison", got.Load())
	}
	if !strings.Contains(log.String(), fmt.Sprintf("telegram update skipped: tgbotapi cannot parse it\" update_id=%d", poison)) {
		t.Errorf("the poison update is not logged:\n%s", &log)
	}
}

// TestPollEmptyAnswersAtOnce: a Bot API that does not hold the long poll
// gets one request in 400 ms, not a busy loop.
func TestPollEmptyAnswersAtOnce(t *testing.T) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		io.WriteString(w, `{"ok":true,"result":[]}`)
	}))
	defer srv.Close()
	pollFor(t, newRouter(t, discard), newAPI(t, srv.URL, "TOKEN"), 400*time.Millisecond)
	if n := calls.Load(); n != 1 {
		t.Errorf("%d getUpdates in 400ms, want 1", n)
	}
}

// TestPollKeepsTheTokenSecret: with the real token in api and an ordinary
// client, a Bot API that echoes it, or redirects to a closed port with it
// in the Location, gets it into no log line and no error.
func TestPollKeepsTheTokenSecret(t *testing.T) {
	for _, token := range []string{"7012345678:AAHfakeTokenForTests_0123456789-abcd", "42:short-secret_x"} {
		for _, status := range []int{http.StatusTemporaryRedirect, http.StatusConflict} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if status == http.StatusTemporaryRedirect {
					http.Redirect(w, r, "http://127.0.0.1:1"+r.URL.Path, status)
					return
				}
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"ok":false,"error_code":409,"description":"Conflict: no such path %s"}`, r.URL.Path)
			}))
			var log logtest.Buffer
			r := newRouter(t, tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
			_, err := pollFor(t, r, newAPI(t, srv.URL, token), 300*time.Millisecond)
			srv.Close()
			text := log.String() + fmt.Sprint(err)
			if strings.Contains(text, token) || !strings.Contains(text, "getUpdates failed") {
				t.Errorf("want the failure logged, the token masked:\n%s", text)
			}
		}
	}
}

// TestPollConfirmedUpdatesAgain: a Bot API that sends, at once and again
// and again, updates the offset confirmed already (IDs repeating or going
// backwards) gets each handled once and a handful of requests, not a busy
// loop that runs the handler on the same update thousands of times.
func TestPollConfirmedUpdatesAgain(t *testing.T) {
	for name, answers := range pollingtest.ConfirmedAgain() {
		t.Run(name, func(t *testing.T) {
			var calls, handled atomic.Int64
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				n := int(calls.Add(1))
				io.WriteString(w, answers[min(n, len(answers))-1])
			}))
			defer srv.Close()
			r := newRouter(t, discard, tgbotapimetrics.On(tgbotapimetrics.KindText, func(context.Context, tgbotapi.Update) error { handled.Add(1); return nil }))
			pollFor(t, r, newAPI(t, srv.URL, "TOKEN"), 2*time.Second)
			if n := handled.Load(); n > 1 {
				t.Errorf("the handler ran %d times, want at most 1", n)
			}
			if n := calls.Load(); n > 5 {
				t.Errorf("%d getUpdates in 2s, want a handful", n)
			}
		})
	}
}
