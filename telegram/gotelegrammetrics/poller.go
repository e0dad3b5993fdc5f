package gotelegrammetrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/option"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// pkg names the package in the errors of NewPoller and its options.
const pkg = "gotelegrammetrics"

// Poller long-polls getUpdates and hands the updates to a bot's
// ProcessUpdate, in place of b.Start (see docs/gotelegram.md for what
// b.Start does wrong). It waits after each failure, with exponential
// backoff and jitter ([telegram.MinBackoff] to [telegram.MaxBackoff]), or
// the retry_after of a 429 (at most [telegram.MaxRetryAfter]); stops on
// 401 and 409; reports every failure, a [*telegram.PollError], to its
// errors handler; and skips, reporting them, the updates [ParseUpdate]
// rejects and those the offset confirmed already. Handlers get a context
// that the end of Run's does not cancel: wait for them with
// [Tracker.Wait].
//
// A Poller runs one Run at a time.
type Poller struct {
	client  *http.Client
	url     string
	opts    polling.Config // what WithPollTimeout and WithAllowedUpdates set
	onError bot.ErrorsHandler

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

// WithErrorsHandler hands every failure of the Poller, a
// [*telegram.PollError], to h instead of the standard logger (where
// go-telegram/bot logs its own by default). No failure holds the bot
// token.
func WithErrorsHandler(h bot.ErrorsHandler) PollerOption {
	return func(p *Poller) error {
		if h == nil {
			return errors.New("gotelegrammetrics: WithErrorsHandler(nil): want a handler")
		}
		p.onError = h
		return nil
	}
}

// WithAPIURL sets the Bot API server the Poller calls: the URL given to
// bot.WithServerURL, which the bot does not tell. The default is
// https://api.telegram.org.
func WithAPIURL(apiURL string) PollerOption {
	return func(p *Poller) error {
		u, err := url.Parse(apiURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || holdsToken(apiURL) {
			return fmt.Errorf("gotelegrammetrics: WithAPIURL(%q): want the http or https URL of the server, such as https://api.telegram.org, without the bot token", bottoken.Redact(apiURL))
		}
		p.url = strings.TrimSuffix(apiURL, "/")
		return nil
	}
}

// holdsToken reports whether s holds a token-shaped string.
func holdsToken(s string) bool {
	for i := range len(s) {
		if (i == 0 || s[i-1] < '0' || s[i-1] > '9') && bottoken.Len(s[i:]) > 0 {
			return true
		}
	}
	return false
}

// NewPoller returns a Poller that sends getUpdates with client: the one
// the bot was given with bot.WithHTTPClient.
func NewPoller(client *http.Client, opts ...PollerOption) (*Poller, error) {
	if client == nil {
		return nil, errors.New("gotelegrammetrics: NewPoller with a nil *http.Client: want the bot's, such as httpclient.NewTelegram's")
	}
	p := &Poller{
		client:  client,
		url:     "https://api.telegram.org",
		opts:    polling.Config{Timeout: polling.DefaultTimeout},
		onError: func(err error) { log.Printf("[TGBOT] [ERROR] %v", err) },
	}
	if err := option.Apply(pkg+": NewPoller", p, opts); err != nil {
		return nil, err
	}
	return p, nil
}

// Run polls getUpdates for b and hands each update to b.ProcessUpdate
// until ctx ends (nil) or the Bot API answers 401 or 409 (a
// *telegram.PollError with Stopped set, which [Poller.Err] returns too).
// With a nil b it returns a *telegram.PollError at once.
// When ctx ends, the getUpdates in flight is cancelled and its updates
// stay unconfirmed: the Bot API sends them again to the next run.
func (p *Poller) Run(ctx context.Context, b *bot.Bot) error {
	if b == nil {
		err := &telegram.PollError{Description: "gotelegrammetrics: Poller.Run with a nil *bot.Bot: want the bot from bot.New"}
		p.state.Refuse(err)
		return err
	}
	p.state.Start(ctx.Done())
	defer p.state.End()
	handlers := context.WithoutCancel(ctx)
	return polling.Run(ctx, polling.Loop[*models.Update]{
		Client: p.client, URL: p.url + "/bot" + b.Token() + "/getUpdates", Masker: bottoken.NewMasker(b.Token()),
		Config: p.opts, State: &p.state, Offset: &p.offset, Parse: ParseUpdate,
		Hand: func(ctx context.Context, u *models.Update, _ json.RawMessage) bool {
			if ctx.Err() != nil { // left unconfirmed, as the rest of the answer
				return false
			}
			b.ProcessUpdate(handlers, u)
			return true
		},
		Report: func(f *telegram.PollError, _ time.Duration) { p.onError(f) },
	})
}

// Err returns the *telegram.PollError the last Run stopped on; nil while
// it runs, and after it returned because its context ended.
func (p *Poller) Err() error { return p.state.Err() }

// Ready returns nil while Run polls and the bot can take updates, else
// why not: Run has not started, its context ended (from that moment, while
// the handlers in flight finish), it stopped on a 401 or 409, or
// [telegram.UnreadyAfter] getUpdates in a row failed. It suits
// metrics.WithReadiness; the error holds no bot token.
func (p *Poller) Ready() error { return p.state.Ready() }

// ParseUpdate parses an update, as the Bot API sends it to getUpdates and
// to webhooks, into go-telegram/bot's type, and rejects one the bot would
// panic on: go-telegram/bot slices a message's text (or caption) at the
// offsets of its bot_command entities to match command handlers, outside
// any handler, and panics on offsets outside the text, which the Bot API
// never sends. The [Poller] parses updates with it; use it for webhook
// requests too.
func ParseUpdate(data []byte) (*models.Update, error) {
	u, err := polling.Decode(pkg, "go-telegram/bot", data, func(u *models.Update) error {
		if m := u.Message; m != nil {
			if err := checkCommands(m.Text, m.Entities); err != nil {
				return err
			}
			return checkCommands(m.Caption, m.CaptionEntities)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &u, nil
}

// checkCommands returns an error when a bot_command entity does not cover
// 1 or more bytes of text, which go-telegram/bot's matching assumes.
func checkCommands(text string, entities []models.MessageEntity) error {
	for _, e := range entities {
		if e.Type == models.MessageEntityTypeBotCommand && (e.Offset < 0 || e.Length < 1 || e.Offset+e.Length > len(text) || e.Offset+e.Length < e.Offset) {
			return fmt.Errorf("gotelegrammetrics: the update holds a bot_command entity at %d, %d long, outside its text of %d bytes: go-telegram/bot panics on it", e.Offset, e.Length, len(text))
		}
	}
	return nil
}
