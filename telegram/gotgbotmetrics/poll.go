package gotgbotmetrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strconv"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// Poller long-polls getUpdates and hands the updates to a dispatcher, in
// place of ext.Updater.StartPolling. gotgbot rc.33's polling loop, against
// a Bot API that fails, sends getUpdates again after 1 s whatever the
// failure, and at once when an UnhandledErrFunc is set: it ignores the
// retry_after of a 429 and never stops on 401 (token revoked) or 409 (a
// webhook is set, or another instance polls); an answer whose result is
// not a list, is missing, or is an empty list that came back at once makes
// it poll again at once, in a busy loop; and updates the offset confirmed
// already, sent again, are handled again. A Poller instead
//
//   - waits after each failure (an empty answer that came back within a
//     quarter of the poll timeout included), with exponential backoff and
//     jitter ([MinBackoff] to [MaxBackoff]), or the retry_after of a 429
//     (at least 1 s, at most [MaxRetryAfter]);
//   - stops on 401 and 409, which waiting does not cure: Poll returns a
//     [*PollError] that says why;
//   - hands every failure to its error function as a [*PollError], the
//     bot token masked even when the bot holds the real one;
//   - hands an update the offset confirmed already, sent again, to the
//     dispatcher at most once, and reports it.
//
// An answer gotgbot cannot decode at all (a retry_after that is not a
// number, say) is a failure like another, with backoff. Updates gotgbot
// cannot parse are the dispatcher's: it reports them to its
// UnhandledErrFunc and goes on with the next.
//
// A Poller runs one Poll at a time; polling again goes on from the offset
// reached: past the updates handed to the dispatcher, not those still
// waiting for it when ctx ended.
type Poller struct {
	timeout time.Duration
	allowed []string
	onError ext.ErrorFunc
	offset  int64
}

// Backoff of a [Poller] after a failed getUpdates: the first wait is
// between MinBackoff/2 and MinBackoff, each further one in a row twice as
// long, at most MaxBackoff.
const (
	MinBackoff = polling.MinBackoff
	MaxBackoff = polling.MaxBackoff
)

// MaxRetryAfter caps the retry_after of a 429 that a [Poller] waits.
const MaxRetryAfter = polling.MaxRetryAfter

// PollerOption configures a [Poller].
type PollerOption func(*Poller)

// WithPollTimeout sets the long-poll timeout of getUpdates, in whole
// seconds (the Bot API's unit), at least 1 s: a Poller does not short-poll.
// The default is 10 s. Each getUpdates may take 10 s more than that.
func WithPollTimeout(d time.Duration) PollerOption {
	return func(p *Poller) { p.timeout = max(d.Truncate(time.Second), time.Second) }
}

// WithAllowedUpdates sets the allowed_updates of getUpdates: the update
// kinds to receive ("message", "callback_query", ...). The default, none,
// means those the Bot API sends by default.
func WithAllowedUpdates(kinds ...string) PollerOption {
	return func(p *Poller) { p.allowed = kinds }
}

// WithErrorFunc hands every failure to f, as gotgbot's
// UpdaterOpts.UnhandledErrFunc; by default, or when f is nil, they are
// logged with the log package's standard logger, as gotgbot's Updater does.
func WithErrorFunc(f ext.ErrorFunc) PollerOption {
	return func(p *Poller) {
		if f != nil {
			p.onError = f
		}
	}
}

// NewPoller returns a Poller.
func NewPoller(opts ...PollerOption) *Poller {
	p := &Poller{timeout: 10 * time.Second, onError: func(err error) { log.Print(err) }}
	for _, o := range opts {
		o(p)
	}
	return p
}

// PollError is a failed getUpdates, as a [Poller] reports it.
type PollError struct {
	// Code is the Bot API's error_code; 0 when no answer came or it could
	// not be decoded.
	Code int
	// RetryAfter is the wait a 429 asked for, as the Poller waits it.
	RetryAfter time.Duration
	// Stopped is set on a 401 or a 409: the Poller stopped polling.
	Stopped bool

	text string                 // what failed, the token masked
	err  *gotgbot.TelegramError // the error answer, its description masked
}

func (e *PollError) Error() string {
	switch {
	case e.Stopped:
		return e.text + "; " + polling.StopReason(e.Code)
	case e.RetryAfter > 0:
		return fmt.Sprintf("%s; retrying after %v, as asked", e.text, e.RetryAfter)
	}
	return e.text
}

// Unwrap returns gotgbot's *gotgbot.TelegramError for an error answer, its
// Description masked as the PollError's text is; nil for any other failure.
func (e *PollError) Unwrap() error {
	if e.err == nil {
		return nil
	}
	return e.err
}

// Poll sends the updates of getUpdates to d, whose Start it runs, until ctx
// ends (nil) or the Bot API answers 401 or 409 (the [*PollError]). The
// getUpdates in flight is cancelled when ctx ends. Poll returns once d.Start
// has returned (an ext.Dispatcher's returns once it has a free routine for
// the update it holds, if any), so that d.Stop may follow at once: it waits
// for the handlers still running.
func (p *Poller) Poll(ctx context.Context, b *gotgbot.Bot, d ext.UpdateDispatcher) error {
	updates := make(chan json.RawMessage)
	started := make(chan struct{})
	go func() {
		defer close(started)
		d.Start(b, updates)
	}()
	defer func() {
		close(updates)
		<-started
	}()
	mask := bottoken.NewMasker(b.Token)
	var retry polling.Retry
	for ctx.Err() == nil {
		raws, ids, err := p.getUpdates(ctx, b, mask)
		if ctx.Err() != nil {
			return nil
		}
		if err != nil {
			p.onError(err)
			if err.Stopped {
				return err
			}
			polling.Sleep(ctx.Done(), retry.Failed(err.RetryAfter))
			continue
		}
		retry.Succeeded()
		for i, u := range raws {
			select {
			case updates <- u:
				// Confirmed only once handed on: an update still held
				// when ctx ends is fetched again by the next Poll.
				p.offset = max(p.offset, int64(ids[i])+1)
			case <-ctx.Done():
				return nil
			}
		}
	}
	return nil
}

// getUpdates sends one getUpdates and returns the updates it brought that
// the offset had not confirmed already, with their IDs.
func (p *Poller) getUpdates(ctx context.Context, b *gotgbot.Bot, mask bottoken.Masker) ([]json.RawMessage, []int, *PollError) {
	fail := func(code int, what string, err error) *PollError {
		text := "gotgbotmetrics: getUpdates failed"
		if code != 0 {
			text += " (" + strconv.Itoa(code) + ")"
		}
		text += ": " + what
		if err != nil {
			text += ": " + err.Error()
		}
		return &PollError{Code: code, Stopped: polling.StopReason(code) != "", text: bottoken.Redact(mask.MaskString(text))}
	}
	params := map[string]string{"offset": strconv.FormatInt(p.offset, 10), "timeout": strconv.Itoa(int(p.timeout / time.Second))}
	if p.allowed != nil {
		kinds, _ := json.Marshal(p.allowed) // strings always encode
		params["allowed_updates"] = string(kinds)
	}
	start := time.Now()
	result, err := b.RequestWithContext(ctx, "getUpdates", params, nil, &gotgbot.RequestOpts{Timeout: p.timeout + 10*time.Second})
	var apiErr *gotgbot.TelegramError
	switch {
	case errors.As(err, &apiErr):
		f := fail(apiErr.Code, apiErr.Description, nil)
		masked := *apiErr
		masked.Description = bottoken.Redact(mask.MaskString(apiErr.Description))
		f.err = &masked
		if apiErr.Code == http.StatusTooManyRequests && apiErr.ResponseParams != nil {
			f.RetryAfter = polling.RetryAfter(float64(apiErr.ResponseParams.RetryAfter))
		}
		return nil, nil, f
	case err != nil:
		return nil, nil, fail(0, "no answer, or one gotgbot cannot decode", err)
	}
	raws, ids, err := polling.Split(result)
	if err != nil {
		return nil, nil, fail(0, "the answer is not a Bot API answer", err)
	}
	offset := int(p.offset)
	fresh, freshIDs := raws[:0], ids[:0]
	for i, raw := range raws {
		if polling.Confirmed(ids[i], offset) {
			continue
		}
		fresh, freshIDs = append(fresh, raw), append(freshIDs, ids[i])
	}
	stale := len(raws) - len(fresh)
	if polling.EarlyEmpty(len(fresh), time.Since(start), p.timeout) {
		return nil, nil, fail(0, fmt.Sprintf("answered at once with no new updates (%d confirmed already), though asked to wait up to %v: the Bot API, or a proxy in front of it, does not hold long polls", stale, p.timeout), nil)
	}
	if stale > 0 {
		p.onError(fail(0, fmt.Sprintf("%d updates skipped: confirmed already (update_id below the offset %d)", stale, offset), nil))
	}
	return fresh, freshIDs, nil
}
