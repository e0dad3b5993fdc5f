package telebottest

import (
	"context"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// Errors the scenario's /fail and /boom handlers fail with.
const (
	FailError  = "fail handler failed"
	PanicValue = "boom handler panicked"
)

// Lag is how long before it was sent the scenario's /start is dated: it
// lands in the 120 s bucket of genapp_telegram_update_lag_sec, not in the
// 60 s one.
const Lag = 90 * time.Second

// Play sends the scenario's updates to srv, from chat 100, and returns the
// id of the callback whose button has no route: five messages, /start
// dated [Lag] in the past, and two callback queries.
func Play(srv *telegramtest.Server) (unrouted int) {
	srv.SendTextAt(100, "/start", time.Now().Add(-Lag))
	srv.PressButton(100, "\fmenu|42")
	srv.SendText(100, "hello")
	unrouted = srv.PressButton(100, "\fghost|7")
	srv.SendText(100, "/fail")
	srv.SendText(100, "/boom")
	srv.SendText(100, "/nope arg")
	return unrouted
}

// Check waits for the scenario's replies and runs, recorded in h, and
// asserts the exact action samples, the replies srv received, the answered
// callbacks and the errors onError returns (what the bot's OnError got),
// and that the exposition holds no part of srv's token. It returns the
// exposition.
func Check(t *testing.T, srv *telegramtest.Server, h http.Handler, unrouted int, onError func() []string) *promtest.Exposition {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sent, err := srv.WaitSent(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	e := actiontest.Wait(t, h, 7, 5*time.Second)

	actiontest.Want(t, e, "start_handler", 1, 0)
	actiontest.Want(t, e, "menu_callback_handler", 1, 0)
	actiontest.Want(t, e, "text_handler", 1, 0)
	actiontest.Want(t, e, "callback_handler", 1, 0)
	actiontest.Want(t, e, "fail_handler", 0, 1)
	actiontest.Want(t, e, "boom_handler", 0, 1)
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	if got := e.Series(actiontest.Count); got != 7 {
		t.Errorf("%d series of %s, want 7 (7 names, one status each)", got, actiontest.Count)
	}

	var texts []string
	for _, s := range sent {
		if s.ChatID == 100 {
			texts = append(texts, s.Text)
		}
	}
	slices.Sort(texts) // telebot runs handlers concurrently
	if got := strings.Join(texts, "|"); got != "echo /nope arg|echo hello|failing|hello|menu 42|panicking" {
		t.Errorf("replies %s", got)
	}
	if answered := srv.Answered(); len(answered) != 2 || !slices.Contains(answered, strconv.Itoa(unrouted)) {
		t.Errorf("answered callbacks %v, want the menu one and %d", answered, unrouted)
	}
	errs := onError()
	slices.Sort(errs)
	if got := strings.Join(errs, "|"); got != PanicValue+"|"+FailError {
		t.Errorf("OnError got %q, want the handler error and the recovered panic", got)
	}
	checkUpdates(t, e)
	if strings.Contains(e.Text, srv.Token) || strings.Contains(e.Text, strings.SplitN(srv.Token, ":", 2)[1]) {
		t.Error("the exposition contains the token")
	}
	return e
}

// checkUpdates asserts the scenario's update counts by type, its lags
// (callbacks carry no date: none observed) and that no handler is left in
// flight.
func checkUpdates(t *testing.T, e *promtest.Exposition) {
	t.Helper()
	for typ, n := range map[string]float64{"message": 5, "callback_query": 2} {
		if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ}); got != n {
			t.Errorf("%s{type=%q} = %v, want %v", actiontest.Updates, typ, got, n)
		}
	}
	if got := e.Series(actiontest.Updates); got != 2 {
		t.Errorf("%d series of %s, want 2", got, actiontest.Updates)
	}
	lags := e.One(t, actiontest.Lag, promtest.Labels{"type": "message"}).GetHistogram()
	if lags.GetSampleCount() != 5 {
		t.Errorf("%d message lags observed, want 5", lags.GetSampleCount())
	}
	// /start waited Lag (90 to 91 s: dates are whole seconds), the other
	// four messages at most seconds.
	buckets := map[float64]uint64{}
	for _, b := range lags.GetBucket() {
		buckets[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	if buckets[60] != 4 || buckets[120] != 5 {
		t.Errorf("message lags: %d at or below 60 s, %d at or below 120 s; want 4 and 5", buckets[60], buckets[120])
	}
	if got := e.Series(actiontest.Lag); got != 1 {
		t.Errorf("%d series of %s, want 1: callbacks have no date", got, actiontest.Lag)
	}
	if got := e.One(t, actiontest.InFlight, nil).GetGauge().GetValue(); got != 0 {
		t.Errorf("%s = %v after the scenario, want 0", actiontest.InFlight, got)
	}
}

// Burst calls dispatch n times, each handing the bot an update whose
// handler blocks until release is closed, and asserts, from the metrics h
// serves, that genapp_telegram_handlers_in_flight rises to n and, once
// release is closed, falls back to 0.
func Burst(t *testing.T, h http.Handler, n int, dispatch func(), release chan struct{}) {
	t.Helper()
	for range n {
		dispatch()
	}
	waitInFlight(t, h, n)
	close(release)
	waitInFlight(t, h, 0)
}

// waitInFlight scrapes h until the in-flight gauge shows n, for at most 5 s.
func waitInFlight(t *testing.T, h http.Handler, n int) {
	t.Helper()
	var got float64
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if ms := promtest.Scrape(t, h).Find(actiontest.InFlight, nil); len(ms) == 1 {
			if got = ms[0].GetGauge().GetValue(); got == float64(n) {
				return
			}
		}
	}
	t.Errorf("%s = %v, want %d", actiontest.InFlight, got, n)
}

// Dated says what lag an update type should show: none (no date), recent
// (under a minute) or [Lag].
type Dated int

const (
	Undated Dated = iota
	Recent
	Late
)

// CheckTypes asserts that e counts one update of each type in want, with
// the lag want gives it.
func CheckTypes(t *testing.T, e *promtest.Exposition, want map[string]Dated) {
	t.Helper()
	for typ, dated := range want {
		if got := e.Counter(t, actiontest.Updates, promtest.Labels{"type": typ}); got != 1 {
			t.Errorf("%s: %v updates, want 1", typ, got)
		}
		lags := e.Find(actiontest.Lag, promtest.Labels{"type": typ})
		if dated == Undated {
			if len(lags) != 0 {
				t.Errorf("%s: a lag observed, want none (the kind has no date)", typ)
			}
			continue
		}
		if n, sum := e.Histogram(t, actiontest.Lag, promtest.Labels{"type": typ}); n != 1 || (dated == Late) != (sum >= Lag.Seconds()) || sum >= Lag.Seconds()+60 {
			t.Errorf("%s: %d lags, %v s in all, want one %v", typ, n, sum, map[Dated]string{Recent: "under a minute", Late: Lag.String()}[dated])
		}
	}
}

// Listen returns a loopback address no server listens on yet, for a
// telebot Webhook's Listen, and waitUp, which returns once a server
// accepts connections there (at most 5 s): telebot sets the Webhook up
// before it listens, so a request it accepts finds it ready.
func Listen(t *testing.T) (addr string, waitUp func()) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = l.Addr().String()
	l.Close()
	return addr, func() {
		t.Helper()
		for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if c, err := net.Dial("tcp", addr); err == nil {
				c.Close()
				return
			} else if time.Now().After(deadline) {
				t.Fatalf("the webhook does not listen on %s: %v", addr, err)
			}
		}
	}
}
