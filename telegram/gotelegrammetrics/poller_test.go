package gotelegrammetrics_test

import (
	"context"
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

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// window is how long the request-rate tests let a poller run: the counts
// they assert are of requests, whatever the speed of the machine.
const window = 1500 * time.Millisecond

// pollerBot is a go-telegram/bot bot on url that handles updates on the
// caller's goroutine and collects them, with the failures reported.
type pollerBot struct {
	*bot.Bot
	url, token string
	poller     *gotelegrammetrics.Poller // of the last pollFor
	mu         sync.Mutex
	updates    []*models.Update
	errors     []error
}

func newPollerBot(t *testing.T, url, token string) *pollerBot {
	t.Helper()
	pb := &pollerBot{url: url, token: token}
	b, err := bot.New(token, bot.WithSkipGetMe(), bot.WithServerURL(url), bot.WithNotAsyncHandlers(),
		bot.WithHTTPClient(2*time.Second, &http.Client{Timeout: 5 * time.Second}),
		bot.WithErrorsHandler(pb.onError),
		bot.WithDefaultHandler(func(_ context.Context, _ *bot.Bot, u *models.Update) {
			pb.mu.Lock()
			defer pb.mu.Unlock()
			pb.updates = append(pb.updates, u)
		}))
	if err != nil {
		t.Fatal(err)
	}
	pb.Bot = b
	return pb
}

func (pb *pollerBot) onError(err error) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	pb.errors = append(pb.errors, err)
}

// got returns the updates handled and the failures reported so far.
func (pb *pollerBot) got() ([]*models.Update, []error) {
	pb.mu.Lock()
	defer pb.mu.Unlock()
	return append([]*models.Update(nil), pb.updates...), append([]error(nil), pb.errors...)
}

// pollFor runs a Poller with opts for the bot until it returns or window
// passes, and returns its error and whether it returned on its own.
func (pb *pollerBot) pollFor(t *testing.T, window time.Duration, opts ...gotelegrammetrics.PollerOption) (err error, returned bool) {
	t.Helper()
	p, err := gotelegrammetrics.NewPoller(&http.Client{Timeout: 5 * time.Second},
		append([]gotelegrammetrics.PollerOption{gotelegrammetrics.WithAPIURL(pb.url), gotelegrammetrics.WithErrorsHandler(pb.onError)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	pb.poller = p
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- p.Run(ctx, pb.Bot) }()
	select {
	case err = <-done:
	case <-time.After(window + 10*time.Second):
		t.Fatal("Run did not return within 10 s of the end of its context")
	}
	return err, ctx.Err() == nil
}

// startFor is the control: the bot's own loop, b.Start, for window.
func (pb *pollerBot) startFor(window time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), window)
	defer cancel()
	pb.Start(ctx)
}

// TestPollerFailingAPI: against a Bot API whose getUpdates always fails,
// the Poller sends a handful of requests, stops on 401 and 409 with an
// error that says why, waits the retry_after of a 429, and reports every
// failure. The control, the bot's own loop, keeps polling on 401 and 409
// and ignores retry_after.
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
			pb := newPollerBot(t, srv.URL, srv.Token)
			err, returned := pb.pollFor(t, window, gotelegrammetrics.WithPollTimeout(time.Second))

			calls := pollingtest.GetUpdatesCalls(srv)
			if calls < 1 || calls > tc.maxCalls {
				t.Errorf("%d getUpdates in %v, want 1 to %d", calls, window, tc.maxCalls)
			}
			if returned != tc.stops {
				t.Errorf("Run returned on its own: %v, want %v", returned, tc.stops)
			}
			_, errs := pb.got()
			if len(errs) != calls && len(errs) != calls-1 { // the last may be cut by the end
				t.Fatalf("%d errors reported for %d failed calls: %v", len(errs), calls, errs)
			}
			var pe *telegram.PollError
			if !errors.As(errs[0], &pe) || pe.Code != tc.fault.Status || pe.Stopped != tc.stops {
				t.Fatalf("reported %#v, want a *PollError with code %d, stopped %v", errs[0], tc.fault.Status, tc.stops)
			}
			if want := time.Duration(tc.fault.RetryAfter) * time.Second; pe.RetryAfter != want {
				t.Errorf("RetryAfter = %v, want %v", pe.RetryAfter, want)
			}
			if tc.stops && (err != errs[0] || !strings.Contains(err.Error(), "polling stopped")) {
				t.Errorf("Run returned %v, want the error reported, saying polling stopped", err)
			}
			if !tc.stops && err != nil {
				t.Errorf("Run returned %v at the end of its context, want nil", err)
			}
			if got := pb.poller.Err(); (tc.stops && got != err) || (!tc.stops && got != nil) {
				t.Errorf("Err() = %v, want %v", got, err)
			}

			if tc.fault.Status == 502 {
				return // the bot's own loop backs off too
			}
			control := newPollerBot(t, srv.URL, srv.Token)
			before := pollingtest.GetUpdatesCalls(srv)
			control.startFor(window)
			if n := pollingtest.GetUpdatesCalls(srv) - before; n < 4 {
				t.Errorf("the bot's own loop sent %d getUpdates in %v on %d: it may now stop or wait as asked, and the Poller be unneeded", n, window, tc.fault.Status)
			}
		})
	}
}

// TestPollerMalformedAnswers: answers that are not Bot API answers, and
// retry_after values that are not numbers, are failures with backoff.
func TestPollerMalformedAnswers(t *testing.T) {
	for _, answer := range pollingtest.Malformed() {
		t.Run(answer, func(t *testing.T) {
			t.Parallel()
			srv, calls := pollingtest.Serve(t, http.StatusBadGateway, answer)
			pb := newPollerBot(t, srv.URL, "TOKEN")
			pb.pollFor(t, 400*time.Millisecond) // the first wait is at least 0.5 s
			if n := calls.Load(); n != 1 {
				t.Errorf("%d getUpdates in 400ms, want 1", n)
			}
			if _, errs := pb.got(); len(errs) == 0 {
				t.Error("nothing reported")
			}
		})
	}
}

// TestPollerPoisonUpdate: an update go-telegram/bot cannot decode is
// reported and skipped, and the update after it handled. The control: the
// bot's own loop fails the whole answer, again and again, and handles
// nothing more.
func TestPollerPoisonUpdate(t *testing.T) {
	const answer = `{"ok":true,"result":[{"update_id":1,"message":{"message_id":1,"date":"yesterday","chat":{"id":1,"type":"private"}}},` +
		`{"update_id":2,"message":{"message_id":2,"date":1,"chat":{"id":1,"type":"private"},"text":"after the poison"}}]}`
	srv, _ := pollingtest.Serve(t, http.StatusOK, answer, `{"ok":true,"result":[]}`)
	pb := newPollerBot(t, srv.URL, "TOKEN")
	pb.pollFor(t, 300*time.Millisecond, gotelegrammetrics.WithPollTimeout(time.Second))
	updates, errs := pb.got()
	if len(updates) != 1 || updates[0].ID != 2 || updates[0].Message.Text != "after the poison" {
		t.Fatalf("handled %+v, want only update 2", updates)
	}
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "update 1 skipped") {
		t.Errorf("reported %v, want update 1 reported as skipped", errs)
	}

	stuck, calls := pollingtest.Serve(t, http.StatusOK, answer)
	control := newPollerBot(t, stuck.URL, "TOKEN")
	control.startFor(window)
	if updates, _ := control.got(); len(updates) != 0 || calls.Load() < 3 {
		t.Errorf("the bot's own loop handled %d updates in %d getUpdates: it may now skip what it cannot decode", len(updates), calls.Load())
	}
}

// TestPollerBadCommandEntity: a bot_command entity outside the message's
// text makes go-telegram/bot's routing panic, outside any handler, which
// ends the process: the Poller reports and skips the update.
func TestPollerBadCommandEntity(t *testing.T) {
	const poison = `{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"/s","entities":[{"type":"bot_command","offset":0,"length":9}]}}`

	control := newPollerBot(t, "http://127.0.0.1:1", "TOKEN")
	control.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(context.Context, *bot.Bot, *models.Update) {})
	panicked := func() (p any) {
		defer func() { p = recover() }()
		var u models.Update
		if err := json.Unmarshal([]byte(poison), &u); err != nil {
			t.Fatal(err)
		}
		control.ProcessUpdate(context.Background(), &u)
		return nil
	}()
	if _, isRuntime := panicked.(runtime.Error); !isRuntime {
		t.Errorf("go-telegram/bot did not panic on the entity (%v): the defence may be unneeded now", panicked)
	}

	srv, _ := pollingtest.Serve(t, http.StatusOK, `{"ok":true,"result":[`+poison+`,{"update_id":2,"message":{"message_id":2,"date":1,"chat":{"id":1,"type":"private"},"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}]}`,
		`{"ok":true,"result":[]}`)
	pb := newPollerBot(t, srv.URL, "TOKEN")
	pb.RegisterHandler(bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, func(_ context.Context, _ *bot.Bot, u *models.Update) {
		pb.mu.Lock()
		defer pb.mu.Unlock()
		pb.updates = append(pb.updates, u)
	})
	pb.pollFor(t, 300*time.Millisecond, gotelegrammetrics.WithPollTimeout(time.Second))
	updates, errs := pb.got()
	if len(updates) != 1 || updates[0].ID != 2 {
		t.Fatalf("handled %+v, want only update 2", updates)
	}
	if len(errs) == 0 || !strings.Contains(errs[0].Error(), "update 1 skipped") || !strings.Contains(errs[0].Error(), "bot_command") {
		t.Errorf("reported %v, want update 1 reported as skipped for its entity", errs)
	}
}

// TestPollerConfirmedUpdatesAgain: a Bot API that sends, at once and again
// and again, updates the offset confirmed already gets each handled once
// and a handful of requests, not a busy loop.
func TestPollerConfirmedUpdatesAgain(t *testing.T) {
	for name, answers := range pollingtest.ConfirmedAgain() {
		t.Run(name, func(t *testing.T) {
			srv, calls := pollingtest.Serve(t, http.StatusOK, answers...)
			pb := newPollerBot(t, srv.URL, "TOKEN")
			pb.pollFor(t, 2*time.Second, gotelegrammetrics.WithPollTimeout(10*time.Second))
			updates, errs := pb.got()
			if len(updates) > 1 {
				t.Errorf("%d updates handled, want at most 1", len(updates))
			}
			if n := calls.Load(); n > 5 {
				t.Errorf("%d getUpdates in 2s, want a handful", n)
			}
			if len(errs) == 0 {
				t.Error("nothing reported")
			}
		})
	}
}

// TestPollerEmptyAnswersAtOnce: a Bot API (or a proxy) that does not hold
// the long poll, and answers at once with no updates, gets one request in
// 400 ms, not a busy loop.
func TestPollerEmptyAnswersAtOnce(t *testing.T) {
	srv, calls := pollingtest.Serve(t, http.StatusOK, `{"ok":true,"result":[]}`)
	pb := newPollerBot(t, srv.URL, "TOKEN")
	pb.pollFor(t, 400*time.Millisecond, gotelegrammetrics.WithPollTimeout(10*time.Second))
	if _, errs := pb.got(); calls.Load() != 1 || len(errs) != 1 {
		t.Errorf("%d getUpdates in 400ms and %d errors reported, want 1 and 1", calls.Load(), len(errs))
	}
}

// TestPollerStopCancelsTheLongPoll: the end of the context ends a long
// poll in flight at once, not when the poll times out, and is no failure.
func TestPollerStopCancelsTheLongPoll(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithLongPollMax(time.Hour))
	defer srv.Close()
	pb := newPollerBot(t, srv.URL, srv.Token)
	if err, _ := pb.pollFor(t, 300*time.Millisecond, gotelegrammetrics.WithPollTimeout(time.Hour)); err != nil {
		t.Errorf("Run returned %v, want nil", err)
	}
	if _, errs := pb.got(); len(errs) != 0 {
		t.Errorf("reported %v, want nothing: stopping is no failure", errs)
	}
}

// TestPollerKeepsTheTokenSecret: with the real token in the bot and an
// ordinary client, a Bot API that echoes it, or redirects to a closed port
// (the client's error quotes the URL), gets it into no error.
func TestPollerKeepsTheTokenSecret(t *testing.T) {
	const token = "7012345678:AAHfakeTokenForTests_0123456789-abcd"
	for _, redirect := range []bool{false, true} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if redirect {
				http.Redirect(w, r, "http://127.0.0.1:1"+r.URL.Path, http.StatusTemporaryRedirect)
				return
			}
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprintf(w, `{"ok":false,"error_code":400,"description":"no such path %s"}`, r.URL.Path)
		}))
		pb := newPollerBot(t, srv.URL, token)
		pb.pollFor(t, 300*time.Millisecond)
		srv.Close()
		_, errs := pb.got()
		if len(errs) == 0 {
			t.Fatal("nothing reported")
		}
		for _, err := range errs {
			if msg := fmt.Sprintf("%v %+v", err, err); strings.Contains(msg, token[11:]) {
				t.Errorf("the token's secret is in %s", msg)
			}
		}
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
// Poller; the token in a URL given by mistake is not repeated.
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
		{nil, "option 1 of 1 is nil"},
	} {
		p, err := gotelegrammetrics.NewPoller(http.DefaultClient, tc.opt)
		if p != nil || err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "gotelegrammetrics: ") {
			t.Errorf("NewPoller = %v, %v; want an error with %q", p, err, tc.want)
		}
		if err != nil && strings.Contains(err.Error(), "AAHfake") {
			t.Errorf("the error holds the token: %v", err)
		}
	}
}

// TestPollerRequest: getUpdates goes to the server of WithAPIURL (a
// trailing slash or a path prefix kept) with the allowed updates and the
// poll timeout asked for.
func TestPollerRequest(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	pb := newPollerBot(t, srv.URL+"/", srv.Token)
	pb.pollFor(t, 300*time.Millisecond, gotelegrammetrics.WithPollTimeout(2500*time.Millisecond),
		gotelegrammetrics.WithAllowedUpdates(telegram.UpdateMessage, telegram.UpdateCallbackQuery))
	calls := srv.Calls()
	if len(calls) == 0 || calls[0].Method != "getUpdates" {
		t.Fatalf("calls %+v, want getUpdates", calls)
	}
	if p := calls[0].Params; p["allowed_updates"] != `["message","callback_query"]` || p["timeout"] != "2" {
		t.Errorf("getUpdates params %v, want allowed_updates [message callback_query] and timeout 2", p)
	}
}
