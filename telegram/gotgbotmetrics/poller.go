package gotgbotmetrics

import (
	"context"
	"encoding/json"
	"errors"
	"log"
	"net/http"
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/option"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// pkg names the package in the errors of NewPoller and its options.
const pkg = "gotgbotmetrics"

// Poller long-polls getUpdates and hands the updates to a dispatcher, in
// place of ext.Updater.StartPolling: it backs off after a failure, waits
// the retry_after of a 429 and stops on 401 and 409 (the policy of
// [telegram.MinBackoff]), skips and reports the updates [ParseUpdate]
// rejects, and hands an update on at most once. A Poller runs one Poll at
// a time; polling again goes on from the offset reached.
type Poller struct {
	client  *http.Client
	opts    polling.Config // what WithPollTimeout and WithAllowedUpdates set
	onError ext.ErrorFunc

	offset int // the next getUpdates'
	state  polling.State
}

// PollerOption configures a [Poller].
type PollerOption func(*Poller) error

// WithPollTimeout sets the long-poll timeout of getUpdates, in whole
// seconds (the Bot API's unit), at least 1 s: a Poller does not short-poll.
// The default is 10 s. A getUpdates not answered 10 s after the poll
// timeout fails; the client's own timeout, if any, must be longer than
// both. A negative d is an error.
func WithPollTimeout(d time.Duration) PollerOption {
	return func(p *Poller) error { return p.opts.SetTimeout(pkg, d) }
}

// WithAllowedUpdates sets the allowed_updates of getUpdates, the update
// types the Bot API sends. Without this option the field is left out and
// the Bot API keeps the list it was given before (by an earlier getUpdates
// or setWebhook); with no types it is [], the Bot API's default types (all
// but chat_member, message_reaction and message_reaction_count); with
// types, those. A type not in [telegram.UpdateTypes] is an error.
func WithAllowedUpdates(types ...telegram.UpdateType) PollerOption {
	return func(p *Poller) error { return p.opts.SetAllowed(pkg, types) }
}

// WithErrorFunc hands every failure, a [*telegram.PollError], to f, as
// gotgbot's UpdaterOpts.UnhandledErrFunc; by default, or when f is nil,
// they are logged with the standard logger, as gotgbot's Updater does.
func WithErrorFunc(f ext.ErrorFunc) PollerOption {
	return func(p *Poller) error {
		if f != nil {
			p.onError = f
		}
		return nil
	}
}

// NewPoller returns a Poller that sends getUpdates with client: the
// *http.Client whose copy the bot's BaseBotClient holds, so that
// getUpdates goes through the same transport as the bot's own calls; the
// URL and token are the bot's, at each Poll.
func NewPoller(client *http.Client, opts ...PollerOption) (*Poller, error) {
	if client == nil {
		return nil, errors.New("gotgbotmetrics: NewPoller with a nil *http.Client: want the one the bot's BaseBotClient copies")
	}
	p := &Poller{client: client, opts: polling.Config{Timeout: polling.DefaultTimeout}, onError: func(err error) { log.Print(err) }}
	if err := option.Apply(pkg+": NewPoller", p, opts); err != nil {
		return nil, err
	}
	return p, nil
}

// Err returns the [*telegram.PollError] the last Poll stopped on by
// itself (a 401 or a 409); nil while it runs, and after ctx ended it.
func (p *Poller) Err() error { return p.state.Err() }

// Ready returns nil while Poll polls and the dispatcher can take updates,
// else why not: Poll has not started, its context ended (from that moment,
// while the handlers in flight finish), it stopped on a 401 or 409, or
// [telegram.UnreadyAfter] getUpdates in a row failed. It suits
// metrics.WithReadiness; the error holds no bot token.
func (p *Poller) Ready() error { return p.state.Ready() }

// Poll runs d (its Start) with the updates of getUpdates for b until ctx
// ends (nil; the getUpdates in flight is cancelled, and updates not handed
// on stay unconfirmed) or the Bot API answers 401 or 409 (the
// [*telegram.PollError], as [Poller.Err] returns it). It returns once
// d.Start has, so that d.Stop may follow: it waits for the handlers in
// flight.
func (p *Poller) Poll(ctx context.Context, b *gotgbot.Bot, d ext.UpdateDispatcher) error {
	switch {
	case b == nil:
		return errors.New("gotgbotmetrics: Poll with a nil *gotgbot.Bot: want the bot from gotgbot.NewBot")
	case d == nil:
		return errors.New("gotgbotmetrics: Poll with a nil dispatcher: want the one given to New")
	}
	url := gotgbot.DefaultAPIURL
	if b.BotClient != nil {
		url = b.GetAPIURL(nil)
	}
	url += "/bot" + b.Token
	if c, ok := b.BotClient.(*gotgbot.BaseBotClient); ok && c.UseTestEnvironment {
		url += "/test"
	}
	url += "/getUpdates"

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
	p.state.Start(ctx.Done())
	defer p.state.End()
	return polling.Run(ctx, polling.Loop[gotgbot.Update]{
		Client: p.client, URL: url, Masker: bottoken.NewMasker(b.Token),
		Config: p.opts, State: &p.state, Offset: &p.offset, Parse: ParseUpdate,
		Hand: func(ctx context.Context, _ gotgbot.Update, raw json.RawMessage) bool {
			return polling.Send(ctx, updates, raw)
		},
		Report: func(f *telegram.PollError, _ time.Duration) { p.onError(f) },
	})
}

// ParseUpdate parses one update, as getUpdates and webhooks send it, into
// gotgbot's type. It rejects what is no update, and the updates gotgbot's
// dispatcher would crash the process on: ext.NewContext, which
// Dispatcher.ProcessUpdate calls before its recover, panics on a
// chat_boost or removed_chat_boost without a source. The [Poller] parses
// every update with it; use it for webhook requests too.
func ParseUpdate(data []byte) (gotgbot.Update, error) {
	return polling.Decode(pkg, "gotgbot", data, func(u *gotgbot.Update) error {
		if c := u.ChatBoost; c != nil && c.Boost.Source == nil {
			return errors.New("gotgbotmetrics: the update's chat_boost has no boost.source: gotgbot's dispatcher panics on it, outside any handler")
		}
		if c := u.RemovedChatBoost; c != nil && c.Source == nil {
			return errors.New("gotgbotmetrics: the update's removed_chat_boost has no source: gotgbot's dispatcher panics on it, outside any handler")
		}
		ext.NewContext(&gotgbot.Bot{}, u, nil) // as the dispatcher does before its recover: a panic there ends the process
		return nil
	})
}
