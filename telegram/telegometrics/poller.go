package telegometrics

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// Poller long-polls getUpdates for a telego bot, in place of
// UpdatesViaLongPolling, which waits a fixed 8 s after any failure and
// retries for ever. Poller instead
//
//   - waits after each failure (an empty answer that came back within a
//     quarter of the poll timeout included), with exponential backoff and
//     jitter, 1 s to 30 s, or the retry_after of a 429, at most an hour,
//     and stops waiting as soon as its context ends;
//   - stops on 401 (the token was revoked) and 409 (a webhook is set, or
//     another instance polls), which waiting does not cure: the channel
//     closes and [Poller.Err] tells why;
//   - logs every failure to the bot's logger as a [*PollError], with the
//     bot token masked even when the bot holds the real one;
//   - logs and skips an update telego cannot parse: UpdatesViaLongPolling
//     fails the whole answer on it, again and again, and the bot receives
//     nothing more. An update the offset confirmed already, sent again, is
//     logged and skipped: it is handled once.
//
// A Poller runs one Updates at a time; a Poller that stopped on its own
// (401, 409) is not reused.
type Poller struct {
	bot     *telego.Bot
	caller  ta.Caller
	timeout time.Duration
	allowed []string

	mu  sync.Mutex
	err error

	// offset confirms the updates handed on, and those skipped. An update
	// fetched but not handed on when ctx ends stays unconfirmed: the Bot
	// API sends it again to the next poll.
	offset int
}

// PollerOption configures a [Poller].
type PollerOption func(*Poller)

// WithPollTimeout sets the long-poll timeout of getUpdates, in whole
// seconds (the Bot API's unit), at least 1 s: a Poller does not short-poll.
// The default is 8 s, telego's. The client's own timeout must be longer.
func WithPollTimeout(d time.Duration) PollerOption {
	return func(p *Poller) { p.timeout = max(d.Truncate(time.Second), time.Second) }
}

// WithAllowedUpdates sets the allowed_updates of getUpdates: the update
// kinds to receive ("message", "callback_query", ...). The default, none,
// means those the Bot API sends by default.
func WithAllowedUpdates(kinds ...string) PollerOption {
	return func(p *Poller) { p.allowed = kinds }
}

// NewPoller returns a Poller that sends getUpdates for bot with client,
// the one given to [WithClient], to the Bot API server of bot.
func NewPoller(bot *telego.Bot, client *http.Client, opts ...PollerOption) *Poller {
	if client == nil {
		client = http.DefaultClient
	}
	p := &Poller{bot: bot, caller: caller{ta.HTTPCaller{Client: client}}, timeout: 8 * time.Second}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Err returns why the channel of Updates closed on its own: a [*PollError]
// with Stopped set; nil when it closed because ctx ended. Call it once the
// channel is closed.
func (p *Poller) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.err
}

// PollError is a failed getUpdates, as a [Poller] logs it.
type PollError struct {
	// Code is the Bot API's error_code; 0 when no answer came, or none
	// telego could decode (the HTTP caller of telego reports a 5xx answer
	// without reading it).
	Code int
	// Description is the Bot API's description of the error, or what was
	// wrong with the answer, the bot token masked.
	Description string
	// RetryAfter is the wait a 429 asked for, as the Poller waits it.
	RetryAfter time.Duration
	// Stopped is set on a 401 or a 409: the Poller stopped polling.
	Stopped bool
}

func (e *PollError) Error() string {
	var b strings.Builder
	b.WriteString("telegometrics: getUpdates failed")
	if e.Code != 0 {
		fmt.Fprintf(&b, " (%d)", e.Code)
	}
	b.WriteString(": ")
	b.WriteString(e.Description)
	switch {
	case e.Stopped:
		b.WriteString("; ")
		b.WriteString(polling.StopReason(e.Code))
	case e.RetryAfter > 0:
		fmt.Fprintf(&b, "; retrying after %v, as asked", e.RetryAfter)
	}
	return b.String()
}

// Updates polls until ctx ends or the Bot API answers 401 or 409, and
// sends the updates, each with ctx as telego's own polling does, to the
// channel it returns, which it closes at the end. Hand the channel to
// th.NewBotHandler.
func (p *Poller) Updates(ctx context.Context) <-chan telego.Update {
	out := make(chan telego.Update)
	go func() {
		defer close(out)
		var retry polling.Retry
		for ctx.Err() == nil {
			updates, f := p.getUpdates(ctx)
			if ctx.Err() != nil {
				return
			}
			if f != nil {
				p.bot.Logger().Errorf("%s", f)
				if f.Stopped {
					p.mu.Lock()
					p.err = f
					p.mu.Unlock()
					return
				}
				polling.Sleep(ctx.Done(), retry.Failed(f.RetryAfter))
				continue
			}
			retry.Succeeded()
			for _, u := range updates {
				if u.parsed {
					select {
					case out <- u.WithContext(ctx):
					case <-ctx.Done():
						return
					}
				}
				p.offset = max(p.offset, u.UpdateID+1)
			}
		}
	}()
	return out
}

// fetched is an update of a getUpdates answer, parsed unless telego
// cannot parse it (then only its UpdateID is set).
type fetched struct {
	telego.Update
	parsed bool
}

// getUpdates sends one getUpdates and returns the new updates, those
// telego cannot parse logged.
func (p *Poller) getUpdates(ctx context.Context) ([]fetched, *PollError) {
	mask := bottoken.NewMasker(p.bot.Token())
	fail := func(code int, what string) *PollError {
		return &PollError{Code: code, Description: bottoken.Redact(mask.MaskString(what))}
	}
	offset := p.offset
	data, err := ta.DefaultConstructor{}.JSONRequest(&telego.GetUpdatesParams{
		Offset: offset, Timeout: int(p.timeout / time.Second), AllowedUpdates: p.allowed,
	})
	if err != nil {
		return nil, fail(0, err.Error())
	}
	start := time.Now()
	resp, err := p.caller.Call(ctx, methodURL(p.bot, "getUpdates"), data)
	if err != nil {
		return nil, fail(0, err.Error())
	}
	if !resp.Ok {
		if resp.Error == nil {
			return nil, fail(0, `the answer is not a Bot API answer: "ok" is false without an error`)
		}
		f := fail(resp.ErrorCode, resp.Description)
		f.Stopped = polling.StopReason(resp.ErrorCode) != ""
		if resp.ErrorCode == http.StatusTooManyRequests && resp.Parameters != nil {
			f.RetryAfter = polling.RetryAfter(float64(resp.Parameters.RetryAfter))
		}
		return nil, f
	}
	raws, ids, err := polling.Split(resp.Result)
	if err != nil {
		return nil, fail(0, "the answer is not a Bot API answer: "+err.Error())
	}
	stale := 0
	for _, id := range ids {
		if polling.Confirmed(id, offset) {
			stale++
		}
	}
	if polling.EarlyEmpty(len(raws)-stale, time.Since(start), p.timeout) {
		return nil, fail(0, fmt.Sprintf("answered at once with no new updates (%d confirmed already), though asked to wait up to %v: the Bot API, or a proxy in front of it, does not hold long polls", stale, p.timeout))
	}
	if stale > 0 {
		p.bot.Logger().Errorf("%s", fail(0, fmt.Sprintf("%d updates skipped: confirmed already (update_id below the offset %d)", stale, offset)))
	}
	updates := make([]fetched, 0, len(raws))
	for i, raw := range raws {
		if polling.Confirmed(ids[i], offset) {
			continue
		}
		u, err := ParseUpdate(raw)
		if err != nil {
			p.bot.Logger().Errorf("%s", fail(0, fmt.Sprintf("update %d skipped: %v", ids[i], err)))
		}
		u.UpdateID = ids[i]
		updates = append(updates, fetched{u, err == nil})
	}
	return updates, nil
}

// ParseUpdate parses an update, as the Bot API sends it to getUpdates and
// to webhooks, into telego's type. An update that telego's routing would
// panic on, outside any handler, is an error too: telego clones the update
// for each route's predicates and panics when it cannot (a chat member
// without a known status, say). The Poller parses updates with it; use it
// for webhook requests too.
func ParseUpdate(data []byte) (u telego.Update, err error) {
	defer func() {
		if r := recover(); r != nil {
			u, err = telego.Update{}, fmt.Errorf("telegometrics: telego cannot parse the update: it panicked: %v", r)
		}
	}()
	if err := json.Unmarshal(data, &u); err != nil {
		return telego.Update{}, fmt.Errorf("telegometrics: telego cannot parse the update: %w", err)
	}
	if _, err := u.CloneSafe(); err != nil {
		return telego.Update{}, fmt.Errorf("telegometrics: telego cannot route the update: %w", err)
	}
	return u, nil
}

// methodURL is the URL telego calls method at for bot: telego does not
// tell its Bot API server, its file download URL does.
func methodURL(bot *telego.Bot, method string) string {
	token := bot.Token()
	file := bot.FileDownloadURL("") // <server>/file/bot<token>/, "test/" after it with WithTestServerPath
	segment := "/file/bot" + token + "/"
	i := strings.LastIndex(file, segment)
	return file[:i] + "/bot" + token + "/" + file[i+len(segment):] + method
}
