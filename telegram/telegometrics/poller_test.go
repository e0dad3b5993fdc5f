package telegometrics_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telegometrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// window is how long the request-rate tests let a poller run: the counts
// they assert are of requests, whatever the speed of the machine.
const window = 1500 * time.Millisecond

// pollFor reads updates until they close or window passes, then ends ctx
// and returns what came and whether the channel closed on its own.
func pollFor(t *testing.T, updates func(context.Context) <-chan telego.Update, window time.Duration) (got []telego.Update, closed bool) {
	return pollUntil(t, updates, window, -1)
}

// pollUntil is pollFor that also stops once n updates came.
func pollUntil(t *testing.T, updates func(context.Context) <-chan telego.Update, window time.Duration, n int) (got []telego.Update, closed bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ch := updates(ctx)
	timer := time.NewTimer(window)
	defer timer.Stop()
	for {
		select {
		case u, ok := <-ch:
			if !ok {
				return got, true
			}
			if got = append(got, u); len(got) != n {
				continue
			}
		case <-timer.C:
		}
		break
	}
	cancel()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-ch:
			if !ok {
				return got, false
			}
		case <-deadline:
			t.Fatal("the updates did not close within 10 s of the end of ctx")
		}
	}
}

// newPoller is NewPoller with client and opts, which must be good, as the
// updates of bot, for pollFor.
func newPoller(t *testing.T, bot *telego.Bot, client *http.Client, opts ...telegometrics.PollerOption) (*telegometrics.Poller, func(context.Context) <-chan telego.Update) {
	t.Helper()
	p, err := telegometrics.NewPoller(client, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return p, func(ctx context.Context) <-chan telego.Update { return p.Updates(ctx, bot) }
}

// token has the format telego accepts.
const token = "7012345678:AAHfakeTokenForTests_0123456789-abc"

// TestPollerFailingAPI: against a Bot API whose getUpdates always fails,
// the Poller stops on 401 and 409, waits the retry_after of a 429, backs
// off on the rest, and logs every failure.
func TestPollerFailingAPI(t *testing.T) {
	for _, tc := range []struct {
		fault    telegramtest.Fault
		maxCalls int
		stops    bool
	}{
		{telegramtest.Fault{Status: 409, Description: "Conflict: terminated by other getUpdates request"}, 1, true},
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
			bot, client, l := newBot(t, srv.URL, srv.Token, nil)
			p, updates := newPoller(t, bot, client, telegometrics.WithPollTimeout(time.Second))
			_, closed := pollFor(t, updates, window)

			calls := pollingtest.GetUpdatesCalls(srv)
			if calls < 1 || calls > tc.maxCalls {
				t.Errorf("%d getUpdates in %v, want 1 to %d", calls, window, tc.maxCalls)
			}
			if closed != tc.stops {
				t.Errorf("the updates closed on their own: %v, want %v", closed, tc.stops)
			}
			errs := l.errors()
			if len(errs) != calls && len(errs) != calls-1 { // the last may be cut by the end of ctx
				t.Fatalf("%d errors logged for %d failed calls: %v", len(errs), calls, errs)
			}
			if want := fmt.Sprintf("(%d)", tc.fault.Status); tc.fault.Status != 502 && !strings.Contains(errs[0], want) {
				t.Errorf("logged %q, want the code %s", errs[0], want)
			}
			if tc.fault.RetryAfter > 0 && !strings.Contains(errs[0], "retrying after 30s, as asked") {
				t.Errorf("logged %q, want the retry_after waited", errs[0])
			}
			var pe *telegram.PollError
			switch {
			case tc.stops && (!errors.As(p.Err(), &pe) || !pe.Stopped || pe.Code != tc.fault.Status || !strings.Contains(pe.Error(), "polling stopped")):
				t.Errorf("Err() = %v, want a *PollError with code %d saying polling stopped", p.Err(), tc.fault.Status)
			case !tc.stops && p.Err() != nil:
				t.Errorf("Err() = %v after the end of ctx, want nil", p.Err())
			}
		})
	}
}

// TestLongPollingFailingAPI is the control: telego's UpdatesViaLongPolling
// against a 401 does not stop (it retries every 8 s for ever), and against
// a Bot API that answers at once with no updates it polls in a busy loop.
func TestLongPollingFailingAPI(t *testing.T) {
	viaTelego := func(bot *telego.Bot) func(context.Context) <-chan telego.Update {
		return func(ctx context.Context) <-chan telego.Update {
			ch, err := bot.UpdatesViaLongPolling(ctx, &telego.GetUpdatesParams{Timeout: 10})
			if err != nil {
				t.Fatal(err)
			}
			return ch
		}
	}
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.Inject("getUpdates", telegramtest.Fault{Status: 401, Description: "Unauthorized", Times: -1})
	bot, _, _ := newBot(t, srv.URL, srv.Token, nil)
	// The update channel closes only once the 8 s retry wait has passed.
	if _, closed := pollFor(t, viaTelego(bot), 300*time.Millisecond); closed {
		t.Error("UpdatesViaLongPolling stopped on a 401: the Poller may be unneeded now")
	}

	empty, calls := pollingtest.Serve(t, http.StatusOK, `{"ok":true,"result":[]}`)
	bot, _, _ = newBot(t, empty.URL, token, nil)
	pollFor(t, viaTelego(bot), 400*time.Millisecond)
	if n := calls.Load(); n < 10 {
		t.Errorf("UpdatesViaLongPolling sent %d getUpdates in 400ms, expected it to hammer the API", n)
	}
}

// TestPollerMalformedAnswers: answers that are not Bot API answers, and
// retry_after values that are not numbers, are failures with backoff.
func TestPollerMalformedAnswers(t *testing.T) {
	for _, answer := range []string{
		`<html>502 Bad Gateway</html>`,
		``,
		`{"ok":true,"result":{}}`,
		`{"ok":false}`,
		`{"ok":true,"result":[{"message":{}}]}`, // no update_id
		`{"ok":false,"error_code":429,"parameters":{"retry_after":"5"}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":{"x":[1]}}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":null}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":-3}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":1e999}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":0}}`,
	} {
		for _, status := range []int{http.StatusOK, http.StatusBadGateway} {
			t.Run(fmt.Sprint(status, answer), func(t *testing.T) {
				t.Parallel()
				srv, calls := pollingtest.Serve(t, status, answer)
				bot, client, l := newBot(t, srv.URL, token, nil)
				// The first wait is at least 0.5 s.
				_, updates := newPoller(t, bot, client)
				pollFor(t, updates, 400*time.Millisecond)
				if n := calls.Load(); n != 1 {
					t.Errorf("%d getUpdates in 400ms, want 1", n)
				}
				if len(l.errors()) == 0 {
					t.Error("nothing logged")
				}
			})
		}
	}
}

// TestPollerPoisonUpdate: an update telego cannot parse is logged and
// skipped; the updates after it arrive, and the offset confirms it. Telego's
// own polling fails the whole answer on it, again and again.
func TestPollerPoisonUpdate(t *testing.T) {
	for name, poison := range map[string]map[string]any{
		"date not a number": {"message": map[string]any{"message_id": 1, "date": "yesterday", "chat": map[string]any{"id": 1, "type": "private"}}},
		"unknown member":    {"chat_member": map[string]any{"chat": map[string]any{"id": 1, "type": "group"}, "from": map[string]any{"id": 1}, "date": 1, "old_chat_member": map[string]any{"status": "alien"}, "new_chat_member": map[string]any{"status": "member", "user": map[string]any{"id": 1}}}},
	} {
		t.Run(name, func(t *testing.T) {
			srv := telegramtest.NewServer()
			defer srv.Close()
			id := srv.SendUpdate(poison)
			good := srv.SendText(1, "after the poison")
			bot, client, l := newBot(t, srv.URL, srv.Token, nil)
			_, updates := newPoller(t, bot, client, telegometrics.WithPollTimeout(time.Second))
			// Telego's first parse takes seconds under -race (see TestEndToEnd).
			got, _ := pollUntil(t, updates, 30*time.Second, 1)
			if len(got) != 1 || got[0].UpdateID != good || got[0].Message.Text != "after the poison" {
				t.Fatalf("updates = %+v, want only update %d", got, good)
			}
			if errs := l.errors(); len(errs) != 1 || !strings.Contains(errs[0], fmt.Sprintf("update %d skipped", id)) {
				t.Errorf("logged %q, want update %d reported as skipped", errs, id)
			}
		})
	}
}

// TestPollerConfirmedUpdatesAgain: a Bot API that sends, at once and again
// and again, updates the offset confirmed already gets each handled once
// and a handful of requests, not a busy loop.
func TestPollerConfirmedUpdatesAgain(t *testing.T) {
	for name, answers := range pollingtest.ConfirmedAgain() {
		t.Run(name, func(t *testing.T) {
			srv, calls := pollingtest.Serve(t, http.StatusOK, answers...)
			bot, client, l := newBot(t, srv.URL, token, nil)
			_, poll := newPoller(t, bot, client, telegometrics.WithPollTimeout(10*time.Second))
			got, _ := pollFor(t, poll, 2*time.Second)
			if len(got) > 1 {
				t.Errorf("%d updates handed to the bot, want at most 1", len(got))
			}
			if n := calls.Load(); n > 5 {
				t.Errorf("%d getUpdates in 2s, want a handful", n)
			}
			if len(l.errors()) == 0 {
				t.Error("nothing logged")
			}
		})
	}
}

// TestPollerEmptyAnswersAtOnce: a Bot API (or a proxy) that does not hold
// the long poll gets one request and a logged failure in 400 ms.
func TestPollerEmptyAnswersAtOnce(t *testing.T) {
	srv, calls := pollingtest.Serve(t, http.StatusOK, `{"ok":true,"result":[]}`)
	bot, client, l := newBot(t, srv.URL, token, nil)
	_, updates := newPoller(t, bot, client, telegometrics.WithPollTimeout(10*time.Second))
	pollFor(t, updates, 400*time.Millisecond)
	if n := calls.Load(); n != 1 || len(l.errors()) != 1 {
		t.Errorf("%d getUpdates in 400ms and %d errors logged, want 1 and 1", n, len(l.errors()))
	}
}

// TestPollerStopCancelsTheLongPoll: the end of ctx ends a long poll in
// flight at once, not when the poll times out, and is no failure.
func TestPollerStopCancelsTheLongPoll(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(time.Hour))
	defer srv.Close()
	bot, client, l := newBot(t, srv.URL, srv.Token, nil)
	_, updates := newPoller(t, bot, client, telegometrics.WithPollTimeout(time.Hour))
	pollFor(t, updates, 300*time.Millisecond)
	if errs := l.errors(); len(errs) != 0 {
		t.Errorf("logged %v, want nothing: stopping is no failure", errs)
	}
}

// TestPollerKeepsTheTokenSecret: with the real token in the bot and an
// ordinary client, a Bot API that echoes it, or redirects with it, gets it
// into no log line.
func TestPollerKeepsTheTokenSecret(t *testing.T) {
	for _, redirect := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if redirect { // to a closed port: the client's error quotes the Location
				http.Redirect(w, r, "http://127.0.0.1:1"+r.URL.Path, http.StatusTemporaryRedirect)
				return
			}
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"ok":false,"error_code":400,"description":"no such path %s"}`, r.URL.Path)
		}))
		l := &logs{}
		bot, err := telego.NewBot(token, telego.WithAPIServer(srv.URL), telego.WithLogger(l))
		if err != nil {
			t.Fatal(err)
		}
		_, updates := newPoller(t, bot, &http.Client{})
		pollFor(t, updates, 300*time.Millisecond)
		srv.Close()
		errs := l.errors()
		if len(errs) == 0 {
			t.Fatal("nothing logged")
		}
		for _, msg := range errs {
			if strings.Contains(msg, token) || strings.Contains(msg, strings.SplitN(token, ":", 2)[1]) {
				t.Errorf("want the token masked: %s", msg)
			}
		}
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

// TestPollerRequest: getUpdates goes to the bot's server, with the
// allowed updates and the poll timeout asked for, through the client of
// WithClient, which adds the real token.
func TestPollerRequest(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.SendText(1, "hi")
	bot, client, l := newBot(t, srv.URL, srv.Token, nil)
	_, updates := newPoller(t, bot, client, telegometrics.WithPollTimeout(2500*time.Millisecond),
		telegometrics.WithAllowedUpdates(telegram.UpdateMessage, telegram.UpdateCallbackQuery))
	// Telego's first parse takes seconds under -race (see TestEndToEnd).
	if got, _ := pollUntil(t, updates, 30*time.Second, 1); len(got) != 1 || got[0].Message.Text != "hi" {
		t.Fatalf("updates %+v, want the message", got)
	}
	calls := srv.Calls()
	if len(calls) == 0 || calls[0].Method != "getUpdates" {
		t.Fatalf("calls %+v, want getUpdates", calls)
	}
	if p := calls[0].Params; p["allowed_updates"] != `["message","callback_query"]` || p["timeout"] != "2" {
		t.Errorf("getUpdates params %v, want allowed_updates [message callback_query] and timeout 2", p)
	}
	if errs := l.errors(); len(errs) != 0 {
		t.Errorf("logged %q", errs)
	}
}

// TestPollerOptions: a bad option is an error that names it, and no
// Poller.
func TestPollerOptions(t *testing.T) {
	if p, err := telegometrics.NewPoller(http.DefaultClient, telegometrics.WithPollTimeout(time.Second), nil); p != nil || err == nil || !strings.Contains(err.Error(), "telegometrics: NewPoller: option 2 of 2 is nil") {
		t.Errorf("NewPoller with a nil option = %v, %v", p, err)
	}
}
