package telebotmetrics

import (
	"net/http"
	"time"

	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/telegram/internal/polling"
	"github.com/genapp-go/genapp/telegram/internal/telebotcore"
)

// Backoff of a [Poller] after a failed getUpdates: the first wait is
// between MinBackoff/2 and MinBackoff, each further one in a row twice as
// long, at most MaxBackoff. A 429's retry_after is waited instead, at most
// MaxRetryAfter.
const (
	MinBackoff    = polling.MinBackoff
	MaxBackoff    = polling.MaxBackoff
	MaxRetryAfter = polling.MaxRetryAfter
)

// Poller is a telebot Poller (getUpdates long polling) for a Bot API that
// fails. telebot v4.0.0-beta.10's LongPoller, like v3's, sends the next
// getUpdates as soon as one failed, and tells OnError nothing: a Bot API
// answering 401, 409, 429 or 502 gets thousands of requests a second.
// Poller, the same as telebotmetrics's, waits after each failure (backoff with
// jitter, or the 429's retry_after), stops on 401 and 409 ([Poller.Err]
// tells why), hands every failure to OnError as a [*PollError], and
// reports and skips what makes telebot v4 panic: a retry_after that is not
// a number (bot_raw.go asserts float64), an update with "photo":[]
// (Photo.UnmarshalJSON), a message without a chat; and updates the offset
// confirmed already. Closing stop cancels the request in flight; the
// updates not yet handed on stay unconfirmed, for the next Poll.
// The token never appears in its errors.
type Poller struct {
	core telebotcore.Poller[tele.Update]
}

// PollerOption configures a [Poller].
type PollerOption func(*Poller)

// WithPollTimeout sets the getUpdates long-poll timeout, whole seconds, at
// least 1 s (default 10 s); the client's own timeout must be longer.
func WithPollTimeout(d time.Duration) PollerOption {
	return func(p *Poller) { p.core.Timeout = max(d.Truncate(time.Second), time.Second) }
}

// WithAllowedUpdates sets the allowed_updates of getUpdates; by default
// the Bot API sends its default kinds.
func WithAllowedUpdates(kinds ...string) PollerOption {
	return func(p *Poller) { p.core.Allowed = kinds }
}

// NewPoller returns a Poller that sends getUpdates with client, the bot's
// tele.Settings.Client; nil means [http.DefaultClient].
func NewPoller(client *http.Client, opts ...PollerOption) *Poller {
	p := &Poller{core: telebotcore.Poller[tele.Update]{Client: client, Timeout: 10 * time.Second}}
	if client == nil {
		p.core.Client = http.DefaultClient
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Err returns, once Poll has returned, the [*PollError] it stopped on by
// itself, or nil when stop ended it.
func (p *Poller) Err() error { return p.core.Err() }

// Poll implements tele.Poller: it sends the updates of b to dest until stop
// is closed or the Bot API answers 401 or 409.
func (p *Poller) Poll(b *tele.Bot, dest chan tele.Update, stop chan struct{}) {
	p.core.Poll(telebotcore.Bot[tele.Update]{
		URL: b.URL, Token: b.Token, Parse: ParseUpdate,
		OnError: func(err error) { b.OnError(err, nil) },
	}, dest, stop)
}

// ParseUpdate parses an update, from getUpdates or a webhook request, into
// telebot's type, with what makes telebot v4 panic as an error: "photo":[]
// in json.Unmarshal, and a message without a chat, which the Bot API
// always sends and on which ProcessUpdate and handlers panic.
func ParseUpdate(data []byte) (tele.Update, error) {
	return telebotcore.ParseUpdate("telebotmetrics/v4", data, func(u *tele.Update) bool {
		for _, m := range []*tele.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost,
			u.BusinessMessage, u.EditedBusinessMessage, u.GuestMessage} {
			if m != nil && m.Chat == nil {
				return true
			}
		}
		return false
	})
}

var _ tele.Poller = (*Poller)(nil)
