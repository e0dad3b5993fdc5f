package polling

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/genapp-go/genapp/telegram"
)

// The backoff and the cap on retry_after: see [telegram.MinBackoff].
const (
	MinBackoff    = telegram.MinBackoff
	MaxBackoff    = telegram.MaxBackoff
	MaxRetryAfter = telegram.MaxRetryAfter
)

// Retry counts the getUpdates that failed in a row and says how long to
// wait after each. The zero value is ready to use.
type Retry struct{ failures int }

// Failed returns how long to wait after one more failure: retryAfter when
// the Bot API asked for a wait (a 429), else Backoff.
func (r *Retry) Failed(retryAfter time.Duration) time.Duration {
	wait := retryAfter
	if wait == 0 {
		wait = Backoff(r.failures)
	}
	r.failures++
	return wait
}

// Succeeded ends a run of failures: the next backoff starts from
// MinBackoff again.
func (r *Retry) Succeeded() { r.failures = 0 }

// Backoff is the wait after failures failures in a row, and one more.
func Backoff(failures int) time.Duration {
	d := MaxBackoff
	if failures < 6 { // 1 s << 5 = 32 s > MaxBackoff
		d = min(MinBackoff<<failures, MaxBackoff)
	}
	return d/2 + rand.N(d/2+1)
}

// RetryAfter is the wait a retry_after of secs seconds asks for, at least
// MinBackoff (the Bot API's are whole seconds: a tiny fraction, waited as
// it is, would make a busy loop) and at most MaxRetryAfter; 0 when secs is
// not a positive number.
func RetryAfter(secs float64) time.Duration {
	switch {
	case !(secs > 0): // NaN too
		return 0
	case secs >= MaxRetryAfter.Seconds():
		return MaxRetryAfter
	}
	return max(time.Duration(secs*float64(time.Second)), MinBackoff)
}

// StopReason says why polling stops after a getUpdates that failed with
// code, or is "" when waiting may cure the failure: a 401 (the token was
// revoked) or a 409 (a webhook is set, or another instance polls) will not
// go away by itself.
func StopReason(code int) string {
	switch code {
	case http.StatusUnauthorized:
		return "polling stopped: the Bot API does not accept the token (revoked or wrong)"
	case http.StatusConflict:
		return "polling stopped: a webhook is set (call deleteWebhook) or another instance of the bot polls"
	}
	return ""
}

// EarlyEmpty reports whether an answer with no updates came back too soon
// for a long poll of timeout: polling again at once would be a busy loop.
// It is one that came back within a quarter of the timeout.
func EarlyEmpty(updates int, took, timeout time.Duration) bool {
	return updates == 0 && took < timeout/4
}

// Confirmed reports whether the update id is one that offset, the offset
// of the getUpdates that brought it, confirmed already: a Bot API that
// sends such updates again (IDs repeating or going backwards) must neither
// have them handled twice nor, answering at once with nothing else, make
// the poller loop. An offset of 0 or less confirms nothing.
func Confirmed(id, offset int) bool { return offset > 0 && id < offset }

// Split returns the updates of a getUpdates result, raw, with their IDs.
// Every update must have one, for the offset that confirms it, before any
// is taken: an error names the first that has none, or one that no offset
// can confirm (negative, or the largest int, past which the next offset
// would overflow): polling on would fetch it again, at once, for ever.
// An update_id that comes again in the same result is the same update: only
// its first copy is returned, so that no adapter hands it to the bot twice.
func Split(result []byte) (raws []json.RawMessage, ids []int, err error) {
	var all []json.RawMessage
	if err := json.Unmarshal(result, &all); err != nil {
		return nil, nil, fmt.Errorf("the result is not a list of updates: %w", err)
	}
	raws, ids = all[:0], make([]int, 0, len(all))
	var seen map[int]bool // made once an ID does not rise: the Bot API's do
	for i, raw := range all {
		var id struct {
			ID *int `json:"update_id"`
		}
		if err := json.Unmarshal(raw, &id); err != nil || id.ID == nil {
			return nil, nil, fmt.Errorf("update %d of %d has no numeric update_id", i+1, len(all))
		}
		if *id.ID < 0 || *id.ID == math.MaxInt {
			return nil, nil, fmt.Errorf("update %d of %d has update_id %d, which no offset can confirm", i+1, len(all), *id.ID)
		}
		if n := len(ids); seen == nil && n > 0 && *id.ID <= ids[n-1] {
			seen = make(map[int]bool, len(all))
			for _, earlier := range ids {
				seen[earlier] = true
			}
		}
		if seen != nil {
			if seen[*id.ID] {
				continue
			}
			seen[*id.ID] = true
		}
		raws, ids = append(raws, raw), append(ids, *id.ID)
	}
	return raws, ids, nil
}

// Sleep waits d, or less when done is closed first.
func Sleep(done <-chan struct{}, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-done:
	}
}
