package telebotmetrics

import (
	"net/http"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/telegram/internal/polling"
	"github.com/genapp-go/genapp/telegram/internal/telebotcore"
)

// Backoff of a [Poller] after a failed getUpdates: the first wait is
// between MinBackoff/2 and MinBackoff, each further one in a row twice as
// long, at most MaxBackoff.
const (
	MinBackoff = polling.MinBackoff
	MaxBackoff = polling.MaxBackoff
)

// MaxRetryAfter caps the retry_after of a 429 that a [Poller] waits.
const MaxRetryAfter = polling.MaxRetryAfter

// Poller is a telebot Poller (getUpdates long polling) for a Bot API that
// fails. telebot v3's LongPoller retries a failed getUpdates at once and
// silently: a Bot API answering 401 (token revoked), 409 (a webhook is set,
// or another instance polls), 429 or 502 gets thousands of requests a
// second. Poller instead
//
//   - waits after each failure (an empty answer that came back within a
//     quarter of the poll timeout included), with exponential backoff and jitter
//     ([MinBackoff] to [MaxBackoff]), or the retry_after of a 429 (a number
//     or a numeric string, at least 1 s and at most [MaxRetryAfter]);
//   - stops on 401 and 409, which waiting does not cure: Poll returns and
//     [Poller.Err] tells why;
//   - hands every failure to the bot's OnError as a [*PollError];
//   - survives what the Bot API sends. It parses the answer itself:
//     telebot v3.3.8 panics, on the poller's goroutine, on an error answer
//     whose retry_after is not a number (extractOk in its api.go asserts
//     retryAfter.(float64); see also tucnak/telebot#517), and on an update
//     with "photo":[] (Photo.UnmarshalJSON takes the last of no sizes).
//     Here the first is a 429 like any other, and an update telebot cannot
//     parse is reported and skipped, so that it neither ends the process
//     nor blocks the updates after it. An update the offset confirmed
//     already, sent again, is reported and skipped: it is handled once.
//
// A request in flight is cancelled when stop is closed, and the updates
// not yet handed on stay unconfirmed, for the next Poll. Poller sends
// getUpdates itself, with the client it is given (give it the bot's), to
// the bot's URL with the bot's token; the token never appears in its
// errors.
//
// A Poller runs one Poll at a time. Polling again after stop was closed
// goes on from the offset reached; a Poller that stopped on its own
// (401, 409) is not reused.
type Poller struct {
	core telebotcore.Poller[tele.Update]
}

// PollerOption configures a [Poller].
type PollerOption func(*Poller)

// WithPollTimeout sets the long-poll timeout of getUpdates, in whole
// seconds (the Bot API's unit), at least 1 s: a Poller does not short-poll.
// The default is 10 s. The client's own timeout must be longer.
func WithPollTimeout(d time.Duration) PollerOption {
	return func(p *Poller) { p.core.Timeout = max(d.Truncate(time.Second), time.Second) }
}

// WithAllowedUpdates sets the allowed_updates of getUpdates: the update
// kinds to receive ("message", "callback_query", ...). The default, none,
// means those the Bot API sends by default.
func WithAllowedUpdates(kinds ...string) PollerOption {
	return func(p *Poller) { p.core.Allowed = kinds }
}

// NewPoller returns a Poller that sends getUpdates with client, the one
// the bot was given in tele.Settings.Client (nil means
// [http.DefaultClient], as for telebot).
func NewPoller(client *http.Client, opts ...PollerOption) *Poller {
	if client == nil {
		client = http.DefaultClient
	}
	p := &Poller{core: telebotcore.Poller[tele.Update]{Client: client, Timeout: 10 * time.Second}}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Err returns why Poll returned on its own: a [*PollError] with Stopped
// set; nil when Poll returned because stop was closed. Call it once Poll
// has returned.
func (p *Poller) Err() error { return p.core.Err() }

// Poll implements tele.Poller: it sends the updates of b to dest until stop
// is closed or the Bot API answers 401 or 409.
func (p *Poller) Poll(b *tele.Bot, dest chan tele.Update, stop chan struct{}) {
	onError := func(err error) { b.OnError(err, nil) }
	p.core.Poll(telebotcore.Bot[tele.Update]{URL: b.URL, Token: b.Token, OnError: onError, Parse: ParseUpdate}, dest, stop)
}

// ParseUpdate parses an update, as the Bot API sends it to getUpdates and
// to webhooks, into telebot's type, with telebot's panics turned into
// errors: telebot v3.3.8's Photo.UnmarshalJSON takes the last of the sizes
// of "photo":[] and panics, which json.Unmarshal passes on. A message
// without a chat is an error too: ProcessUpdate panics, outside any
// handler, on one with migrate_to_chat_id. The Poller
// parses updates with it; use it for webhook requests too.
func ParseUpdate(data []byte) (tele.Update, error) {
	return telebotcore.ParseUpdate("telebotmetrics", data, func(u *tele.Update) bool {
		// The Bot API always sends a message's chat; telebot v3.3.8's
		// ProcessUpdate takes its ID, outside any handler, on a message with
		// migrate_to_chat_id, and handlers take it on any message.
		for _, m := range []*tele.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
			if m != nil && m.Chat == nil {
				return true
			}
		}
		return false
	})
}

var _ tele.Poller = (*Poller)(nil)
