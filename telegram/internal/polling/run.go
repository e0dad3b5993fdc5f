package polling

import (
	"context"
	"encoding/json"
	"time"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
)

// Bound is how long a getUpdates of a [Loop] may take beyond its poll
// timeout before it is cancelled, and fails.
const Bound = 10 * time.Second

// bound is Bound, shortened by a test.
var bound = Bound

// Loop is one run of an adapter's Poller, for [Run]: where and how it
// sends getUpdates, what it keeps from one run to the next, and the parts
// that are the bot library's: how an update is parsed, how it is handed
// on, and where a failure is reported.
type Loop[U any] struct {
	Client Doer
	// URL is getUpdates', with the token: <server>/bot<token>/getUpdates.
	URL string
	// Masker masks the token in every failure reported.
	Masker bottoken.Masker
	// Config is the poll timeout and the allowed updates.
	Config Config
	// State is the Poller's, started: Run counts the failures in it.
	State *State
	// Offset is the offset of the next getUpdates, which Run moves past
	// each update handed on or skipped: the next run goes on from there.
	Offset *int
	// Parse parses an update, as the Bot API sent it, into U, the
	// library's type: an update it returns an error for is skipped.
	Parse func(data []byte) (U, error)
	// Hand hands u, which Parse made of raw, to the bot, unless ctx ends
	// first: then it returns false, and the update stays unconfirmed.
	Hand func(ctx context.Context, u U, raw json.RawMessage) bool
	// Report reports a failure, a *telegram.PollError whose texts hold no
	// token, and how long polling waits before the next getUpdates: 0 when
	// it does not wait, as it stops (f.Stopped) or goes on (an update
	// skipped).
	Report func(f *telegram.PollError, wait time.Duration)
}

// Run polls getUpdates as l says until ctx ends (nil: the getUpdates in
// flight is cancelled, and the updates not handed on yet stay unconfirmed)
// or the Bot API answers 401 or 409 (the *telegram.PollError, which
// l.State's Err returns from then on). After any other failure it waits,
// with backoff, or the retry_after of a 429, or until ctx ends. It hands
// each update of an answer on in order, at most once: those Parse rejects
// and those the offset confirmed already are reported and skipped.
func Run[U any](ctx context.Context, l Loop[U]) error {
	for ctx.Err() == nil {
		offset := *l.Offset
		batch, f := l.getUpdates(ctx, offset)
		if ctx.Err() != nil {
			return nil
		}
		if f != nil {
			wait := l.State.Failed(f)
			if f.Stopped {
				l.Report(f, 0)
				return f
			}
			l.Report(f, wait)
			Sleep(ctx.Done(), wait)
			continue
		}
		if f := batch.StaleReport(l.Masker, offset); f != nil {
			l.Report(f, 0)
		}
		l.State.Succeeded()
		for i, raw := range batch.Raws {
			u, err := l.Parse(raw)
			if err != nil {
				l.Report(batch.SkipReport(l.Masker, i, err), 0)
			} else if !l.Hand(ctx, u, raw) {
				return nil
			}
			// Confirmed once handed on (or skipped): an update still held
			// when ctx ends is fetched again by the next run.
			*l.Offset = max(*l.Offset, batch.IDs[i]+1)
		}
	}
	return nil
}

// getUpdates sends one getUpdates from offset.
func (l *Loop[U]) getUpdates(ctx context.Context, offset int) (Batch, *telegram.PollError) {
	ctx, cancel := context.WithTimeout(ctx, l.Config.Timeout+bound)
	defer cancel()
	return GetUpdates(ctx, l.Client, l.Config.Request(l.URL, offset), l.Masker)
}

// Send sends v to ch, for a [Loop]'s Hand, unless ctx ends first: then it
// returns false.
func Send[T any](ctx context.Context, ch chan<- T, v T) bool {
	select {
	case ch <- v:
		return true
	case <-ctx.Done():
		return false
	}
}
