package telebotmetrics_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics/v4"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// The Poller's logic is telebotcore's, tested at length through telebotmetrics;
// these tests attack telebot v4's own LongPoller and parsing (the
// controls, which show why telebotmetrics/v4 has a Poller) and the telebotmetrics.Poller with
// the same hostile answers.

// polled is what a poller run against a Bot API produced.
type polled struct {
	updates  []tele.Update
	returned bool
	errs     []error
	calls    int64
}

// poll runs p for window against the Bot API at url, for a bot with token.
func poll(t *testing.T, p tele.Poller, url, token string, window time.Duration) *polled {
	t.Helper()
	var mu sync.Mutex
	r := &polled{}
	bot, err := tele.NewBot(tele.Settings{URL: url, Token: token, Offline: true, OnError: func(err error, _ tele.Context) {
		mu.Lock()
		defer mu.Unlock()
		r.errs = append(r.errs, err)
	}})
	if err != nil {
		t.Fatal(err)
	}
	r.updates, r.returned = pollingtest.PollFor(t, func(dest chan tele.Update, stop chan struct{}) { p.Poll(bot, dest, stop) }, window)
	mu.Lock()
	defer mu.Unlock()
	r.errs = append([]error(nil), r.errs...)
	return r
}

// newPoller returns NewPoller's Poller with an *http.Client of no
// timeout, failing t on an error.
func newPoller(t testing.TB, opts ...telebotmetrics.PollerOption) *telebotmetrics.Poller {
	t.Helper()
	p, err := telebotmetrics.NewPoller(&http.Client{}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// pollHostile runs p against a Bot API answering answers (see
// pollingtest.Serve).
func pollHostile(t *testing.T, p tele.Poller, window time.Duration, status int, answers ...string) *polled {
	t.Helper()
	srv, calls := pollingtest.Serve(t, status, answers...)
	r := poll(t, p, srv.URL, "TOKEN", window)
	r.calls = calls.Load()
	return r
}

func pollErr(t *testing.T, r *polled) *telegram.PollError {
	t.Helper()
	var pe *telegram.PollError
	if len(r.errs) == 0 || !errors.As(r.errs[0], &pe) {
		t.Fatalf("OnError got %v, want a *telegram.PollError first", r.errs)
	}
	return pe
}

// TestLongPollerMisbehaves is the control: telebot v4's LongPoller sends
// getUpdates in a busy loop against a failing or non-waiting Bot API, and
// tells OnError nothing; its parsing panics on a retry_after that is not a
// number and on "photo":[].
func TestLongPollerMisbehaves(t *testing.T) {
	for name, answer := range map[string]string{"502": `{"ok":false,"error_code":502}`, "empty": `{"ok":true,"result":[]}`} {
		// Counted, not timed: 50 requests, which a Poller would take
		// minutes to send, within at most 10 s.
		srv, calls := pollingtest.Serve(t, http.StatusOK, answer)
		var reported atomic.Int64
		bot, err := tele.NewBot(tele.Settings{URL: srv.URL, Token: "TOKEN", Offline: true, OnError: func(error, tele.Context) { reported.Add(1) }})
		if err != nil {
			t.Fatal(err)
		}
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			(&tele.LongPoller{Timeout: 10 * time.Second}).Poll(bot, make(chan tele.Update), stop)
		}()
		for deadline := time.Now().Add(10 * time.Second); calls.Load() < 50 && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		close(stop)
		<-done
		if n := calls.Load(); n < 50 || reported.Load() != 0 {
			t.Errorf("%s: LongPoller sent %d getUpdates and reported %d errors, expected a silent busy loop", name, n, reported.Load())
		}
	}
	srv, _ := pollingtest.Serve(t, http.StatusTooManyRequests, `{"ok":false,"error_code":429,"parameters":{"retry_after":"5"}}`)
	bot, err := tele.NewBot(tele.Settings{URL: srv.URL, Token: "TOKEN", Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	for what, f := range map[string]func(){
		"retry_after": func() { bot.Raw("getUpdates", nil) },
		"photo":       func() { json.Unmarshal([]byte(`{"update_id":1,"message":{"photo":[]}}`), new(tele.Update)) },
	} {
		if p := func() (p any) { defer func() { p = recover() }(); f(); return nil }(); p == nil {
			t.Errorf("telebot v4 did not panic on the bad %s: the defence may be unneeded now", what)
		}
	}
}

// TestPollerFaults: the Poller against the fake Bot API's getUpdates
// faults stops on 401 and 409, waits a 429's retry_after and backs off
// on a 502, reporting each failure.
func TestPollerFaults(t *testing.T) {
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
			p := newPoller(t, telebotmetrics.WithPollTimeout(time.Second))
			r := poll(t, p, srv.URL, srv.Token, 1500*time.Millisecond)
			calls := pollingtest.GetUpdatesCalls(srv)
			pe := pollErr(t, r)
			if calls < 1 || calls > tc.maxCalls || r.returned != tc.stops || pe.Code != tc.fault.Status || pe.Stopped != tc.stops {
				t.Errorf("%d getUpdates (want 1 to %d), returned %v, first error %#v", calls, tc.maxCalls, r.returned, pe)
			}
			if want := time.Duration(tc.fault.RetryAfter) * time.Second; pe.RetryAfter != want {
				t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, want)
			}
			if stopped := p.Err() != nil; stopped != tc.stops || tc.stops && !strings.HasPrefix(p.Err().Error(), "telegram: getUpdates failed") {
				t.Errorf("Err() = %v", p.Err())
			}
		})
	}
}

// TestPollerHostileAnswers: what makes telebot v4 panic or loop is a
// failure waited out, or an update reported and skipped.
func TestPollerHostileAnswers(t *testing.T) {
	const good = `{"update_id":2,"message":{"message_id":2,"date":0,"chat":{"id":1,"type":"private"},"text":"hi"}}`
	cases := map[string][]string{
		"retry_after string": {`{"ok":false,"error_code":429,"parameters":{"retry_after":"5"}}`},
		"empty at once":      {`{"ok":true,"result":[]}`},
		"photo":              {`{"ok":true,"result":[{"update_id":1,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"photo":[]}},` + good + `]}`, `{"ok":true,"result":[]}`},
		"no chat":            {`{"ok":true,"result":[{"update_id":1,"message":{"message_id":1,"date":0,"migrate_to_chat_id":-100123}},` + good + `]}`, `{"ok":true,"result":[]}`},
	}
	for name, answers := range pollingtest.ConfirmedAgain() {
		cases["confirmed again "+name] = answers
	}
	for name, answers := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			r := pollHostile(t, newPoller(t, telebotmetrics.WithPollTimeout(10*time.Second)), 2*time.Second, http.StatusOK, answers...)
			pe := pollErr(t, r)
			switch {
			case r.calls > 5: // backoff from 0.5 s: a handful in 2 s, not a busy loop
				t.Errorf("%d getUpdates in 2s, want a handful", r.calls)
			case name == "retry_after string" && pe.RetryAfter != 5*time.Second:
				t.Errorf("RetryAfter %v, want 5s", pe.RetryAfter)
			case name == "photo" || name == "no chat":
				if len(r.updates) != 1 || r.updates[0].ID != 2 || !strings.Contains(pe.Error(), "update 1 skipped") {
					t.Errorf("updates %+v, first error %v: want update 1 skipped, 2 handed on", r.updates, pe)
				}
			case len(r.updates) > 1:
				t.Errorf("%d updates handed on, want at most 1", len(r.updates))
			}
		})
	}
}

// TestPollerKeepsTheTokenSecret: a Bot API that echoes the request path
// gets the token into no error.
func TestPollerKeepsTheTokenSecret(t *testing.T) {
	const token = "7012345678:AAHfakeTokenForTests_0123456789-abcd"
	srv, _ := pollingtest.Serve(t, http.StatusBadRequest, `{"ok":false,"error_code":400,"description":"no such path /bot`+token+`/getUpdates"}`)
	r := poll(t, newPoller(t), srv.URL, token, 300*time.Millisecond)
	if msg := fmt.Sprint(pollErr(t, r)); strings.Contains(msg, "AAHfakeTokenForTests") || !strings.Contains(msg, "/bot{token}/getUpdates") {
		t.Errorf("want the token masked: %s", msg)
	}
}
