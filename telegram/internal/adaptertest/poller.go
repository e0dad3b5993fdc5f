package adaptertest

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// PollerBot is one adapter's Poller, P, with its options, PO, and how a
// bot of the library runs it, for [Poller].
type PollerBot[P, PO any] struct {
	NewPoller          func(*http.Client, ...PO) (*P, error)
	WithPollTimeout    func(time.Duration) PO
	WithAllowedUpdates func(...telegram.UpdateType) PO
	// Options returns the further options the Poller of r needs: the Bot
	// API URL where the library does not tell it, the handler of its
	// failures where they go to none of the bot's (r.Failed).
	Options func(r PollerRun) []PO
	// Poll makes a bot of the library as r says and returns poll, which
	// runs p for it, with the method the package documentation runs it
	// with, on other goroutines, until stop is called (it closes stop or
	// cancels ctx, and does not wait) or p returns by itself; done then
	// receives what that method returned (nil where it returns nothing).
	// poll may be called again once done received: p polls again for the
	// same bot.
	Poll func(t testing.TB, p *P, r PollerRun) (poll func() (stop func(), done <-chan error))
	// ReturnsErr is set where the method that runs the Poller returns the
	// error polling stopped on.
	ReturnsErr bool
	// Poison holds, by name, updates (without update_id) that the library
	// cannot take, its parsing failing or the library panicking on them,
	// besides one whose date is not a number: each must be skipped and
	// reported, and the update after it handed on.
	Poison map[string]Poison
	// StrictToken is set where the library refuses a token whose secret
	// is not 35 characters long: no bot of it can hold a short one.
	StrictToken bool
}

// Polling is the poll of a [PollerBot] whose Poller runs until a context
// ends: run runs it until ctx ends, and returns what it returned.
func Polling(run func(ctx context.Context) error) func() (stop func(), done <-chan error) {
	return func() (func(), <-chan error) {
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- run(ctx) }()
		return cancel, done
	}
}

// Poison is an update the library cannot take, and what the report of it
// says besides "update <id> skipped" ("": nothing more is asserted).
type Poison struct {
	Update map[string]any
	Says   string
}

// PollerRun is the bot and the Poller [Poller] asks a [PollerBot] for.
type PollerRun struct {
	// URL is the Bot API server's, Token the bot's, which the bot holds
	// itself; Client is the client of the bot and of NewPoller.
	URL, Token string
	Client     *http.Client
	// Timeout is for WithPollTimeout, not given when 0; Allowed for
	// WithAllowedUpdates, not given when nil, given with no types when
	// empty.
	Timeout time.Duration
	Allowed []telegram.UpdateType
	// Delivered must be called with the update_id of each update the
	// Poller hands to the bot, where the bot takes updates (its handler,
	// its dispatcher, the reader of the Poller's channel): while it runs,
	// the bot takes no other, and once it returned after stop, none, as a
	// bot that stops does, unless the Poller closes that channel: its
	// reader reads it to the end.
	Delivered func(id int64)
	// Failed must be called with each failure the Poller reports: to the
	// bot's error handler, the Poller's, or the logger.
	Failed func(error)
}

// handOn bounds the wait for an update to be handed on: some libraries
// take seconds to parse their first one under the race detector.
const handOn = 30 * time.Second

// token is the bot token of [Poller]'s runs, of the shape every library
// accepts; shortToken is one whose secret is no token-shaped string.
const (
	token      = "7012345678:AAHfakeTokenForTests_0123456789-abc"
	shortToken = "42:short-secret_x"
)

// Poller attacks the Poller of b with hostile Bot API answers, the same for
// every adapter, and asserts what the contract promises: a 401 or a 409
// stops it with a *telegram.PollError that Err returns (already when it is
// reported); it waits the retry_after of a 429 (at least 1 s) and backs off
// after any other failure or an answer that is no Bot API answer; it skips
// and reports the updates the library cannot take (once, when polling
// stopped before one too) and those confirmed already, and does not poll in
// a busy loop when an answer comes back at once with none; the end of
// polling cancels the long poll in flight and is no failure, and the
// updates not handed on yet are fetched again; Ready says the bot can take
// updates while it polls, and not once [telegram.UnreadyAfter] getUpdates
// in a row failed, nor from the moment polling is asked to stop; getUpdates
// asks for the poll timeout, the allowed updates (left out without
// WithAllowedUpdates, [] with it and no types) and the offset, at the bot's
// URL; and the token is in no report. Request counts are of windows that
// begin at the first request, read from when each came: a slow machine
// cannot stretch them.
func Poller[P, PO any, PP PollerOf[P]](t *testing.T, b PollerBot[P, PO]) {
	s := suite{returnsErr: b.ReturnsErr, poison: b.Poison, strictToken: b.StrictToken}
	s.start = func(t *testing.T, r PollerRun) (state, func() (func(), <-chan error)) {
		t.Helper()
		var opts []PO
		if r.Timeout != 0 {
			opts = append(opts, b.WithPollTimeout(r.Timeout))
		}
		if r.Allowed != nil {
			opts = append(opts, b.WithAllowedUpdates(r.Allowed...))
		}
		if b.Options != nil {
			opts = append(opts, b.Options(r)...)
		}
		p, err := b.NewPoller(r.Client, opts...)
		if err != nil {
			t.Fatal(err)
		}
		return PP(p), b.Poll(t, p, r)
	}
	for name, f := range map[string]func(*testing.T, suite){
		"fails":                      pollerFails,
		"malformed":                  pollerMalformed,
		"empty at once":              pollerEmptyAtOnce,
		"confirmed again":            pollerConfirmedAgain,
		"poison":                     pollerPoison,
		"stop cancels the long poll": pollerStopCancels,
		"stop mid-answer":            pollerStopMidAnswer,
		"stop before a poison":       pollerStopBeforePoison,
		"request":                    pollerRequest,
		"token":                      pollerToken,
		"ready":                      pollerReady,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f(t, s)
		})
	}
}

// suite is the [PollerBot] of [Poller] without its types.
type suite struct {
	start       func(t *testing.T, r PollerRun) (p state, poll func() (stop func(), done <-chan error))
	returnsErr  bool
	poison      map[string]Poison
	strictToken bool
}

// state is what [PollerOf] a Poller tells of its polling.
type state interface {
	Err() error
	Ready() error
}

// run is a Poller of a [PollerBot] and what it handed on and reported.
type run struct {
	t        *testing.T
	p        state
	poll     func() (stop func(), done <-chan error)
	stop     func()
	finished chan struct{} // closed once polling returned
	err      error         // what it returned, once finished

	mu        sync.Mutex
	delivered []int64
	failures  []error
	errs      []error       // what Err returned as each failure was reported
	changed   chan struct{} // closed and replaced at each delivery or failure
	hold      chan struct{} // if not nil, the first delivery waits for it to close
}

// start starts the Poller of s as r says, Delivered and Failed aside.
func start(t *testing.T, s suite, r PollerRun) *run {
	t.Helper()
	pr := &run{t: t, changed: make(chan struct{})}
	return pr.begin(s, r)
}

// startBusy is start with a busy bot: every update handed on waits until
// release (called at the latest when the test ends) before the bot takes
// it.
func startBusy(t *testing.T, s suite, r PollerRun) (pr *run, release func()) {
	t.Helper()
	hold := make(chan struct{})
	release = sync.OnceFunc(func() { close(hold) })
	pr = (&run{t: t, changed: make(chan struct{}), hold: hold}).begin(s, r)
	t.Cleanup(release) // before the stop of begin's, should the test fail
	return pr, release
}

// begin starts the Poller of s for pr as r says.
func (pr *run) begin(s suite, r PollerRun) *run {
	pr.t.Helper()
	if r.Client == nil {
		r.Client = &http.Client{}
	}
	if r.Token == "" {
		r.Token = token
	}
	r.Delivered = func(id int64) {
		pr.mu.Lock()
		hold := pr.hold
		pr.hold = nil
		pr.delivered = append(pr.delivered, id)
		pr.notify()
		pr.mu.Unlock()
		if hold != nil {
			<-hold
		}
	}
	r.Failed = func(err error) {
		pr.mu.Lock()
		defer pr.mu.Unlock()
		pr.failures, pr.errs = append(pr.failures, err), append(pr.errs, pr.p.Err())
		pr.notify()
	}
	pr.p, pr.poll = s.start(pr.t, r)
	pr.again()
	pr.t.Cleanup(func() {
		pr.stop()
		select {
		case <-pr.finished:
		case <-time.After(10 * time.Second):
			pr.t.Error("polling did not return within 10 s of stop")
		}
	})
	return pr
}

// notify wakes the waiters of pr. pr.mu must be held.
func (pr *run) notify() {
	close(pr.changed)
	pr.changed = make(chan struct{})
}

// again polls again.
func (pr *run) again() {
	stop, done := pr.poll()
	finished := make(chan struct{})
	pr.stop, pr.finished = sync.OnceFunc(stop), finished
	go func() {
		pr.err = <-done
		close(finished)
	}()
}

// got returns the update IDs handed on and the failures reported so far.
func (pr *run) got() ([]int64, []error) {
	pr.mu.Lock()
	defer pr.mu.Unlock()
	return slices.Clone(pr.delivered), slices.Clone(pr.failures)
}

// waitFor waits until ok holds of what pr got, at most timeout, and fails
// the test if it does not.
func (pr *run) waitFor(what string, timeout time.Duration, ok func(delivered []int64, failures []error) bool) {
	pr.t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		pr.mu.Lock()
		done, changed := ok(pr.delivered, pr.failures), pr.changed
		pr.mu.Unlock()
		if done {
			return
		}
		select {
		case <-changed:
		case <-deadline.C:
			delivered, failures := pr.got()
			pr.t.Fatalf("not within %v: %s; handed on %v, reported %v", timeout, what, delivered, failures)
		}
	}
}

// end stops polling and returns whether it had returned by itself before,
// and what it returned. It fails the test if polling does not return
// within 10 s of stop.
func (pr *run) end() (returned bool, err error) {
	pr.t.Helper()
	select {
	case <-pr.finished:
		return true, pr.err
	default:
	}
	pr.stop()
	select {
	case <-pr.finished:
	case <-time.After(10 * time.Second):
		pr.t.Fatal("polling did not return within 10 s of stop")
	}
	return false, pr.err
}

// returns waits, at most 10 s, for polling to return by itself, and
// returns what it returned.
func (pr *run) returns() error {
	pr.t.Helper()
	select {
	case <-pr.finished:
		return pr.err
	case <-time.After(10 * time.Second):
		pr.t.Fatal("polling did not stop by itself within 10 s")
		return nil
	}
}

// firstCall waits, at most 10 s, for the first request to api, and
// returns when it came.
func firstCall(t *testing.T, api *pollingtest.API) time.Time {
	t.Helper()
	first, n := api.WaitCalls(1, 10*time.Second)
	if n == 0 {
		t.Fatal("no getUpdates within 10 s")
	}
	return first
}

// pollFor starts the Poller of s against api with a poll timeout of timeout
// (0: the adapter's default) and lets it poll until it reported a failure
// and window passed from api's first request; it returns the run, ended,
// whether polling had returned by itself, and what it returned.
func pollFor(t *testing.T, s suite, api *pollingtest.API, timeout, window time.Duration) (pr *run, returned bool, err error) {
	t.Helper()
	pr = start(t, s, PollerRun{URL: api.URL, Timeout: timeout})
	first := firstCall(t, api)
	pr.waitFor("a failure reported", handOn, func(_ []int64, f []error) bool { return len(f) > 0 })
	select {
	case <-time.After(time.Until(first.Add(window))):
	case <-pr.finished:
		return pr, true, pr.err
	}
	returned, err = pr.end()
	return pr, returned, err
}

// pollerFails: against a getUpdates that always fails, the Poller stops
// on 401 and 409 with the *telegram.PollError that Err returns, waits a
// 429's retry_after (at least 1 s; a number in a string too), backs off
// on the rest, and reports every failure.
func pollerFails(t *testing.T, s suite) {
	for _, tc := range []struct {
		status     int
		retryAfter string        // parameters.retry_after, raw; "": none
		window     time.Duration // unless it stops: getUpdates counted in it
		maxCalls   int
		wait       time.Duration // the RetryAfter reported
	}{
		{409, "", 0, 1, 0},
		{401, "", 0, 1, 0},
		{429, `30`, 1500 * time.Millisecond, 1, 30 * time.Second},
		{429, `"5"`, 1500 * time.Millisecond, 1, 5 * time.Second},
		{429, `1e-9`, 400 * time.Millisecond, 1, time.Second},
		{429, `0.001`, 400 * time.Millisecond, 1, time.Second},
		{429, `"1e-6"`, 400 * time.Millisecond, 1, time.Second},
		// Backoff: at 0, after 0.5-1 s, after 1-2 s more.
		{502, "", 1500 * time.Millisecond, 3, 0},
	} {
		stops := tc.status == http.StatusUnauthorized || tc.status == http.StatusConflict
		answer := fmt.Sprintf(`{"ok":false,"error_code":%d,"description":%q`, tc.status, http.StatusText(tc.status))
		if tc.retryAfter != "" {
			answer += `,"parameters":{"retry_after":` + tc.retryAfter + `}`
		}
		answer += "}"
		t.Run(strings.TrimSpace(fmt.Sprint(tc.status, " ", tc.retryAfter)), func(t *testing.T) {
			t.Parallel()
			api := pollingtest.NewAPI(t, tc.status, answer)
			var pr *run
			var err error
			if stops {
				pr = start(t, s, PollerRun{URL: api.URL, Timeout: time.Second})
				err = pr.returns()
				if n := api.Calls(); n != 1 {
					t.Errorf("%d getUpdates, want 1", n)
				}
			} else {
				var returned bool
				if pr, returned, err = pollFor(t, s, api, time.Second, tc.window); returned {
					t.Error("polling returned by itself, want it to poll on")
				}
				if n := api.Within(tc.window); n > tc.maxCalls {
					t.Errorf("%d getUpdates in %v, want 1 to %d", n, tc.window, tc.maxCalls)
				}
			}
			_, errs := pr.got()
			calls := api.Calls()
			if len(errs) == 0 || len(errs) != calls && (stops || len(errs) != calls-1) { // the last may be cut by stop
				t.Fatalf("%d failures reported for %d failed getUpdates: %v", len(errs), calls, errs)
			}
			var pe *telegram.PollError
			if !errors.As(errs[0], &pe) || pe.Code != tc.status || pe.Stopped != stops || pe.RetryAfter != tc.wait {
				t.Fatalf("reported %#v, want a *telegram.PollError with code %d, stopped %v, retry after %v", errs[0], tc.status, stops, tc.wait)
			}
			if !stops {
				if err != nil || pr.p.Err() != nil {
					t.Errorf("returned %v, Err() = %v after stop; want nil", err, pr.p.Err())
				}
				return
			}
			if pr.p.Err() != errs[0] || !strings.Contains(errs[0].Error(), "polling stopped") {
				t.Errorf("Err() = %v, want the failure reported, saying polling stopped", pr.p.Err())
			}
			pr.mu.Lock()
			reported := pr.errs[0]
			pr.mu.Unlock()
			if reported != errs[0] {
				t.Errorf("Err() = %v as the failure was reported, want it already", reported)
			}
			if pr.p.Ready() != errs[0] {
				t.Errorf("Ready() = %v, want the failure polling stopped on", pr.p.Ready())
			}
			want := error(nil)
			if s.returnsErr {
				want = errs[0]
			}
			if err != want {
				t.Errorf("returned %v, want %v", err, want)
			}
		})
	}
}

// pollerMalformed: answers that are not Bot API answers, at 200 OK as at
// 502, and retry_after values that ask for no wait, are failures with
// backoff (the first wait is at least 0.5 s).
func pollerMalformed(t *testing.T, s suite) {
	for _, answer := range pollingtest.Malformed() {
		for _, status := range []int{http.StatusOK, http.StatusBadGateway} {
			t.Run(fmt.Sprint(status, " ", answer), func(t *testing.T) {
				t.Parallel()
				api := pollingtest.NewAPI(t, status, answer)
				pr, _, err := pollFor(t, s, api, 0, 400*time.Millisecond)
				delivered, errs := pr.got()
				if n := api.Within(400 * time.Millisecond); n != 1 {
					t.Errorf("%d getUpdates in 400ms, want 1", n)
				}
				if len(errs) == 0 || len(delivered) != 0 || err != nil || pr.p.Err() != nil {
					t.Errorf("reported %v, handed on %v, returned %v, Err() = %v; want a failure reported, nothing handed on, nil", errs, delivered, err, pr.p.Err())
				}
			})
		}
	}
}

// pollerEmptyAtOnce: a Bot API (or a proxy) that does not hold the long
// poll, and answers at once with no updates, gets one request in 400 ms,
// not a busy loop, and each such answer is reported.
func pollerEmptyAtOnce(t *testing.T, s suite) {
	api := pollingtest.NewAPI(t, http.StatusOK, `{"ok":true,"result":[]}`)
	pr, _, _ := pollFor(t, s, api, 10*time.Second, 400*time.Millisecond)
	_, errs := pr.got()
	if n, calls := api.Within(400*time.Millisecond), api.Calls(); n != 1 || len(errs) != calls && len(errs) != calls-1 || len(errs) == 0 {
		t.Errorf("%d getUpdates in 400ms, %d in all, and %d failures reported; want 1, and 1 for each answer", n, calls, len(errs))
	}
}

// pollerConfirmedAgain: a Bot API that sends, at once and again and
// again, updates the offset confirmed already gets each handed on at most
// once and a handful of requests, not a busy loop, and it is reported.
func pollerConfirmedAgain(t *testing.T, s suite) {
	for name, answers := range pollingtest.ConfirmedAgain() {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := pollingtest.NewAPI(t, http.StatusOK, answers...)
			pr, _, _ := pollFor(t, s, api, 10*time.Second, 2*time.Second)
			delivered, errs := pr.got()
			if len(delivered) > 1 {
				t.Errorf("updates %v handed on, want at most 1", delivered)
			}
			if n := api.Within(2 * time.Second); n > 5 {
				t.Errorf("%d getUpdates in 2s, want a handful", n)
			}
			if len(errs) == 0 {
				t.Error("nothing reported")
			}
		})
	}
}

// pollerPoison: an update the library cannot take is reported, once, and
// skipped; the update after it is handed on.
func pollerPoison(t *testing.T, s suite) {
	poisons := map[string]Poison{"date not a number": {Update: map[string]any{
		"message": map[string]any{"message_id": 1, "date": "yesterday", "chat": map[string]any{"id": 1, "type": "private"}, "text": "poison"},
	}}}
	for name, p := range s.poison {
		poisons[name] = p
	}
	for name, p := range poisons {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			api := telegramtest.NewServer(telegramtest.WithToken(token))
			defer api.Close()
			poison := api.SendUpdate(p.Update)
			good := int64(api.SendText(1, "after the poison"))
			pr := start(t, s, PollerRun{URL: api.URL, Timeout: time.Second})
			pr.waitFor("the update after the poison handed on", handOn, func(d []int64, _ []error) bool { return len(d) > 0 })
			pr.end()
			delivered, errs := pr.got()
			if !slices.Equal(delivered, []int64{good}) {
				t.Errorf("updates %v handed on, want only %d", delivered, good)
			}
			var pe *telegram.PollError
			if len(errs) != 1 || !errors.As(errs[0], &pe) || !strings.Contains(pe.Error(), fmt.Sprintf("update %d skipped", poison)) || !strings.Contains(pe.Error(), p.Says) {
				t.Errorf("reported %v, want update %d reported as skipped, once, as a *telegram.PollError saying %q", errs, poison, p.Says)
			}
		})
	}
}

// pollerStopCancelsTheLongPoll: stop ends a long poll in flight at once,
// not when the poll times out, and is no failure.
func pollerStopCancels(t *testing.T, s suite) {
	api := pollingtest.NewAPI(t, http.StatusOK, pollingtest.Hold)
	pr := start(t, s, PollerRun{URL: api.URL, Timeout: time.Hour})
	firstCall(t, api)
	pr.stop()
	select {
	case <-pr.finished:
		if _, errs := pr.got(); len(errs) != 0 || pr.err != nil || pr.p.Err() != nil {
			t.Errorf("reported %v, returned %v, Err() = %v; want nothing: stopping is no failure", errs, pr.err, pr.p.Err())
		}
	case <-time.After(10 * time.Second):
		t.Fatal("polling did not return within 10 s of stop: the long poll was not cancelled")
	}
}

// pollerStopMidAnswer: when polling stops while an answer's updates are
// still being handed to a busy bot, the ones not handed on are not
// confirmed, nor lost: polling again hands them on (the offset after
// update 1 is 2 here, not 3), and no update twice.
func pollerStopMidAnswer(t *testing.T, s suite) {
	srv, offsets := pollingtest.TwoUpdates(t)
	pr, release := startBusy(t, s, PollerRun{URL: srv.URL, Timeout: time.Second})
	pr.waitFor("update 1 handed on", handOn, func(d []int64, _ []error) bool { return len(d) > 0 })
	pr.stop() // update 2 waits for the bot, which takes no more
	release()
	if _, err := pr.end(); err != nil {
		t.Fatal(err)
	}
	pr.again()
	pr.waitFor("update 2 handed on", handOn, func(d []int64, _ []error) bool { return slices.Contains(d, 2) })
	pr.end()
	if delivered, _ := pr.got(); !slices.Equal(delivered, []int64{1, 2}) {
		t.Errorf("updates %v handed on over the two polls, want 1 then 2; getUpdates offsets %q", delivered, offsets())
	}
}

// pollerStopBeforePoison: when polling stops while the bot is busy with
// an update, and the next one waits, with an update the library cannot
// take after it, no update is lost nor handed on twice, and the poison,
// fetched by both polls, is reported once: each update is parsed when its
// turn comes, not the whole answer at once.
func pollerStopBeforePoison(t *testing.T, s suite) {
	api := telegramtest.NewServer(telegramtest.WithToken(token))
	defer api.Close()
	first, second := int64(api.SendText(1, "busy")), int64(api.SendText(1, "waiting"))
	poison := api.SendUpdate(map[string]any{"message": map[string]any{"message_id": 1, "date": "yesterday", "chat": map[string]any{"id": 1, "type": "private"}, "text": "poison"}})
	last := int64(api.SendText(1, "after the poison"))
	pr, release := startBusy(t, s, PollerRun{URL: api.URL, Timeout: time.Second})
	pr.waitFor("the first update handed on", handOn, func(d []int64, _ []error) bool { return len(d) > 0 })
	pr.stop()
	release()
	if _, err := pr.end(); err != nil {
		t.Fatal(err)
	}
	pr.again()
	pr.waitFor("the update after the poison handed on", handOn, func(d []int64, _ []error) bool { return slices.Contains(d, last) })
	pr.end()
	delivered, errs := pr.got()
	if !slices.Equal(delivered, []int64{first, second, last}) {
		t.Errorf("updates %v handed on over the two polls, want %d, %d, %d", delivered, first, second, last)
	}
	if len(errs) != 1 || !strings.Contains(errs[0].Error(), fmt.Sprintf("update %d skipped", poison)) {
		t.Errorf("reported %v, want update %d reported as skipped, once", errs, poison)
	}
}

// pollerRequest: getUpdates goes to <URL>/bot<token>/getUpdates, a path
// in the URL kept, and asks for the poll timeout in whole seconds, the
// allowed updates and, after an update, the offset that confirms it.
func pollerRequest(t *testing.T, s suite) {
	t.Run("path", func(t *testing.T) {
		t.Parallel()
		api := pollingtest.NewAPI(t, http.StatusConflict, `{"ok":false,"error_code":409,"description":"Conflict"}`)
		pr := start(t, s, PollerRun{URL: api.URL + "/telegram"})
		pr.returns()
		if paths := api.Paths(); len(paths) != 1 || paths[0] != "/telegram/bot"+token+"/getUpdates" {
			t.Errorf("getUpdates to %q, want /telegram/bot<token>/getUpdates", paths)
		}
	})
	for _, tc := range []struct {
		name    string
		allowed []telegram.UpdateType
		want    string // "": no allowed_updates
	}{
		{"allowed_updates left out", nil, ""},
		{"allowed_updates none", []telegram.UpdateType{}, "[]"},
		{"allowed_updates two", []telegram.UpdateType{telegram.UpdateChatMember, telegram.UpdateMessage}, `["chat_member","message"]`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			api := telegramtest.NewServer(telegramtest.WithToken(token))
			defer api.Close()
			pr := start(t, s, PollerRun{URL: api.URL, Timeout: time.Hour, Allowed: tc.allowed})
			for deadline := time.Now().Add(10 * time.Second); pollingtest.GetUpdatesCalls(api) == 0; time.Sleep(5 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatal("no getUpdates within 10 s")
				}
			}
			pr.end()
			i := slices.IndexFunc(api.Calls(), func(c telegramtest.Call) bool { return c.Method == "getUpdates" })
			params := api.Calls()[i].Params
			if got, sent := params["allowed_updates"]; got != tc.want || sent != (tc.want != "") {
				t.Errorf("getUpdates with %v, want allowed_updates %q (\"\": left out)", params, tc.want)
			}
		})
	}
	t.Run("parameters", func(t *testing.T) {
		t.Parallel()
		api := telegramtest.NewServer(telegramtest.WithToken(token))
		defer api.Close()
		id := api.SendText(1, "hi")
		pr := start(t, s, PollerRun{URL: api.URL, Timeout: 2500 * time.Millisecond, Allowed: []telegram.UpdateType{telegram.UpdateMessage, telegram.UpdateCallbackQuery}})
		pr.waitFor("the update handed on", handOn, func(d []int64, _ []error) bool { return len(d) > 0 })
		for deadline := time.Now().Add(10 * time.Second); pollingtest.GetUpdatesCalls(api) < 2 && time.Now().Before(deadline); {
			time.Sleep(5 * time.Millisecond)
		}
		pr.end()
		var offsets []string
		for _, c := range api.Calls() {
			if c.Method != "getUpdates" {
				continue
			}
			offsets = append(offsets, c.Params["offset"])
			if c.Params["timeout"] != "2" || c.Params["allowed_updates"] != `["message","callback_query"]` {
				t.Errorf("getUpdates with %v, want timeout 2 and the allowed updates", c.Params)
			}
		}
		if len(offsets) < 2 || offsets[1] != strconv.Itoa(id+1) {
			t.Errorf("offsets %v, want %d after update %d", offsets, id+1, id)
		}
		if delivered, errs := pr.got(); !slices.Equal(delivered, []int64{int64(id)}) || len(errs) != 0 {
			t.Errorf("handed on %v, reported %v; want update %d, nothing", delivered, errs, id)
		}
	})
}

// pollerToken: with the token in the bot and a plain client, a Bot API
// that echoes the request's path, in a failure that stops polling or one
// that does not, or redirects to a closed port (the client's error quotes
// the Location), gets the token, or its secret, into no report, no Err
// and no error returned; each report shows the path masked.
func pollerToken(t *testing.T, s suite) {
	tokens := []string{token, shortToken}
	if s.strictToken {
		tokens = tokens[:1]
	}
	for _, tok := range tokens {
		for _, status := range []int{http.StatusTemporaryRedirect, http.StatusConflict, http.StatusBadRequest} {
			t.Run(fmt.Sprint(tok, " ", status), func(t *testing.T) {
				t.Parallel()
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if status == http.StatusTemporaryRedirect {
						http.Redirect(w, r, "http://127.0.0.1:1"+r.URL.Path, status)
						return
					}
					w.WriteHeader(status)
					fmt.Fprintf(w, `{"ok":false,"error_code":%d,"description":"no such path %s"}`, status, r.URL.Path)
				}))
				defer srv.Close()
				pr := start(t, s, PollerRun{URL: srv.URL, Token: tok})
				pr.waitFor("a failure reported", 10*time.Second, func(_ []int64, f []error) bool { return len(f) > 0 })
				_, err := pr.end()
				_, errs := pr.got()
				secret := tok[strings.Index(tok, ":")+1:]
				for _, e := range append(errs, err, pr.p.Err()) {
					if e == nil {
						continue
					}
					var pe *telegram.PollError
					msg := fmt.Sprintf("%v %+v %v", e, e, errors.Unwrap(e))
					if !errors.As(e, &pe) || strings.Contains(msg, secret) || !strings.Contains(msg, "/bot{token}/") && !strings.Contains(msg, "/bot"+tok[:strings.Index(tok, ":")]+":***") {
						t.Errorf("want a *telegram.PollError with the token masked: %s", msg)
					}
				}
			})
		}
	}
}

// pollerReady: Ready is nil while the Poller polls, also after a failure
// or two; an error naming the run of failures once telegram.UnreadyAfter
// getUpdates in a row failed, until one succeeds; an error saying polling
// is stopping from the moment stop is called, while the bot still handles
// an update, and that it stopped once polling returned, with Err nil.
func pollerReady(t *testing.T, s suite) {
	const bad, update = `<html>502 Bad Gateway</html>`, `{"ok":true,"result":[{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"hi"}}]}`
	answers := append(slices.Repeat([]string{bad}, telegram.UnreadyAfter), update, pollingtest.Hold)
	api := pollingtest.NewAPI(t, http.StatusOK, answers...)
	pr, release := startBusy(t, s, PollerRun{URL: api.URL, Timeout: time.Second})

	pr.waitFor("a failure reported", handOn, func(_ []int64, f []error) bool { return len(f) > 0 })
	if err := pr.p.Ready(); err != nil && api.Calls() < telegram.UnreadyAfter {
		t.Errorf("Ready() after %d failed getUpdates = %v, want nil before %d in a row", api.Calls(), err, telegram.UnreadyAfter)
	}
	pr.waitFor(fmt.Sprint(telegram.UnreadyAfter, " failures reported"), handOn, func(_ []int64, f []error) bool { return len(f) >= telegram.UnreadyAfter })
	// The next getUpdates comes at least 2 s later (the backoff).
	want := fmt.Sprintf("%d getUpdates in a row failed", telegram.UnreadyAfter)
	var err error
	for deadline := time.Now().Add(time.Second); ; time.Sleep(5 * time.Millisecond) {
		if err = pr.p.Ready(); err != nil || time.Now().After(deadline) {
			break
		}
	}
	if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "not a Bot API answer") {
		t.Errorf("Ready() after %d failed getUpdates = %v, want an error saying %q, with the last failure", telegram.UnreadyAfter, err, want)
	}

	pr.waitFor("update 1 handed on", handOn, func(d []int64, _ []error) bool { return len(d) > 0 })
	if err := pr.p.Ready(); err != nil {
		t.Errorf("Ready() once a getUpdates succeeded, the bot handling its update = %v, want nil", err)
	}
	pr.stop() // the bot still handles update 1
	if err := pr.p.Ready(); err == nil || !strings.Contains(err.Error(), "polling is stopping") {
		t.Errorf("Ready() once stop was called = %v, want an error saying polling is stopping", err)
	}
	release()
	pr.end()
	if err := pr.p.Ready(); err == nil || !strings.Contains(err.Error(), "polling has stopped") || pr.p.Err() != nil {
		t.Errorf("Ready() = %v, Err() = %v once polling returned; want an error saying polling has stopped, and nil", err, pr.p.Err())
	}
}
