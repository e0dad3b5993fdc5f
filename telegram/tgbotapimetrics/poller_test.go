package tgbotapimetrics_test

import (
	"context"
	"errors"
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
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// plain is a client with nothing between tgbotapi, or the Poller, and the
// Bot API.
var plain = &http.Client{Timeout: 5 * time.Second}

// newPoller is a Poller of the Bot API at url on the plain client, with a
// poll timeout of 1 s.
func newPoller(t testing.TB, url string, opts ...tgbotapimetrics.PollerOption) *tgbotapimetrics.Poller {
	t.Helper()
	p, err := tgbotapimetrics.NewPoller(plain, append([]tgbotapimetrics.PollerOption{tgbotapimetrics.WithAPIURL(url), tgbotapimetrics.WithPollTimeout(time.Second)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pollFor runs r.Poll of api at url for at most window and returns whether
// it returned before window passed, and its error.
func pollFor(t *testing.T, r *tgbotapimetrics.Router, api *tgbotapi.BotAPI, url string, window time.Duration) (early bool, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	p := newPoller(t, url)
	done := make(chan error, 1)
	go func() { done <- r.Poll(ctx, api, p, 2) }()
	select {
	case err = <-done:
	case <-time.After(window + 10*time.Second):
		t.Fatal("Poll did not return within 10 s of the end of its context")
	}
	return ctx.Err() == nil, err
}

// newAPI is a BotAPI of the Bot API at url holding token itself, on the
// plain client: no getMe.
func newAPI(url, token string) *tgbotapi.BotAPI {
	api := &tgbotapi.BotAPI{Token: token, Client: plain, Buffer: 1}
	api.SetAPIEndpoint(url + "/bot%s/%s")
	return api
}

// TestPollFailingAPI: against a Bot API whose getUpdates always fails,
// Poll sends a handful of requests, stops on 401 and 409 with the
// *telegram.PollError that says why, waits the retry_after of a 429, and
// logs every failure.
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
			early, err := pollFor(t, r, newAPI(srv.URL, srv.Token), srv.URL, 1500*time.Millisecond)

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
			var pe *telegram.PollError
			if !errors.As(err, &pe) || !early || pe.Code != tc.fault.Status || !pe.Stopped || !strings.Contains(err.Error(), "polling stopped: "+tc.stop) {
				t.Errorf("Poll = %v, returned early: %v; want the *telegram.PollError of a %d, saying %q", err, early, tc.fault.Status, tc.stop)
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
			if _, err := pollFor(t, r, newAPI(srv.URL, "TOKEN"), srv.URL, window); err != nil {
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

// TestPollPoisonUpdate: an update tgbotapi cannot parse is logged, as a
// *telegram.PollError, and skipped; the update after it is handled.
func TestPollPoisonUpdate(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	poison := srv.SendUpdate(map[string]any{"message": map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": 1, "type": "private"}, "text": 5}})
	srv.SendText(1, "after the poison")

	api := newAPI(srv.URL, srv.Token)
	// The control: tgbotapi fails the whole batch.
	if _, err := api.GetUpdates(tgbotapi.NewUpdate(0)); err == nil {
		t.Error("tgbotapi parsed the poison update: the defence may be unneeded now")
	}

	m := actiontest.NewMetrics(t)
	var log logtest.Buffer
	var got atomic.Value
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))),
		tgbotapimetrics.On(telegram.KindText, func(_ context.Context, u tgbotapi.Update) error { got.Store(u.Message.Text); return nil }))
	p := newPoller(t, srv.URL)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Poll(ctx, api, p, 1) }()
	actiontest.Wait(t, m.Handler(), 1, 5*time.Second)
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Poll = %v", err)
	}
	if got.Load() != "after the poison" {
		t.Errorf("handled %v, want the update after the poison", got.Load())
	}
	if !strings.Contains(log.String(), fmt.Sprintf(`msg="telegram polling failed" error="telegram: getUpdates failed (200): update %d skipped: tgbotapimetrics: tgbotapi cannot parse the update: json: cannot unmarshal number`, poison)) {
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
	pollFor(t, newRouter(t, discard), newAPI(srv.URL, "TOKEN"), srv.URL, 400*time.Millisecond)
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
			_, err := pollFor(t, r, newAPI(srv.URL, token), srv.URL, 300*time.Millisecond)
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
			r := newRouter(t, discard, tgbotapimetrics.On(telegram.KindText, func(context.Context, tgbotapi.Update) error { handled.Add(1); return nil }))
			pollFor(t, r, newAPI(srv.URL, "TOKEN"), srv.URL, 2*time.Second)
			if n := handled.Load(); n > 1 {
				t.Errorf("the handler ran %d times, want at most 1", n)
			}
			if n := calls.Load(); n > 5 {
				t.Errorf("%d getUpdates in 2s, want a handful", n)
			}
		})
	}
}

// TestPollStopCancelsTheLongPoll: the end of the context ends a long poll
// in flight at once (tgbotapi's own getUpdates cannot be cancelled), and is
// no failure.
func TestPollStopCancelsTheLongPoll(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(time.Hour))
	defer srv.Close()
	var log logtest.Buffer
	r := newRouter(t, tgbotapimetrics.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	p := newPoller(t, srv.URL, tgbotapimetrics.WithPollTimeout(time.Hour))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Poll(ctx, newAPI(srv.URL, srv.Token), p, 1) }()
	for pollingtest.GetUpdatesCalls(srv) == 0 {
		select {
		case <-done:
			t.Fatal("Poll returned before polling")
		case <-time.After(5 * time.Millisecond):
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil || p.Err() != nil || log.String() != "" {
			t.Errorf("Poll = %v, Err() = %v, logged %q; want nothing: stopping is no failure", err, p.Err(), &log)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Poll did not return within 5 s of its context's end: the long poll was not cancelled")
	}
}

// TestPollerParameters: getUpdates asks for the poll timeout in seconds,
// the allowed updates and, after an update, the offset that confirms it.
func TestPollerParameters(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	id := srv.SendText(1, "hi")
	var handled atomic.Int64
	r := newRouter(t, discard, tgbotapimetrics.On(telegram.KindText, func(context.Context, tgbotapi.Update) error { handled.Add(1); return nil }))
	p := newPoller(t, srv.URL+"/", tgbotapimetrics.WithPollTimeout(1500*time.Millisecond), tgbotapimetrics.WithAllowedUpdates(telegram.UpdateMessage, telegram.UpdateCallbackQuery))
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if err := r.Poll(ctx, newAPI(srv.URL, srv.Token), p, 1); err != nil || handled.Load() != 1 {
		t.Fatalf("Poll = %v with %d updates handled, want nil and 1", err, handled.Load())
	}
	var offsets []string
	for _, c := range srv.Calls() {
		if c.Method != "getUpdates" {
			continue
		}
		offsets = append(offsets, c.Params["offset"])
		if c.Params["timeout"] != "1" || c.Params["allowed_updates"] != `["message","callback_query"]` {
			t.Errorf("getUpdates with %v, want timeout 1 and the allowed updates", c.Params)
		}
	}
	if len(offsets) < 2 || offsets[0] != "0" || offsets[1] != fmt.Sprint(id+1) {
		t.Errorf("offsets %v, want 0 then %d", offsets, id+1)
	}
}

// TestPollAgainAfterStopMidAnswer: when ctx ends while an answer's updates
// are still waiting for a busy worker, the ones no worker took are not
// confirmed: polling again fetches them (offset 2 here, not 3).
func TestPollAgainAfterStopMidAnswer(t *testing.T) {
	srv, offsets := pollingtest.TwoUpdates(t)
	p := newPoller(t, srv.URL)
	api := newAPI(srv.URL, "TOKEN")
	got := make(chan int, 4)
	release := make(chan struct{})
	r := newRouter(t, discard, tgbotapimetrics.On(telegram.KindText, func(_ context.Context, u tgbotapi.Update) error {
		got <- u.UpdateID
		<-release
		return nil
	}))

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Poll(ctx, api, p, 1) }()
	select {
	case id := <-got:
		if id != 1 {
			t.Fatalf("the first Poll handled update %d first, want 1", id)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no update within 5 s")
	}
	cancel() // update 2 is waiting for the worker, which takes no more
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go func() { done <- r.Poll(ctx, api, p, 1) }()
	select {
	case id := <-got:
		if id != 2 {
			t.Errorf("the second Poll handled update %d first, want 2", id)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("update 2 was never handled: getUpdates offsets %q", offsets())
	}
	cancel()
	<-done
}

// TestPollerOptions: what NewPoller and Poll are given is checked, and
// every error names the bad value, the token never.
func TestPollerOptions(t *testing.T) {
	for _, bad := range []string{"", "api.telegram.org", "ftp://api.telegram.org", "https://api.telegram.org/bot%s/%s",
		"https://api.telegram.org/bot7012345678:AAHfakeTokenForTests_0123456789-abcd/%s", "https://api.telegram.org?x=1"} {
		p, err := tgbotapimetrics.NewPoller(plain, tgbotapimetrics.WithAPIURL(bad))
		if p != nil || err == nil || !strings.HasPrefix(err.Error(), "tgbotapimetrics: API URL ") || strings.Contains(err.Error(), "AAHfake") {
			t.Errorf("WithAPIURL(%q) = %v, %v; want an error naming it, the token masked", bad, p, err)
		}
	}
	for _, good := range []string{"https://api.telegram.org", "http://127.0.0.1:8081/", "https://proxy.example/telegram"} {
		if _, err := tgbotapimetrics.NewPoller(plain, tgbotapimetrics.WithAPIURL(good)); err != nil {
			t.Errorf("WithAPIURL(%q): %v", good, err)
		}
	}
	r, p := newRouter(t), newPoller(t, "http://127.0.0.1:1")
	for _, tc := range []struct {
		api     *tgbotapi.BotAPI
		p       *tgbotapimetrics.Poller
		workers int
		want    string
	}{
		{nil, p, 1, "nil *tgbotapi.BotAPI"},
		{newAPI("http://127.0.0.1:1", "1:T"), nil, 1, "nil *Poller"},
		{newAPI("http://127.0.0.1:1", "1:T"), p, 0, "0 workers"},
	} {
		if err := r.Poll(context.Background(), tc.api, tc.p, tc.workers); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Poll = %v, want an error naming %s", err, tc.want)
		}
	}
}
