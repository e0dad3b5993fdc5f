package gotelegrammetrics

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync/atomic"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/option"
)

// Tracker registers go-telegram/bot handlers as tracked actions.
type Tracker struct {
	metrics  func() *metrics.Metrics
	inFlight inFlight
}

// Option configures a Tracker.
type Option func(*Tracker) error

// WithMetrics records in m instead of [metrics.Default]. A nil m records
// nothing.
func WithMetrics(m *metrics.Metrics) Option {
	return func(t *Tracker) error {
		t.metrics = func() *metrics.Metrics { return m }
		return nil
	}
}

// New returns a Tracker. Unless [WithMetrics] says otherwise it records in
// [metrics.Default], looked up at each run, so that handlers may be
// registered before [metrics.Init].
func New(opts ...Option) (*Tracker, error) {
	t := &Tracker{metrics: metrics.Default}
	if err := option.Apply("gotelegrammetrics: New", t, opts); err != nil {
		return nil, err
	}
	return t, nil
}

// WithDefaultHandler is bot.WithDefaultHandler(f) with f tracked, and the
// option that counts the updates no registered handler matches: give it to
// bot.New, always, in place of bot.WithDefaultHandler. A run of f is
// recorded as unknown_command_handler for a message that is a command (a
// bot_command entity at its start), text_handler for any other message,
// callback_handler for a callback query, and else after the update's type:
// edited_message_handler, inline_query_handler, and so on. With a nil f
// such updates are counted and dropped (go-telegram/bot's own default
// handler logs each).
func (t *Tracker) WithDefaultHandler(f bot.HandlerFunc) bot.Option {
	if f == nil {
		return bot.WithDefaultHandler(t.count)
	}
	return bot.WithDefaultHandler(t.track(defaultName)(f))
}

// RegisterHandler registers f on b exactly as b.RegisterHandler does, and
// returns its id, with f and m tracked as the action named after the route:
//
//	HandlerTypeMessageText, "start", MatchTypeCommand      start_handler (also MatchTypeCommandStartOnly, and on photo captions)
//	HandlerTypeCallbackQueryData, "menu:", MatchTypePrefix menu_callback_handler (any match type; also game short names)
//	HandlerTypeMessageText, "Help me", MatchTypeExact      help_me_button_handler (any other text or caption match)
//
// The name comes from the pattern, never from what users send; see
// [telegram.ActionName].
func (t *Tracker) RegisterHandler(b *bot.Bot, ht bot.HandlerType, pattern string, mt bot.MatchType, f bot.HandlerFunc, m ...bot.Middleware) string {
	return b.RegisterHandler(ht, pattern, mt, f, t.chain(routeName(ht, pattern, mt), m)...)
}

// RegisterHandlerAs is [Tracker.RegisterHandler] with the action named
// name. It returns an error, and registers nothing, when name is not valid
// (see [telegram.CheckName]).
func (t *Tracker) RegisterHandlerAs(b *bot.Bot, name string, ht bot.HandlerType, pattern string, mt bot.MatchType, f bot.HandlerFunc, m ...bot.Middleware) (string, error) {
	if err := check(b, name); err != nil {
		return "", err
	}
	return b.RegisterHandler(ht, pattern, mt, f, t.chain(name, m)...), nil
}

// RegisterHandlerRegexp registers f on b as b.RegisterHandlerRegexp does,
// tracked as the action name: a regular expression has no name to derive.
// It returns an error, and registers nothing, when name is not valid or re
// is nil (the bot would panic on the first update).
func (t *Tracker) RegisterHandlerRegexp(b *bot.Bot, name string, ht bot.HandlerType, re *regexp.Regexp, f bot.HandlerFunc, m ...bot.Middleware) (string, error) {
	if err := check(b, name); err != nil {
		return "", err
	}
	if re == nil {
		return "", fmt.Errorf("gotelegrammetrics: RegisterHandlerRegexp %q with a nil regexp: want a compiled one", name)
	}
	return b.RegisterHandlerRegexp(ht, re, f, t.chain(name, m)...), nil
}

// RegisterHandlerMatchFunc registers f on b as b.RegisterHandlerMatchFunc
// does, tracked as the action name. It returns an error, and registers
// nothing, when name is not valid or match is nil.
func (t *Tracker) RegisterHandlerMatchFunc(b *bot.Bot, name string, match bot.MatchFunc, f bot.HandlerFunc, m ...bot.Middleware) (string, error) {
	if err := check(b, name); err != nil {
		return "", err
	}
	if match == nil {
		return "", fmt.Errorf("gotelegrammetrics: RegisterHandlerMatchFunc %q with a nil match func: want one", name)
	}
	return b.RegisterHandlerMatchFunc(match, f, t.chain(name, m)...), nil
}

// Wait waits until no tracked handler runs, or until ctx ends, and then
// returns ctx's error with how many still run. Call it once updates no
// longer come in (the [Poller] stopped, the webhook server shut down).
func (t *Tracker) Wait(ctx context.Context) error { return t.inFlight.wait(ctx) }

// Fail marks the run of the tracked handler that ctx (or a context derived
// from it) was given to as failed with err: it is recorded with status
// "error" and the error_name err gives (see metrics.NamedError). The first
// error wins; a nil err, a ctx that no tracked handler was given, and a
// call after the handler returned are ignored.
func Fail(ctx context.Context, err error) {
	if r, ok := ctx.Value(runKey{}).(*run); ok && err != nil {
		r.fail(err)
	}
}

// check validates what the explicit-name registrations take from the
// caller.
func check(b *bot.Bot, name string) error {
	if b == nil {
		return errors.New("gotelegrammetrics: register on a nil *bot.Bot: want the bot from bot.New")
	}
	return telegram.CheckName(name)
}

// chain returns the route middleware m with the tracker of name first.
func (t *Tracker) chain(name string, m []bot.Middleware) []bot.Middleware {
	track := t.track(func(*models.Update) string { return name })
	return append([]bot.Middleware{track}, m...)
}

// run is the context a tracked handler is given: what [Fail] reports to
// the tracker. A handler may hand it to goroutines that outlive it, hence
// the atomic; an error that Fail stores after the handler returned is
// never read.
type run struct {
	context.Context
	err atomic.Pointer[error] // the first error given to Fail
}

type runKey struct{}

func (r *run) Value(key any) any {
	if key == (runKey{}) {
		return r
	}
	return r.Context.Value(key)
}

// fail stores err unless an error is stored already. It is a function of
// its own so that err is moved to the heap only when there is one to
// store.
func (r *run) fail(err error) { r.err.CompareAndSwap(nil, &err) }

// finish returns the result of the run: the error given to Fail, named
// flood_wait when it is the bot's error for a 429.
func (r *run) finish() error {
	errp := r.err.Load()
	if errp == nil {
		return nil
	}
	var flood *bot.TooManyRequestsError
	if errors.As(*errp, &flood) {
		return metrics.NamedError(metrics.ErrorNameFloodWait, *errp)
	}
	return *errp
}

// routeName is the action name of a route registered with RegisterHandler.
func routeName(ht bot.HandlerType, pattern string, mt bot.MatchType) string {
	switch {
	case ht == bot.HandlerTypeCallbackQueryData || ht == bot.HandlerTypeCallbackQueryGameShortName:
		return telegram.ActionName("\f" + pattern)
	case mt == bot.MatchTypeCommand || mt == bot.MatchTypeCommandStartOnly:
		return telegram.ActionName("/" + pattern)
	}
	return telegram.ActionName(pattern)
}

// defaultName is the action name of a run of the default handler.
func defaultName(u *models.Update) string {
	switch {
	case u == nil:
	case u.Message != nil:
		if isCommand(u.Message) {
			return telegram.UnknownCommand
		}
		return textName
	case u.CallbackQuery != nil:
		return telegram.UnroutedCallback
	}
	return kindNames[describe(u).Type]
}

// textName and kindNames are the names defaultName returns, made once:
// telegram.ActionName allocates.
var (
	textName  = telegram.ActionName("\a" + string(telegram.KindText))
	kindNames = func() map[telegram.UpdateType]string {
		names := map[telegram.UpdateType]string{}
		for _, typ := range append(telegram.UpdateTypes(), telegram.UpdateOther) {
			names[typ] = telegram.ActionName("\a" + string(typ))
		}
		return names
	}()
)

// isCommand reports whether m is a command, as Telegram marks one: a
// bot_command entity at the start of its text or caption.
func isCommand(m *models.Message) bool {
	for _, es := range [][]models.MessageEntity{m.Entities, m.CaptionEntities} {
		for _, e := range es {
			if e.Offset == 0 && e.Type == models.MessageEntityTypeBotCommand {
				return true
			}
		}
	}
	return false
}
