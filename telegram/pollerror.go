package telegram

import (
	"fmt"
	"strings"
	"time"
)

// The policy of every adapter's Poller: after a failed getUpdates it waits
// between MinBackoff/2 and MinBackoff, each further failure in a row twice
// as long, at most MaxBackoff; after a 429 it waits the retry_after asked
// for, at most MaxRetryAfter.
const (
	MinBackoff    = time.Second
	MaxBackoff    = 30 * time.Second
	MaxRetryAfter = time.Hour
)

// UnreadyAfter is how many getUpdates in a row must fail before a
// Poller's Ready says it cannot take updates: the first failures are often
// a blip that the backoff rides out (the third comes 1.5 to 3 s after the
// first), and a readiness probe has a failure threshold of its own. A
// getUpdates that succeeds makes it ready again.
const UnreadyAfter = 3

// PollError is a failed getUpdates of an adapter's Poller, or an update it
// skipped because the bot library cannot parse it. Every text in it has
// the bot token masked.
type PollError struct {
	// Code is the Bot API's error_code, else the HTTP status; 0 when no
	// answer came.
	Code int
	// Description says what failed: the Bot API's description, or what
	// was wrong with the answer.
	Description string
	// RetryAfter is the wait a 429 asked for, as the Poller waits it.
	RetryAfter time.Duration
	// Stopped is set on a 401 (the token is revoked) or a 409 (a webhook
	// is set, or another instance polls): the Poller stopped polling.
	Stopped bool
	// Err is the error of the HTTP call, or of the library's parsing.
	Err error
}

func (e *PollError) Error() string {
	var b strings.Builder
	b.WriteString("telegram: getUpdates failed")
	if e.Code != 0 {
		fmt.Fprintf(&b, " (%d)", e.Code)
	}
	b.WriteString(": ")
	b.WriteString(e.Description)
	if e.Err != nil {
		b.WriteString(": ")
		b.WriteString(e.Err.Error())
	}
	switch {
	case e.Stopped && e.Code == 401:
		b.WriteString("; polling stopped: the Bot API does not accept the token (revoked or wrong)")
	case e.Stopped:
		b.WriteString("; polling stopped: a webhook is set (call deleteWebhook) or another instance of the bot polls")
	case e.RetryAfter > 0:
		fmt.Fprintf(&b, "; retrying after %v, as asked", e.RetryAfter)
	}
	return b.String()
}

// Unwrap returns Err.
func (e *PollError) Unwrap() error { return e.Err }
