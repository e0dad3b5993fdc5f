package tgbotapimetrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/option"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// defaultAPIURL is the Bot API server of tgbotapi.APIEndpoint.
const defaultAPIURL = "https://api.telegram.org"

// pkg names the package in the errors of NewPoller and its options.
const pkg = "tgbotapimetrics"

// Poller long-polls getUpdates for a [Router], in place of tgbotapi's
// GetUpdatesChan: it backs off after a failure, waits the retry_after of a
// 429 and stops on 401 and 409 (the policy of [telegram.MinBackoff]),
// skips and reports the updates [ParseUpdate] rejects, and hands an update
// on at most once. [Router.Poll] runs it, one Poll at a time; polling
// again goes on from the offset reached.
type Poller struct {
	client *http.Client
	url    string
	opts   polling.Config // what WithPollTimeout and WithAllowedUpdates set

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

// WithAPIURL sets the Bot API server, "https://api.telegram.org" by
// default: the one in the endpoint the BotAPI was given, which tgbotapi
// does not expose ("http://localhost:8081" for "http://localhost:8081/bot%s/%s").
func WithAPIURL(apiURL string) PollerOption {
	return func(p *Poller) error {
		u, err := url.Parse(apiURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || strings.Contains(apiURL, "%") {
			return fmt.Errorf("tgbotapimetrics: API URL %q: want the Bot API server's URL, such as %q, without tgbotapi's /bot%%s/%%s", bottoken.Redact(apiURL), defaultAPIURL)
		}
		p.url = strings.TrimSuffix(apiURL, "/")
		return nil
	}
}

// NewPoller returns a Poller that sends getUpdates with client, the one
// the BotAPI was given (tgbotapi.NewBotAPIWithClient), with the BotAPI's
// token, at each Poll.
func NewPoller(client *http.Client, opts ...PollerOption) (*Poller, error) {
	if client == nil {
		return nil, errors.New("tgbotapimetrics: NewPoller with a nil *http.Client: want the one the BotAPI was given")
	}
	p := &Poller{client: client, url: defaultAPIURL, opts: polling.Config{Timeout: polling.DefaultTimeout}}
	if err := option.Apply(pkg+": NewPoller", p, opts); err != nil {
		return nil, err
	}
	return p, nil
}

// Err returns the [*telegram.PollError] the last Poll stopped on by
// itself (a 401 or a 409); nil while it runs, and after ctx ended it.
func (p *Poller) Err() error { return p.state.Err() }

// Ready returns nil while [Router.Poll] polls with p and the router can
// take updates, else why not: Poll has not started, its context ended
// (from that moment, while the handlers in flight finish), it stopped on a
// 401 or 409, or [telegram.UnreadyAfter] getUpdates in a row failed. It
// suits metrics.WithReadiness; the error holds no bot token.
func (p *Poller) Ready() error { return p.state.Ready() }

// Poll handles the updates p fetches for api as [Router.Run] does, at most
// workers at a time, until ctx ends or the Bot API answers 401 or 409. It
// logs every failure, a [*telegram.PollError], to the router's logger, and
// returns what Run returns joined with the *telegram.PollError polling
// stopped on, if any. When ctx ends the getUpdates in flight is cancelled,
// and updates not handed to a worker stay unconfirmed: the Bot API sends
// them again to the next Poll. Unless [WithBotUsername] gave it, the router
// takes api's username (from getMe) as its own.
func (r *Router) Poll(ctx context.Context, api *tgbotapi.BotAPI, p *Poller, workers int) error {
	switch {
	case api == nil:
		return errors.New("tgbotapimetrics: Poll with a nil *tgbotapi.BotAPI: want the bot")
	case p == nil:
		return errors.New("tgbotapimetrics: Poll with a nil *Poller: want one from NewPoller")
	case workers < 1:
		return fmt.Errorf("tgbotapimetrics: Poll with %d workers: want 1 or more", workers)
	}
	if self := api.Self.UserName; self != "" {
		r.username.CompareAndSwap(nil, &self)
	}
	updates := make(chan fetched)
	pollCtx, cancel := context.WithCancel(ctx)
	polled := make(chan struct{})
	p.state.Start(ctx.Done())
	go func() {
		defer close(polled)
		defer close(updates)
		defer p.state.End()
		p.poll(pollCtx, api.Token, updates, r.log)
	}()
	err := run(r, ctx, updates, workers, func(u fetched) (tgbotapi.Update, json.RawMessage) { return u.u, u.raw })
	cancel()
	<-polled
	if err == nil {
		return p.Err()
	}
	return errors.Join(p.Err(), err)
}

// fetched is an update of a getUpdates answer, with its JSON.
type fetched struct {
	u   tgbotapi.Update
	raw json.RawMessage
}

// poll sends the updates of getUpdates to out until ctx ends or the Bot API
// says to stop, logging every failure to log.
func (p *Poller) poll(ctx context.Context, token string, out chan<- fetched, log *slog.Logger) {
	polling.Run(ctx, polling.Loop[tgbotapi.Update]{
		Client: p.client, URL: p.url + "/bot" + token + "/getUpdates", Masker: bottoken.NewMasker(token),
		Config: p.opts, State: &p.state, Offset: &p.offset, Parse: ParseUpdate,
		Hand: func(ctx context.Context, u tgbotapi.Update, raw json.RawMessage) bool {
			return polling.Send(ctx, out, fetched{u, raw})
		},
		Report: func(f *telegram.PollError, wait time.Duration) {
			args := []any{"error", f}
			if wait > 0 {
				args = append(args, "retry_in", wait)
			}
			log.ErrorContext(ctx, "telegram polling failed", args...)
		},
	})
}

// ParseUpdate parses one update, as getUpdates and webhooks send it, into
// tgbotapi's type, and rejects what is no update: tgbotapi's own
// GetUpdatesChan fails the whole answer on one, again and again. The
// [Poller] parses every update with it; use it for webhook requests too.
func ParseUpdate(data []byte) (tgbotapi.Update, error) {
	return polling.Decode[tgbotapi.Update](pkg, "tgbotapi", data, nil)
}
