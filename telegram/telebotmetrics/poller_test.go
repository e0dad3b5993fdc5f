package telebotmetrics_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// window is how long the request-rate tests let a poller run: the counts
// they assert are of requests, whatever the speed of the machine.
const window = 1500 * time.Millisecond

// pollerBot is a telebot bot on url whose OnError calls are collected.
type pollerBot struct {
	*tele.Bot
	mu     sync.Mutex
	errors []error
}

func newPollerBot(t *testing.T, url, token string) *pollerBot {
	t.Helper()
	pb := &pollerBot{}
	bot, err := tele.NewBot(tele.Settings{URL: url, Token: token, Offline: true, OnError: func(err error, _ tele.Context) {
		pb.mu.Lock()
		defer pb.mu.Unlock()
		pb.errors = append(pb.errors, err)
	}})
	if err != nil {
		t.Fatal(err)
	}
	pb.Bot = bot
	return pb
}

func (pb *pollerBot) onError() []error {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	return append([]error(nil), pb.errors...)
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

// pollFor runs p for bot until it returns or window passes, then stops it
// and returns the updates it sent and whether it returned on its own.
func pollFor(t *testing.T, p tele.Poller, bot *tele.Bot, window time.Duration) (updates []tele.Update, returned bool) {
	t.Helper()
	return pollingtest.PollFor(t, func(dest chan tele.Update, stop chan struct{}) { p.Poll(bot, dest, stop) }, window)
}

// TestPollerFailingAPI: against a Bot API whose getUpdates always fails,
// the Poller sends a handful of requests where telebot's LongPoller sends
// thousands, stops on 401 and 409, waits the retry_after of a 429 and
// reports every failure to OnError.
func TestPollerFailingAPI(t *testing.T) {
	for _, tc := range []struct {
		fault    telegramtest.Fault
		maxCalls int
		stops    bool
	}{
		{telegramtest.Fault{Status: 409, Description: "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"}, 1, true},
		{telegramtest.Fault{Status: 401, Description: "Unauthorized"}, 1, true},
		{telegramtest.Fault{Status: 429, RetryAfter: 30}, 1, false},
		// Backoff: at 0, after 0.5-1 s, after 1-2 s more.
		{telegramtest.Fault{Status: 502}, 3, false},
	} {
		t.Run(fmt.Sprint(tc.fault.Status), func(t *testing.T) {
			t.Parallel()
			srv := telegramtest.NewServer()
			defer srv.Close()
			tc.fault.Times = -1
			srv.Inject("getUpdates", tc.fault)
			bot := newPollerBot(t, srv.URL, srv.Token)
			p := newPoller(t, telebotmetrics.WithPollTimeout(time.Second))
			_, returned := pollFor(t, p, bot.Bot, window)

			calls := pollingtest.GetUpdatesCalls(srv)
			if calls < 1 || calls > tc.maxCalls {
				t.Errorf("%d getUpdates in %v, want 1 to %d", calls, window, tc.maxCalls)
			}
			if returned != tc.stops {
				t.Errorf("Poll returned on its own: %v, want %v", returned, tc.stops)
			}
			errs := bot.onError()
			if len(errs) != calls && len(errs) != calls-1 { // the last may be cut by stop
				t.Fatalf("OnError got %d errors for %d failed calls: %v", len(errs), calls, errs)
			}
			var pe *telegram.PollError
			if !errors.As(errs[0], &pe) || pe.Code != tc.fault.Status || pe.Stopped != tc.stops {
				t.Fatalf("OnError got %#v, want a *PollError with code %d, stopped %v", errs[0], tc.fault.Status, tc.stops)
			}
			if want := time.Duration(tc.fault.RetryAfter) * time.Second; pe.RetryAfter != want {
				t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, want)
			}
			if tc.stops && (p.Err() != errs[0] || !strings.Contains(p.Err().Error(), "polling stopped")) {
				t.Errorf("Err() = %v, want the error OnError got, saying polling stopped", p.Err())
			}
			if !tc.stops && p.Err() != nil {
				t.Errorf("Err() = %v after stop, want nil", p.Err())
			}
		})
	}
}

// TestLongPollerFailingAPI is the control: telebot's own LongPoller against
// the same failing getUpdates sends a request as soon as the last failed,
// and tells OnError nothing.
func TestLongPollerFailingAPI(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.Inject("getUpdates", telegramtest.Fault{Status: 502, Times: -1})
	bot := newPollerBot(t, srv.URL, srv.Token)
	pollFor(t, &tele.LongPoller{Timeout: time.Second}, bot.Bot, 300*time.Millisecond)
	if calls := pollingtest.GetUpdatesCalls(srv); calls < 20 {
		t.Errorf("LongPoller sent %d getUpdates, expected it to hammer the API", calls)
	}
	if errs := bot.onError(); len(errs) != 0 {
		t.Errorf("LongPoller reported %d errors, expected none", len(errs))
	}
}

// TestPollerMalformedRetryAfter: a 429 whose retry_after is a string makes
// telebot v3.3.8 panic; the Poller waits it like a number.
func TestPollerMalformedRetryAfter(t *testing.T) {
	const answer = `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":"5"}}`
	srv, calls := pollingtest.Serve(t, http.StatusTooManyRequests, answer)
	bot := newPollerBot(t, srv.URL, "TOKEN")

	// The control: telebot's parsing of that answer panics.
	panicked := func() (p any) {
		defer func() { p = recover() }()
		bot.Raw("getUpdates", nil)
		return nil
	}()
	if panicked == nil || !strings.Contains(fmt.Sprint(panicked), "interface conversion") {
		t.Errorf("telebot did not panic on the malformed retry_after (%v): the defence may be unneeded now", panicked)
	}
	calls.Store(0)

	pollFor(t, newPoller(t), bot.Bot, window)
	if n := calls.Load(); n != 1 {
		t.Errorf("%d getUpdates in %v, want 1 (retry after 5 s)", n, window)
	}
	var pe *telegram.PollError
	if errs := bot.onError(); len(errs) != 1 || !errors.As(errs[0], &pe) || pe.RetryAfter != 5*time.Second {
		t.Errorf("OnError got %v, want one *PollError with RetryAfter 5s", errs)
	}
}

// TestPollerMalformedAnswers: answers that are not Bot API answers, and
// retry_after values that are not numbers, are failures with backoff.
func TestPollerMalformedAnswers(t *testing.T) {
	for _, answer := range pollingtest.Malformed() {
		t.Run(answer, func(t *testing.T) {
			t.Parallel()
			srv, calls := pollingtest.Serve(t, http.StatusBadGateway, answer)
			bot := newPollerBot(t, srv.URL, "TOKEN")
			// The first wait is at least 0.5 s.
			pollFor(t, newPoller(t), bot.Bot, 400*time.Millisecond)
			if n := calls.Load(); n != 1 {
				t.Errorf("%d getUpdates in 400ms, want 1", n)
			}
			if len(bot.onError()) == 0 {
				t.Error("nothing reported to OnError")
			}
		})
	}
}

// TestPollerPoisonUpdate: an update telebot cannot parse ("photo":[] makes
// it panic) is reported and skipped; the updates after it arrive, and the
// offset confirms it.
func TestPollerPoisonUpdate(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	poison := srv.SendUpdate(map[string]any{"message": map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": 1, "type": "private"}, "photo": []any{}}})
	good := srv.SendText(1, "after the poison")

	// The control: telebot's own parsing panics.
	panicked := func() (p any) {
		defer func() { p = recover() }()
		var u tele.Update
		return json.Unmarshal([]byte(`{"update_id":1,"message":{"photo":[]}}`), &u)
	}()
	if _, isRuntime := panicked.(runtime.Error); !isRuntime {
		t.Errorf("telebot did not panic on \"photo\":[] (%v): the defence may be unneeded now", panicked)
	}

	bot := newPollerBot(t, srv.URL, srv.Token)
	p := newPoller(t, telebotmetrics.WithPollTimeout(time.Second))
	var got []tele.Update
	for range 10 { // until the good update arrives, at most 10 windows
		updates, _ := pollFor(t, p, bot.Bot, 300*time.Millisecond)
		got = append(got, updates...)
		if len(got) > 0 {
			break
		}
	}
	if len(got) != 1 || got[0].ID != good || got[0].Message == nil || got[0].Message.Text != "after the poison" {
		t.Fatalf("updates = %+v, want only update %d", got, good)
	}
	var pe *telegram.PollError
	if errs := bot.onError(); len(errs) != 1 || !errors.As(errs[0], &pe) || !strings.Contains(pe.Error(), fmt.Sprintf("update %d skipped", poison)) {
		t.Errorf("OnError got %v, want update %d reported as skipped", errs, poison)
	}
}

// TestPollerStopCancelsTheLongPoll: closing stop ends a long poll in flight
// at once, not when the poll times out.
func TestPollerStopCancelsTheLongPoll(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(time.Hour))
	defer srv.Close()
	bot := newPollerBot(t, srv.URL, srv.Token)
	pollFor(t, newPoller(t, telebotmetrics.WithPollTimeout(time.Hour)), bot.Bot, 300*time.Millisecond)
	if errs := bot.onError(); len(errs) != 0 {
		t.Errorf("OnError got %v, want nothing: stopping is no failure", errs)
	}
}

// TestPollerKeepsTheTokenSecret: with the real token in the bot and an
// ordinary client, a Bot API that echoes it gets it into no error.
func TestPollerKeepsTheTokenSecret(t *testing.T) {
	for _, token := range []string{"7012345678:AAHfakeTokenForTests_0123456789-abcd", "42:short-secret_x"} {
		for _, redirect := range []bool{false, true} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if redirect { // to a closed port: the client's error quotes the Location
					http.Redirect(w, r, "http://127.0.0.1:1"+r.URL.Path, http.StatusTemporaryRedirect)
					return
				}
				w.WriteHeader(http.StatusBadRequest)
				fmt.Fprintf(w, `{"ok":false,"error_code":400,"description":"no such path %s"}`, r.URL.Path)
			}))
			bot := newPollerBot(t, srv.URL, token)
			pollFor(t, newPoller(t), bot.Bot, 300*time.Millisecond)
			srv.Close()
			errs := bot.onError()
			if len(errs) == 0 {
				t.Fatal("nothing reported to OnError")
			}
			for _, err := range errs {
				if msg := fmt.Sprintf("%v %+v", err, err); strings.Contains(msg, token) || !strings.Contains(msg, "/bot42:***") && !strings.Contains(msg, "/bot{token}/") {
					t.Errorf("want the token masked: %s", msg)
				}
			}
		}
	}
}

// TestPollerEmptyAnswersAtOnce: a Bot API (or a proxy) that does not hold
// the long poll, and answers at once with no updates, gets a handful of
// requests, not a busy loop.
func TestPollerEmptyAnswersAtOnce(t *testing.T) {
	for name, poller := range map[string]tele.Poller{
		"Poller":     newPoller(t, telebotmetrics.WithPollTimeout(10*time.Second)),
		"LongPoller": &tele.LongPoller{Timeout: 10 * time.Second}, // the control
	} {
		srv, calls := pollingtest.Serve(t, http.StatusOK, `{"ok":true,"result":[]}`)
		bot := newPollerBot(t, srv.URL, "TOKEN")
		pollFor(t, poller, bot.Bot, 400*time.Millisecond)
		n := calls.Load()
		switch {
		case name == "Poller" && (n != 1 || len(bot.onError()) != 1):
			t.Errorf("Poller: %d getUpdates in 400ms and %d errors reported, want 1 and 1", n, len(bot.onError()))
		case name == "LongPoller" && n < 20:
			t.Errorf("LongPoller: %d getUpdates in 400ms, expected it to hammer the API", n)
		}
	}
}

// TestPollerConfirmedUpdatesAgain: a Bot API that sends, at once and again
// and again, updates the offset confirmed already (IDs repeating or going
// backwards) gets each handled once and a handful of requests, not a busy
// loop that hands the same update to the bot thousands of times.
func TestPollerConfirmedUpdatesAgain(t *testing.T) {
	for name, answers := range pollingtest.ConfirmedAgain() {
		t.Run(name, func(t *testing.T) {
			srv, calls := pollingtest.Serve(t, http.StatusOK, answers...)
			bot := newPollerBot(t, srv.URL, "TOKEN")
			updates, _ := pollFor(t, newPoller(t, telebotmetrics.WithPollTimeout(10*time.Second)), bot.Bot, 2*time.Second)
			if len(updates) > 1 {
				t.Errorf("%d updates handed to the bot, want at most 1", len(updates))
			}
			if n := calls.Load(); n > 5 {
				t.Errorf("%d getUpdates in 2s, want a handful", n)
			}
			if len(bot.onError()) == 0 {
				t.Error("nothing reported to OnError")
			}
		})
	}
}

// TestPollerMessageWithoutChat: an update whose message has no chat makes
// telebot's ProcessUpdate panic (on migrate_to_chat_id), outside any
// handler, where no Recover middleware reaches: the Poller reports and
// skips it, and hands on the update after it.
func TestPollerMessageWithoutChat(t *testing.T) {
	const poison = `{"update_id":1,"message":{"message_id":1,"date":0,"migrate_to_chat_id":-100123}}`

	// The control: telebot's ProcessUpdate panics on it.
	control := newPollerBot(t, "http://127.0.0.1:1", "TOKEN")
	panicked := func() (p any) {
		defer func() { p = recover() }()
		var u tele.Update
		if err := json.Unmarshal([]byte(poison), &u); err != nil {
			t.Fatal(err)
		}
		control.ProcessUpdate(u)
		return nil
	}()
	if _, isRuntime := panicked.(runtime.Error); !isRuntime {
		t.Errorf("telebot did not panic on a message without a chat (%v): the defence may be unneeded now", panicked)
	}

	srv, _ := pollingtest.Serve(t, http.StatusOK, `{"ok":true,"result":[`+poison+`,{"update_id":2,"message":{"message_id":2,"date":0,"chat":{"id":1,"type":"private"},"text":"hi"}}]}`,
		`{"ok":true,"result":[]}`)
	bot := newPollerBot(t, srv.URL, "TOKEN")
	updates, _ := pollFor(t, newPoller(t), bot.Bot, 300*time.Millisecond)
	if len(updates) != 1 || updates[0].ID != 2 {
		t.Fatalf("updates = %+v, want only update 2", updates)
	}
	var pe *telegram.PollError
	if errs := bot.onError(); len(errs) == 0 || !errors.As(errs[0], &pe) || !strings.Contains(pe.Error(), "update 1 skipped") {
		t.Errorf("OnError got %v, want update 1 reported as skipped", errs)
	}
}

// TestPollerTinyRetryAfter: a 429 whose retry_after is a tiny fraction of
// a second (the Bot API's are whole seconds) is waited as 1 s, not as the
// nanoseconds it says, which made a busy loop.
func TestPollerTinyRetryAfter(t *testing.T) {
	for _, retryAfter := range []string{`1e-9`, `0.001`, `"1e-6"`} {
		t.Run(retryAfter, func(t *testing.T) {
			srv, calls := pollingtest.Serve(t, http.StatusTooManyRequests, `{"ok":false,"error_code":429,"description":"Too Many Requests","parameters":{"retry_after":`+retryAfter+`}}`)
			bot := newPollerBot(t, srv.URL, "TOKEN")
			pollFor(t, newPoller(t), bot.Bot, 400*time.Millisecond)
			if n := calls.Load(); n != 1 {
				t.Errorf("%d getUpdates in 400ms, want 1", n)
			}
			var pe *telegram.PollError
			if errs := bot.onError(); len(errs) == 0 || !errors.As(errs[0], &pe) || pe.RetryAfter != time.Second {
				t.Errorf("OnError got %d errors, the first %v; want a *PollError with RetryAfter 1s", len(errs), errs[0])
			}
		})
	}
}

// TestPollerAgainAfterStopMidAnswer: when stop comes while an answer's
// updates are still being handed to the bot, the ones not handed on are not
// confirmed: polling again fetches them (offset 2 here, not 3).
func TestPollerAgainAfterStopMidAnswer(t *testing.T) {
	srv, offsets := pollingtest.TwoUpdates(t)
	pb := newPollerBot(t, srv.URL, "TOKEN")
	p := newPoller(t, telebotmetrics.WithPollTimeout(time.Second))
	dest, stop, done := make(chan tele.Update), make(chan struct{}), make(chan struct{})
	go func() { defer close(done); p.Poll(pb.Bot, dest, stop) }()
	select {
	case <-dest: // update 1; update 2 waits
	case <-time.After(5 * time.Second):
		t.Fatal("no update within 5 s")
	}
	close(stop)
	<-done

	updates, _ := pollingtest.PollFor(t, func(dest chan tele.Update, stop chan struct{}) { p.Poll(pb.Bot, dest, stop) }, 3*time.Second)
	if len(updates) == 0 || updates[0].ID != 2 {
		t.Errorf("the second Poll handed on %d updates, want update 2 first: getUpdates offsets %q", len(updates), offsets())
	}
}
