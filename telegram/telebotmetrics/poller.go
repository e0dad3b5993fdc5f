package telebotmetrics

import (
	"net/http"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/telebotcore"
)

// pkg names the package in the errors of NewPoller and its options.
const pkg = "telebotmetrics"

// Poller is a tele.Poller (getUpdates long polling) for a Bot API that
// fails, where telebot's LongPoller retries at once and silently: it backs
// off (telegram.MinBackoff to telegram.MaxBackoff) or waits a 429's
// retry_after, stops on 401 and 409 ([Poller.Err] tells why), reports
// every failure to the bot's OnError as a *telegram.PollError, and
// reports and skips the updates telebot cannot parse ([ParseUpdate]) and
// those the offset confirmed already. Closing stop cancels the request in
// flight; the updates not handed on yet stay unconfirmed, for the next
// Poll. It polls the bot's URL with the bot's token, which no error holds.
type Poller struct {
	core *telebotcore.Poller[tele.Update]
}

// PollerOption configures a [Poller].
type PollerOption func(*Poller) error

// WithPollTimeout sets the long-poll timeout of getUpdates, in whole
// seconds (the Bot API's unit), at least 1 s: a Poller does not short-poll.
// The default is 10 s. A getUpdates not answered 10 s after the poll
// timeout fails; the client's own timeout, if any, must be longer than
// both. A negative d is an error.
func WithPollTimeout(d time.Duration) PollerOption {
	return func(p *Poller) error { return p.core.SetTimeout(pkg, d) }
}

// WithAllowedUpdates sets the allowed_updates of getUpdates, the update
// types the Bot API sends. Without this option the field is left out and
// the Bot API keeps the list it was given before (by an earlier getUpdates
// or setWebhook); with no types it is [], the Bot API's default types (all
// but chat_member, message_reaction and message_reaction_count); with
// types, those. A type not in [telegram.UpdateTypes] is an error.
func WithAllowedUpdates(types ...telegram.UpdateType) PollerOption {
	return func(p *Poller) error { return p.core.SetAllowed(pkg, types) }
}

// NewPoller returns a Poller that sends getUpdates with client, the bot's
// tele.Settings.Client. A nil client or option is an error.
func NewPoller(client *http.Client, opts ...PollerOption) (*Poller, error) {
	return telebotcore.NewPoller(pkg, client, func(core *telebotcore.Poller[tele.Update]) *Poller { return &Poller{core} }, opts)
}

// Err returns the *telegram.PollError polling stopped on by itself; nil
// while it runs, and when stop ended it.
func (p *Poller) Err() error { return p.core.Err() }

// Ready returns nil while Poll polls and the bot can take updates, else
// why not: Poll has not started, stop was closed (from that moment, while
// the updates handed on are handled), it stopped on a 401 or 409, or
// [telegram.UnreadyAfter] getUpdates in a row failed. It suits
// metrics.WithReadiness; the error holds no bot token.
func (p *Poller) Ready() error { return p.core.Ready() }

// Poll implements tele.Poller: it sends the updates of b to dest until stop
// is closed or the Bot API answers 401 or 409.
func (p *Poller) Poll(b *tele.Bot, dest chan tele.Update, stop chan struct{}) {
	p.poll(b, telebotcore.Send(dest), stop)
}

func (p *Poller) poll(b *tele.Bot, hand telebotcore.Hand[tele.Update], stop chan struct{}) {
	p.core.Poll(telebotcore.BotOf(b.URL, b.Token, b.OnError, ParseUpdate), hand, stop)
}

// ParseUpdate parses an update, from getUpdates or a webhook request, into
// telebot's type. What makes telebot v3 panic is an error: "photo":[] in
// json.Unmarshal, and a message without a chat, which the Bot API always
// sends and on which ProcessUpdate and handlers panic.
func ParseUpdate(data []byte) (tele.Update, error) {
	return telebotcore.ParseUpdate(pkg, data, func(u *tele.Update) bool {
		for _, m := range []*tele.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
			if m != nil && m.Chat == nil {
				return true
			}
		}
		return false
	})
}

var _ tele.Poller = (*Poller)(nil)
