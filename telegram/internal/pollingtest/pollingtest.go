// Package pollingtest is what the tests of every adapter's getUpdates
// poller share: the hostile answers they replay, so that each adapter is
// attacked with the same ones, and what they count.
package pollingtest

import (
	"fmt"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// ConfirmedAgain returns, by case, the getUpdates answers of a Bot API
// that sends updates the offset confirmed already, answer after answer
// (the last one repeated): the same update again, IDs going backwards, and
// IDs no offset can confirm (the largest int, past which the next offset
// would overflow, and a negative one). A poller must hand each such update
// to the bot at most once and must not poll in a busy loop.
func ConfirmedAgain() map[string][]string {
	update := func(id int) string {
		return fmt.Sprintf(`{"ok":true,"result":[{"update_id":%d,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":"again"}}]}`, id)
	}
	return map[string][]string{
		"repeating": {update(5)},
		"backwards": {update(7), update(3)},
		"largest":   {update(math.MaxInt)},
		"negative":  {update(-5)},
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

// HostileAPI is a Bot API that answers every request with the bodies of
// answers in turn, the last one for ever with status, and counts the
// requests; it closes when the test ends.
func HostileAPI(t testing.TB, status int, answers ...string) (*httptest.Server, *atomic.Int64) {
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		n := int(calls.Add(1))
		w.Header().Set("Content-Type", "application/json")
		if n < len(answers) {
			io.WriteString(w, answers[n-1])
			return
		}
		w.WriteHeader(status)
		io.WriteString(w, answers[len(answers)-1])
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}
