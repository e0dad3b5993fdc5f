package gotelegrammetrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log"
	"net/http"
	"strings"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/polling"
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

// Poller long-polls getUpdates and hands the updates to a bot's
// ProcessUpdate: it replaces b.Start, whose loop, in go-telegram/bot
// v1.19.0,
//
//   - ignores the retry_after of a 429 and retries every failure within 5 s,
//     for ever, a revoked token (401) and a conflict (409: a webhook is
//     set, or another instance polls) included;
//   - decodes a whole answer at once: one update it cannot decode fails
//     the answer, which comes back the same, and the bot receives nothing
//     more, ever;
//   - takes a command entity's offsets as they come, and panics, ending
//     the process, on one that lies outside the text;
//   - moves its offset to the last update received, backwards too, so that
//     an API sending old updates again has them handled again;
//   - when stopped, drops the updates it received but has not handled,
//     which the offset confirmed already, and does not wait for handlers
//     (go-telegram/bot#149, #239).
//
// A Poller instead waits after each failure (an empty answer that came
// back within a quarter of the poll timeout included), with exponential
// backoff and jitter ([MinBackoff] to [MaxBackoff]), or the retry_after of a
// 429 (at least 1 s, at most [MaxRetryAfter]); stops on 401 and 409, with a
// [*PollError] saying why; reports every failure to its error handler;
// skips, reporting them, updates it cannot parse (see [ParseUpdate]) and
// updates the offset confirmed already. When ctx ends it stops at once,
// cancelling the getUpdates in flight, whose updates are then left
// unconfirmed: the Bot API sends them again to the next run. The handlers
// it started are given a context that ctx's end does not cancel, so that
// their replies go out: wait for them with [Tracker.Wait].
//
// A Poller runs one Run at a time.
type Poller struct {
	client  bot.HttpClient
	url     string
	timeout time.Duration
	allowed []string
	onError bot.ErrorsHandler

	offset int64
}

// PollerOption configures a [Poller].
type PollerOption func(*Poller)

// WithPollTimeout sets the long-poll timeout of getUpdates, in whole
// seconds (the Bot API's unit), at least 1 s: a Poller does not short-poll.
// The default is 10 s. The client's own timeout must be longer.
func WithPollTimeout(d time.Duration) PollerOption {
	return func(p *Poller) { p.timeout = max(d.Truncate(time.Second), time.Second) }
}

// WithAllowedUpdates sets the allowed_updates of getUpdates: the update
// kinds to receive ("message", "callback_query", ...). The default, none,
// means those the Bot API sends by default.
func WithAllowedUpdates(kinds ...string) PollerOption {
	return func(p *Poller) { p.allowed = kinds }
}

// WithErrorsHandler hands every failure of the Poller, a [*PollError], to
// h instead of the standard logger (which is where go-telegram/bot logs
// its own by default). No failure holds the bot token.
func WithErrorsHandler(h bot.ErrorsHandler) PollerOption {
	return func(p *Poller) { p.onError = h }
}

// NewPoller returns a Poller that sends getUpdates with client to the Bot
// API at serverURL: the client and URL the bot was given with
// bot.WithHTTPClient and bot.WithServerURL ("https://api.telegram.org"
// when serverURL is empty; a nil client is [http.DefaultClient]).
func NewPoller(client bot.HttpClient, serverURL string, opts ...PollerOption) *Poller {
	if client == nil {
		client = http.DefaultClient
	}
	if serverURL == "" {
		serverURL = "https://api.telegram.org"
	}
	p := &Poller{
		client:  client,
		url:     strings.TrimSuffix(serverURL, "/"),
		timeout: 10 * time.Second,
		onError: func(err error) { log.Printf("[TGBOT] [ERROR] %v", err) },
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

// Run polls getUpdates for b and hands each update to b.ProcessUpdate
// until ctx ends (nil) or the Bot API answers 401 or 409 (a *PollError
// with Stopped set).
func (p *Poller) Run(ctx context.Context, b *bot.Bot) error {
	if b == nil {
		return errors.New("gotelegrammetrics: Poller.Run with a nil *bot.Bot: want the bot from bot.New")
	}
	handlers := context.WithoutCancel(ctx)
	mask := bottoken.NewMasker(b.Token())
	var retry polling.Retry
	for ctx.Err() == nil {
		updates, err := p.getUpdates(ctx, b.Token(), mask)
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
		for _, u := range updates {
			b.ProcessUpdate(handlers, u)
		}
	}
	return nil
}

// getUpdates sends one getUpdates and returns the updates it brought and
// the bot can take; the others are reported and skipped.
func (p *Poller) getUpdates(ctx context.Context, token string, m bottoken.Masker) ([]*models.Update, *telegram.PollError) {
	offset := p.offset + 1
	batch, f := polling.GetUpdates(ctx, p.client, polling.Request{URL: p.url + "/bot" + token + "/getUpdates", Offset: int(offset), Timeout: p.timeout, Allowed: p.allowed}, m)
	if f != nil {
		return nil, f
	}
	if batch.Stale > 0 {
		p.onError(polling.Fail(m, batch.Status, fmt.Sprintf("%d updates skipped: confirmed already (update_id below the offset %d)", batch.Stale, offset), nil))
	}
	updates := make([]*models.Update, 0, len(batch.Raws))
	for i, raw := range batch.Raws {
		p.offset = max(p.offset, int64(batch.IDs[i]))
		u, err := ParseUpdate(raw)
		if err != nil {
			p.onError(polling.Fail(m, batch.Status, fmt.Sprintf("update %d skipped", batch.IDs[i]), err))
			continue
		}
		updates = append(updates, u)
	}
	return updates, nil
}

// ParseUpdate parses an update, as the Bot API sends it to getUpdates and
// to webhooks, into go-telegram/bot's type, and rejects one the bot would
// panic on: go-telegram/bot v1.19.0 slices a message's text (or caption)
// at the offsets of its bot_command entities to match command handlers,
// outside any handler, and panics on offsets outside the text, which the
// Bot API never sends. The [Poller] parses updates with it; use it for
// webhook requests too.
func ParseUpdate(data []byte) (u *models.Update, err error) {
	defer func() {
		if r := recover(); r != nil {
			u, err = nil, fmt.Errorf("gotelegrammetrics: go-telegram/bot cannot parse the update: it panicked: %v", r)
		}
	}()
	u = new(models.Update)
	if err := json.Unmarshal(data, u); err != nil {
		return nil, fmt.Errorf("gotelegrammetrics: go-telegram/bot cannot parse the update: %w", err)
	}
	if m := u.Message; m != nil {
		if err := checkCommands(m.Text, m.Entities); err != nil {
			return nil, err
		}
		if err := checkCommands(m.Caption, m.CaptionEntities); err != nil {
			return nil, err
		}
	}
	return u, nil
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
