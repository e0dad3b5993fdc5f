package telebotmetrics

import (
	"fmt"
	"net/http"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/telebotcore"
)

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

// WithPollTimeout sets the long-poll timeout of getUpdates, whole seconds,
// at least 1 s (default 10 s); the client's own timeout must be longer.
func WithPollTimeout(d time.Duration) PollerOption {
	return func(p *Poller) error { return p.core.SetTimeout("telebotmetrics", d) }
}

// WithAllowedUpdates sets the allowed_updates of getUpdates; by default
// the Bot API sends its default types.
func WithAllowedUpdates(types ...telegram.UpdateType) PollerOption {
	return func(p *Poller) error { return p.core.SetAllowed("telebotmetrics", types) }
}

// NewPoller returns a Poller that sends getUpdates with client, the bot's
// tele.Settings.Client.
func NewPoller(client *http.Client, opts ...PollerOption) (*Poller, error) {
	core, err := telebotcore.NewPoller[tele.Update]("telebotmetrics", client)
	if err != nil {
		return nil, err
	}
	p := &Poller{core: core}
	for i, o := range opts {
		if o == nil {
			return nil, fmt.Errorf("telebotmetrics: NewPoller: option %d is nil", i)
		}
		if err := o(p); err != nil {
			return nil, err
		}
	}
	return p, nil
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
	p.core.Poll(telebotcore.Bot[tele.Update]{
		URL: b.URL, Token: b.Token, Parse: ParseUpdate,
		OnError: func(err error) { b.OnError(err, nil) },
	}, hand, stop)
}

// ParseUpdate parses an update, from getUpdates or a webhook request, into
// telebot's type. What makes telebot v3 panic is an error: "photo":[] in
// json.Unmarshal, and a message without a chat, which the Bot API always
// sends and on which ProcessUpdate and handlers panic.
func ParseUpdate(data []byte) (tele.Update, error) {
	return telebotcore.ParseUpdate("telebotmetrics", data, func(u *tele.Update) bool {
		for _, m := range []*tele.Message{u.Message, u.EditedMessage, u.ChannelPost, u.EditedChannelPost} {
			if m != nil && m.Chat == nil {
				return true
			}
		}
		return false
	})
}

var _ tele.Poller = (*Poller)(nil)
