package telegometrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mymmrac/telego"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/option"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// pkg names the package in the errors of NewPoller and its options.
const pkg = "telegometrics"

// defaultPollTimeout is the long-poll timeout of telego's own polling,
// and of a Poller without WithPollTimeout.
const defaultPollTimeout = 8 * time.Second

// Poller long-polls getUpdates for a telego bot, in place of
// UpdatesViaLongPolling (see docs/telego.md for what that one does wrong).
// It waits after each failure, with exponential backoff and jitter
// ([telegram.MinBackoff] to [telegram.MaxBackoff]), or the retry_after of a
// 429 (at most [telegram.MaxRetryAfter]), and stops waiting as soon as its
// context ends; stops on 401 and 409; logs every failure, a
// [*telegram.PollError] with the bot token masked, to the bot's logger;
// and logs and skips the updates [ParseUpdate] rejects and those the
// offset confirmed already.
//
// A Poller runs one Updates at a time.
type Poller struct {
	client *http.Client
	opts   polling.Config // what WithPollTimeout and WithAllowedUpdates set

	state polling.State

	// offset confirms the updates handed on, and those skipped. An update
	// fetched but not handed on when ctx ends stays unconfirmed: the Bot
	// API sends it again to the next poll.
	offset int
}

// PollerOption configures a [Poller].
type PollerOption func(*Poller) error

// WithPollTimeout sets the long-poll timeout of getUpdates, in whole
// seconds (the Bot API's unit), at least 1 s: a Poller does not short-poll.
// The default is 8 s, telego's own. A getUpdates not answered 10 s after
// the poll timeout fails; the client's own timeout, if any, must be longer
// than both. A negative d is an error.
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

// NewPoller returns a Poller that sends getUpdates with client, the one
// given to [WithClient] (or, for a bot that holds the real token, any
// client), to the Bot API server of the bot it polls for.
func NewPoller(client *http.Client, opts ...PollerOption) (*Poller, error) {
	if client == nil {
		return nil, errors.New("telegometrics: NewPoller with a nil *http.Client: want the bot's, the one given to WithClient")
	}
	p := &Poller{client: client, opts: polling.Config{Timeout: defaultPollTimeout}}
	if err := option.Apply(pkg+": NewPoller", p, opts); err != nil {
		return nil, err
	}
	return p, nil
}

// Err returns the *telegram.PollError the channel of the last Updates
// closed on by itself (a 401 or a 409); nil while it is open, and when it
// closed because ctx ended.
func (p *Poller) Err() error { return p.state.Err() }

// Ready returns nil while the channel of Updates is fed and the bot can
// take updates, else why not: Updates has not been called, its context
// ended (from that moment, while the updates handed on are handled), it
// stopped on a 401 or 409, or [telegram.UnreadyAfter] getUpdates in a row
// failed. It suits metrics.WithReadiness; the error holds no bot token.
func (p *Poller) Ready() error { return p.state.Ready() }

// Updates polls for bot until ctx ends or the Bot API answers 401 or 409,
// and sends the updates, each with ctx as telego's own polling does, to
// the channel it returns, which it closes at the end. Hand the channel to
// th.NewBotHandler.
func (p *Poller) Updates(ctx context.Context, bot *telego.Bot) <-chan telego.Update {
	out := make(chan telego.Update)
	if bot == nil {
		p.state.Refuse(&telegram.PollError{Description: "telegometrics: Poller.Updates with a nil *telego.Bot: want the bot from telego.NewBot"})
		close(out)
		return out
	}
	p.state.Start(ctx.Done())
	go func() {
		defer close(out)
		defer p.state.End()
		polling.Run(ctx, polling.Loop[telego.Update]{
			Client: p.client, URL: forHTTPClient(methodURL(bot, "getUpdates")), Masker: bottoken.NewMasker(bot.Token()),
			Config: p.opts, State: &p.state, Offset: &p.offset, Parse: ParseUpdate,
			Hand: func(ctx context.Context, u telego.Update, _ json.RawMessage) bool {
				return polling.Send(ctx, out, u.WithContext(ctx))
			},
			Report: func(f *telegram.PollError, _ time.Duration) { bot.Logger().Errorf("%s", f) },
		})
	}()
	return out
}

// ParseUpdate parses an update, as the Bot API sends it to getUpdates and
// to webhooks, into telego's type. An update that telego's routing would
// panic on, outside any handler, is an error too: telego clones the update
// for each route's predicates and panics when it cannot (a chat member
// without a known status, say). The Poller parses updates with it; use it
// for webhook requests too.
func ParseUpdate(data []byte) (telego.Update, error) {
	return polling.Decode(pkg, "telego", data, func(u *telego.Update) error {
		if _, err := u.CloneSafe(); err != nil {
			return fmt.Errorf("telegometrics: telego cannot route the update: %w", err)
		}
		return nil
	})
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
