package gotgbotmetrics_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// window is how long the request-rate tests let a poller run: the counts
// they assert are of requests, whatever the speed of the machine.
const window = 1500 * time.Millisecond

// plain is a client with nothing between gotgbot, or the Poller, and the
// Bot API.
var plain = &http.Client{Timeout: 5 * time.Second}

// rawBot is a gotgbot bot on url holding token itself, with the plain
// client: no getMe.
func rawBot(url, token string) *gotgbot.Bot {
	return &gotgbot.Bot{Token: token, BotClient: &gotgbot.BaseBotClient{
		Client:             *plain,
		DefaultRequestOpts: &gotgbot.RequestOpts{APIURL: url},
	}}
}

// newPoller is a Poller on the plain client.
func newPoller(t testing.TB, opts ...gotgbotmetrics.PollerOption) *gotgbotmetrics.Poller {
	t.Helper()
	p, err := gotgbotmetrics.NewPoller(plain, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// sink is a dispatcher that keeps the updates it is given.
type sink struct {
	mu      sync.Mutex
	updates []json.RawMessage
}

func (s *sink) Start(_ *gotgbot.Bot, updates <-chan json.RawMessage) {
	for u := range updates {
		s.mu.Lock()
		s.updates = append(s.updates, u)
		s.mu.Unlock()
	}
}

func (s *sink) Stop() {}

func (s *sink) got() []json.RawMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]json.RawMessage(nil), s.updates...)
}

// pollFor runs p for b for at most window and returns the updates it
// handed on, whether it returned before window passed, and its error.
func pollFor(t *testing.T, p *gotgbotmetrics.Poller, b *gotgbot.Bot, window time.Duration) (updates []json.RawMessage, early bool, err error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	var d sink
	done := make(chan error, 1)
	go func() { done <- p.Poll(ctx, b, &d) }()
	select {
	case err = <-done:
	case <-time.After(window + 10*time.Second):
		t.Fatal("Poll did not return within 10 s of the end of its context")
	}
	return d.got(), ctx.Err() == nil, err
}

// TestPollerFailingAPI: against a Bot API whose getUpdates always fails,
// the Poller sends a handful of requests, stops on 401 and 409 with an
// error that says why, waits the retry_after of a 429, and reports every
// failure.
func TestPollerFailingAPI(t *testing.T) {
	for _, tc := range []struct {
		fault    telegramtest.Fault
		maxCalls int
		stops    bool
	}{
		{telegramtest.Fault{Status: 409, Description: "Conflict: terminated by other getUpdates request"}, 1, true},
		{telegramtest.Fault{Status: 401, Description: "Unauthorized"}, 1, true},
		{telegramtest.Fault{Status: 429, RetryAfter: 30}, 1, false},
		{telegramtest.Fault{Status: 502}, 3, false}, // at 0, after 0.5-1 s, after 1-2 s more
	} {
		t.Run(fmt.Sprint(tc.fault.Status), func(t *testing.T) {
			t.Parallel()
			srv := telegramtest.NewServer()
			defer srv.Close()
			tc.fault.Times = -1
			srv.Inject("getUpdates", tc.fault)
			var got collector
			p := newPoller(t, gotgbotmetrics.WithPollTimeout(time.Second), gotgbotmetrics.WithErrorFunc(got.err))
			_, early, err := pollFor(t, p, rawBot(srv.URL, srv.Token), window)

			calls := pollingtest.GetUpdatesCalls(srv)
			if calls < 1 || calls > tc.maxCalls {
				t.Errorf("%d getUpdates in %v, want 1 to %d", calls, window, tc.maxCalls)
			}
			errs := got.errs()
			if len(errs) != calls && len(errs) != calls-1 { // the last may be cut by the end
				t.Fatalf("%d errors reported for %d failed calls: %v", len(errs), calls, errs)
			}
			for _, e := range errs {
				var pe *telegram.PollError
				if !errors.As(e, &pe) || pe.Code != tc.fault.Status || pe.Stopped != tc.stops {
					t.Fatalf("reported %#v, want a *telegram.PollError with code %d, stopped %v", e, tc.fault.Status, tc.stops)
				}
				if want := time.Duration(tc.fault.RetryAfter) * time.Second; pe.RetryAfter != want {
					t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, want)
				}
			}
			if early != tc.stops {
				t.Errorf("Poll returned early: %v, want %v", early, tc.stops)
			}
			if tc.stops && (err != errs[0] || p.Err() != err || !strings.Contains(err.Error(), "polling stopped")) {
				t.Errorf("Poll = %v, Err() = %v; want the error reported, saying polling stopped", err, p.Err())
			}
			if !tc.stops && (err != nil || p.Err() != nil) {
				t.Errorf("Poll = %v, Err() = %v at the end of its context, want nil", err, p.Err())
			}
		})
	}
}

// startUpdater runs gotgbot's own polling loop on b for window, then stops
// it.
func startUpdater(t *testing.T, b *gotgbot.Bot, opts *ext.UpdaterOpts, window time.Duration) {
	t.Helper()
	u := ext.NewUpdater(ext.NewDispatcher(&ext.DispatcherOpts{ErrorLog: log.New(io.Discard, "", 0)}), opts)
	if err := u.StartPolling(b, &ext.PollingOpts{GetUpdatesOpts: &gotgbot.GetUpdatesOpts{Timeout: 1}}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(window)
	if err := u.Stop(); err != nil {
		t.Fatal(err)
	}
}

// TestUpdaterFailingAPI is the control, gotgbot's Updater against the same
// answers: with an UnhandledErrFunc it polls a failing Bot API in a busy
// loop; without one it waits 1 s whatever the failure, retry_after
// ignored, and polls on after a 401; an empty answer at once makes it poll
// again at once, whatever it was given.
func TestUpdaterFailingAPI(t *testing.T) {
	discard := &ext.UpdaterOpts{ErrorLog: log.New(io.Discard, "", 0)}
	for _, tc := range []struct {
		name   string
		status int
		answer string
		opts   *ext.UpdaterOpts
		window time.Duration
		calls  int64 // at least
	}{
		{"502 with UnhandledErrFunc", 502, `{"ok":false,"error_code":502,"description":"Bad Gateway"}`, &ext.UpdaterOpts{UnhandledErrFunc: func(error) {}}, 300 * time.Millisecond, 20},
		{"401", 401, `{"ok":false,"error_code":401,"description":"Unauthorized"}`, discard, 2500 * time.Millisecond, 3},
		{"429 retry_after 30", 429, `{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":30}}`, discard, 2500 * time.Millisecond, 3},
		{"empty at once", 200, `{"ok":true,"result":[]}`, discard, 300 * time.Millisecond, 20},
		{"result not a list", 200, `{"ok":true,"result":{}}`, discard, 300 * time.Millisecond, 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv, calls := pollingtest.Serve(t, tc.status, tc.answer)
			startUpdater(t, rawBot(srv.URL, "1:TOKEN"), tc.opts, tc.window)
			if n := calls.Load(); n < tc.calls {
				t.Errorf("the Updater sent %d getUpdates in %v, expected at least %d: the Poller may be unneeded now", n, tc.window, tc.calls)
			}
		})
	}
}

// TestPollerMalformedAnswers: answers that are not Bot API answers, or
// hold what gotgbot cannot decode, are failures with backoff.
func TestPollerMalformedAnswers(t *testing.T) {
	for _, answer := range []string{
		`<html>502 Bad Gateway</html>`,
		``,
		`{"ok":true}`,
		`{"ok":true,"result":{}}`,
		`{"ok":true,"result":[{"message":{}}]}`, // no update_id
		`{"ok":false,"error_code":429,"parameters":{"retry_after":"5"}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":{"x":[1]}}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":null}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":-3}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":1e999}}`,
	} {
		t.Run(answer, func(t *testing.T) {
			t.Parallel()
			srv, calls := pollingtest.Serve(t, http.StatusBadGateway, answer)
			var got collector
			// The first wait is at least 0.5 s.
			updates, _, err := pollFor(t, newPoller(t, gotgbotmetrics.WithErrorFunc(got.err)), rawBot(srv.URL, "TOKEN"), 400*time.Millisecond)
			if n := calls.Load(); n != 1 {
				t.Errorf("%d getUpdates in 400ms, want 1", n)
			}
			if len(got.errs()) == 0 || len(updates) != 0 || err != nil {
				t.Errorf("reported %v, handed on %d updates, Poll = %v; want a failure reported, nothing handed on, nil", got.errs(), len(updates), err)
			}
		})
	}
}

// TestPollerEmptyAnswersAtOnce: a Bot API (or a proxy) that does not hold
// the long poll, and answers at once with no updates, gets one request in
// 400 ms, not a busy loop.
func TestPollerEmptyAnswersAtOnce(t *testing.T) {
	srv, calls := pollingtest.Serve(t, http.StatusOK, `{"ok":true,"result":[]}`)
	var got collector
	pollFor(t, newPoller(t, gotgbotmetrics.WithErrorFunc(got.err)), rawBot(srv.URL, "TOKEN"), 400*time.Millisecond)
	if n := calls.Load(); n != 1 || len(got.errs()) != 1 {
		t.Errorf("%d getUpdates in 400ms and %d errors reported, want 1 and 1", n, len(got.errs()))
	}
}

// TestPollerConfirmedUpdatesAgain: a Bot API that sends, at once and again
// and again, updates the offset confirmed already gets each handed to the
// dispatcher once and a handful of requests.
func TestPollerConfirmedUpdatesAgain(t *testing.T) {
	for name, answers := range pollingtest.ConfirmedAgain() {
		t.Run(name, func(t *testing.T) {
			srv, calls := pollingtest.Serve(t, http.StatusOK, answers...)
			var got collector
			updates, _, _ := pollFor(t, newPoller(t, gotgbotmetrics.WithErrorFunc(got.err)), rawBot(srv.URL, "TOKEN"), 2*time.Second)
			if len(updates) > 1 {
				t.Errorf("%d updates handed on, want at most 1", len(updates))
			}
			if n := calls.Load(); n > 5 {
				t.Errorf("%d getUpdates in 2s, want a handful", n)
			}
			if len(got.errs()) == 0 {
				t.Error("nothing reported")
			}
		})
	}
}

// TestPollerStopCancelsTheLongPoll: the end of the context ends a long poll
// in flight at once, not when the poll times out, and is no failure.
func TestPollerStopCancelsTheLongPoll(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(time.Hour))
	defer srv.Close()
	var got collector
	start := time.Now()
	_, _, err := pollFor(t, newPoller(t, gotgbotmetrics.WithPollTimeout(time.Hour), gotgbotmetrics.WithErrorFunc(got.err)), rawBot(srv.URL, srv.Token), 300*time.Millisecond)
	if errs := got.errs(); len(errs) != 0 || err != nil {
		t.Errorf("reported %v, Poll = %v; want nothing: stopping is no failure", errs, err)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("Poll took %v to return, want the long poll cancelled", took)
	}
}

// TestPollerKeepsTheTokenSecret: with the real token in the bot and a plain
// client, a Bot API that echoes it, or redirects to a closed port with it
// in the Location, gets it into no error the Poller makes.
func TestPollerKeepsTheTokenSecret(t *testing.T) {
	for _, token := range []string{"7012345678:AAHfakeTokenForTests_0123456789-abcd", "42:short-secret_x"} {
		for _, status := range []int{http.StatusTemporaryRedirect, http.StatusConflict, http.StatusBadRequest} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if status == http.StatusTemporaryRedirect {
					http.Redirect(w, r, "http://127.0.0.1:1"+r.URL.Path, status)
					return
				}
				w.WriteHeader(status)
				fmt.Fprintf(w, `{"ok":false,"error_code":%d,"description":"no such path %s"}`, status, r.URL.Path)
			}))
			var got collector
			_, _, err := pollFor(t, newPoller(t, gotgbotmetrics.WithErrorFunc(got.err)), rawBot(srv.URL, token), 300*time.Millisecond)
			srv.Close()
			errs := got.errs()
			if len(errs) == 0 {
				t.Fatal("nothing reported")
			}
			for _, e := range append(errs, err) {
				var pe *telegram.PollError
				if e != nil && !errors.As(e, &pe) {
					t.Errorf("reported %#v, want a *telegram.PollError", e)
				}
				if msg := fmt.Sprintf("%v %+v %v", e, e, errors.Unwrap(e)); strings.Contains(msg, token) || strings.Contains(msg, strings.SplitN(token, ":", 2)[1]) {
					t.Errorf("want the token masked: %s", msg)
				}
			}
		}
	}
}

// TestPollerParameters: getUpdates asks for the poll timeout in seconds,
// the allowed updates and, after an update, the offset that confirms it.
func TestPollerParameters(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(200 * time.Millisecond))
	defer srv.Close()
	id := srv.SendText(1, "hi")
	p := newPoller(t, gotgbotmetrics.WithPollTimeout(1500*time.Millisecond), gotgbotmetrics.WithAllowedUpdates(telegram.UpdateMessage, telegram.UpdateCallbackQuery), gotgbotmetrics.WithErrorFunc(nil))
	updates, _, err := pollFor(t, p, rawBot(srv.URL, srv.Token), 500*time.Millisecond)
	if err != nil || len(updates) != 1 {
		t.Fatalf("Poll = %v with %d updates, want nil and 1", err, len(updates))
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

// gate is a dispatcher that takes one update, then holds the next send
// until released, as a busy dispatcher does; released, it takes (and
// drops) the rest when drain is set, and else returns, busy to the end.
type gate struct {
	first   chan json.RawMessage
	release chan struct{}
	drain   bool
}

func (g *gate) Start(_ *gotgbot.Bot, updates <-chan json.RawMessage) {
	g.first <- <-updates
	<-g.release
	if !g.drain {
		return
	}
	for range updates {
	}
}

func (g *gate) Stop() {}

// TestPollAgainAfterStopMidAnswer: when ctx ends while an answer's updates
// are still being handed to a busy dispatcher, the ones not handed on are
// not confirmed: polling again fetches them (offset 2 here, not 3).
func TestPollAgainAfterStopMidAnswer(t *testing.T) {
	srv, offsets := pollingtest.TwoUpdates(t)
	b := rawBot(srv.URL, "TOKEN")
	p := newPoller(t, gotgbotmetrics.WithPollTimeout(time.Second), gotgbotmetrics.WithErrorFunc(func(error) {}))

	ctx, cancel := context.WithCancel(context.Background())
	g := &gate{first: make(chan json.RawMessage, 1), release: make(chan struct{})}
	done := make(chan error)
	go func() { done <- p.Poll(ctx, b, g) }()
	select {
	case <-g.first:
	case <-time.After(5 * time.Second):
		t.Fatal("no update within 5 s")
	}
	cancel() // update 2 is waiting for the dispatcher, which takes no more
	close(g.release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	s := &gate{first: make(chan json.RawMessage, 1), release: make(chan struct{}), drain: true}
	close(s.release)
	go func() { done <- p.Poll(ctx, b, s) }()
	select {
	case u := <-s.first:
		if !strings.Contains(string(u), `"update_id":2`) {
			t.Errorf("the second Poll got %s first, want update 2", u)
		}
	case <-time.After(5 * time.Second):
		t.Errorf("update 2 was never handed on: getUpdates offsets %q", offsets())
	}
	cancel()
	<-done
}

// TestPollerSkipsWhatGotgbotCrashesOn: a chat boost without a source makes
// gotgbot's dispatcher panic outside its recover, which ends the process;
// the Poller reports it, skips it, and hands on the update after it.
func TestPollerSkipsWhatGotgbotCrashesOn(t *testing.T) {
	boost := map[string]any{"chat_boost": map[string]any{
		"chat": map[string]any{"id": -100, "type": "channel"}, "boost": map[string]any{"boost_id": "b", "add_date": 1, "expiration_date": 2},
	}}
	// The control: the dispatcher panics on it before its recover.
	raw, _ := json.Marshal(boost)
	var u gotgbot.Update
	if err := json.Unmarshal(raw, &u); err != nil {
		t.Fatal(err)
	}
	if p := func() (p any) {
		defer func() { p = recover() }()
		return ext.NewDispatcher(&ext.DispatcherOpts{Panic: func(*gotgbot.Bot, *ext.Context, any) {}}).ProcessUpdate(offlineBot, &u, nil)
	}(); p == nil {
		t.Error("gotgbot's dispatcher did not panic on a chat boost without a source: the check may be unneeded now")
	}

	srv := telegramtest.NewServer()
	defer srv.Close()
	bad := srv.SendUpdate(boost)
	srv.SendText(1, "after")
	var got collector
	updates, _, err := pollFor(t, newPoller(t, gotgbotmetrics.WithPollTimeout(time.Second), gotgbotmetrics.WithErrorFunc(got.err)), rawBot(srv.URL, srv.Token), 500*time.Millisecond)
	if err != nil || len(updates) != 1 || !strings.Contains(string(updates[0]), `"after"`) {
		t.Errorf("Poll = %v, handed on %q; want the message after the boost", err, updates)
	}
	errs := got.errs()
	var pe *telegram.PollError
	if len(errs) != 1 || !errors.As(errs[0], &pe) || !strings.Contains(pe.Error(), fmt.Sprintf("update %d skipped: gotgbotmetrics: the update's chat_boost has no boost.source", bad)) {
		t.Errorf("reported %v, want the boost skipped, as a *telegram.PollError", errs)
	}
}

// TestPollerURL: getUpdates goes to the bot's API URL, a trailing slash
// trimmed as gotgbot trims it, under /test for the test environment.
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
		if err := newPoller(t, gotgbotmetrics.WithErrorFunc(func(error) {})).Poll(context.Background(), b, &sink{}); err == nil || path.Load() != tc.want {
			t.Errorf("Poll = %v, to %v; want the 409 of %s", err, path.Load(), tc.want)
		}
	}
	p := newPoller(t)
	for _, tc := range []struct {
		b *gotgbot.Bot
		d ext.UpdateDispatcher
	}{{nil, &sink{}}, {rawBot(srv.URL, "1:T"), nil}} {
		if err := p.Poll(context.Background(), tc.b, tc.d); err == nil || !strings.Contains(err.Error(), "nil") || strings.Contains(err.Error(), "1:T") {
			t.Errorf("Poll(%v, %v) = %v, want an error naming the nil argument", tc.b != nil, tc.d != nil, err)
		}
	}
}
