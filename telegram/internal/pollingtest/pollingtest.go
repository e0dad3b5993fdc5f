package pollingtest

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// ConfirmedAgain returns, by case, the getUpdates answers of a Bot API
// that sends updates the offset confirmed already, answer after answer
// (the last one repeated): the same update again, IDs going backwards, and
// IDs no offset can confirm (the largest int, past which the next offset
// would overflow, and a negative one), and one update twice in one answer.
// A poller must hand each such update to the bot at most once and must not
// poll in a busy loop.
func ConfirmedAgain() map[string][]string {
	const one = `{"update_id":%d,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":"again"}}`
	update := func(id int) string {
		return fmt.Sprintf(`{"ok":true,"result":[`+one+`]}`, id)
	}
	return map[string][]string{
		"repeating":    {update(5)},
		"twice in one": {fmt.Sprintf(`{"ok":true,"result":[`+one+`,`+one+`]}`, 5, 5)},
		"backwards":    {update(7), update(3)},
		"largest":      {update(math.MaxInt)},
		"negative":     {update(-5)},
	}
}

// GetUpdatesCalls is how many getUpdates calls srv received.
func GetUpdatesCalls(srv *telegramtest.Server) int {
	n := 0
	for _, c := range srv.Calls() {
		if c.Method == "getUpdates" {
			n++
		}
	}
	return n
}

// Malformed returns getUpdates answers that are not Bot API answers, or
// whose retry_after asks for no wait: a poller must take each as a failure
// and back off.
func Malformed() []string {
	return []string{
		`<html>502 Bad Gateway</html>`,
		``,
		`{"ok":true}`,
		`{"ok":false}`,
		`{"ok":true,"result":{}}`,
		`{"ok":true,"result":[{"message":{}}]}`, // no update_id
		`{"ok":false,"error_code":429,"parameters":{"retry_after":{"x":[1]}}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":null}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":-3}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":1e999}}`,
		`{"ok":false,"error_code":429,"parameters":{"retry_after":0}}`,
	}
}

// Serve starts a hostile Bot API, as [NewAPI] does, and returns the
// server, closed when the test ends, and the count of requests it got.
func Serve(t testing.TB, status int, answers ...string) (*httptest.Server, *atomic.Int64) {
	a := NewAPI(t, status, answers...)
	return a.srv, &a.calls
}

// Hold is an answer of [NewAPI] that holds each request until its client
// gives up or the test ends: a long poll that never ends.
const Hold = "\x00hold"

// API is a hostile Bot API started by [NewAPI]. It records when each
// request came, and its path.
type API struct {
	// URL is the server's, such as "http://127.0.0.1:40123".
	URL string

	srv   *httptest.Server
	calls atomic.Int64

	mu      sync.Mutex
	times   []time.Time
	paths   []string
	arrived chan struct{} // closed and replaced at each request
}

// NewAPI starts a hostile Bot API on 127.0.0.1 that answers every request,
// whatever its method, with the bodies of answers in turn: those before
// the last with 200 OK, the last, for ever, with status. The server is
// closed when the test ends.
func NewAPI(t testing.TB, status int, answers ...string) *API {
	a := &API{arrived: make(chan struct{})}
	quit := make(chan struct{})
	a.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		n := int(a.calls.Add(1))
		a.mu.Lock()
		a.times, a.paths = append(a.times, time.Now()), append(a.paths, r.URL.Path)
		close(a.arrived)
		a.arrived = make(chan struct{})
		a.mu.Unlock()
		answer := answers[min(n, len(answers))-1]
		if answer == Hold {
			select {
			case <-r.Context().Done():
			case <-quit:
			}
			return
		}
		w.Header().Set("Content-Type", "application/json")
		if n >= len(answers) {
			w.WriteHeader(status)
		}
		io.WriteString(w, answer)
	}))
	a.URL = a.srv.URL
	t.Cleanup(a.srv.Close)
	t.Cleanup(func() { close(quit) }) // first: Close waits for held requests
	return a
}

// Calls is how many requests the API got.
func (a *API) Calls() int { return int(a.calls.Load()) }

// Paths returns the URL path of each request, in order of arrival.
func (a *API) Paths() []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]string(nil), a.paths...)
}

// Within is how many requests came within d of the first: a count of
// requests in a window that a slow machine cannot stretch.
func (a *API) Within(d time.Duration) int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, at := range a.times {
		if at.Sub(a.times[0]) <= d {
			n++
		}
	}
	return n
}

// WaitCalls waits until the API got n requests, at most timeout, and
// returns when the first came and how many came.
func (a *API) WaitCalls(n int, timeout time.Duration) (first time.Time, calls int) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		a.mu.Lock()
		calls, arrived := len(a.times), a.arrived
		if calls > 0 {
			first = a.times[0]
		}
		a.mu.Unlock()
		if calls >= n {
			return first, calls
		}
		select {
		case <-arrived:
		case <-deadline.C:
			return first, calls
		}
	}
}

// PollFor runs poll, a telebot Poller's Poll on its bot, until it returns
// or window passes, then closes stop and returns the updates it sent and
// whether it returned on its own. It fails t if Poll does not return
// within 10 s of stop.
func PollFor[U any](t testing.TB, poll func(dest chan U, stop chan struct{}), window time.Duration) (updates []U, returned bool) {
	t.Helper()
	dest, stop, done := make(chan U), make(chan struct{}), make(chan struct{})
	go func() { defer close(done); poll(dest, stop) }()
	timer := time.NewTimer(window)
	defer timer.Stop()
	for {
		select {
		case u := <-dest:
			updates = append(updates, u)
			continue
		case <-done:
			return updates, true
		case <-timer.C:
		}
		break
	}
	close(stop)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Poll did not return within 10 s of stop")
	}
	return updates, false
}

// TwoUpdates starts a Bot API on 127.0.0.1 whose getUpdates answers
// updates 1 and 2 to offset 0 or 1, update 2 alone to offset 2, and nothing
// (after holding the poll up to 1 s) to any other offset: a poller stopped
// after handing on update 1 only must poll again from offset 2, or update
// 2 is lost. It returns the server, closed when the test ends, and the
// offsets it was asked for so far.
func TwoUpdates(t testing.TB) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var offsets []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var params struct {
			Offset any `json:"offset"` // a number, or gotgbot's string
		}
		json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&params)
		offset := fmt.Sprint(params.Offset)
		mu.Lock()
		offsets = append(offsets, offset)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		const update = `{"update_id":%d,"message":{"message_id":%[1]d,"date":0,"chat":{"id":1,"type":"private"},"text":"hi"}}`
		switch offset {
		case "0", "1":
			fmt.Fprintf(w, `{"ok":true,"result":[`+update+`,`+update+`]}`, 1, 2)
		case "2":
			fmt.Fprintf(w, `{"ok":true,"result":[`+update+`]}`, 2)
		default:
			select {
			case <-r.Context().Done():
			case <-time.After(time.Second):
			}
			io.WriteString(w, `{"ok":true,"result":[]}`)
		}
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), offsets...)
	}
}
