package telegometrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"
	th "github.com/mymmrac/telego/telegohandler"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
)

// Router is what registers telego handlers: *th.BotHandler and
// *th.HandlerGroup.
type Router interface {
	Handle(handler th.Handler, predicates ...th.Predicate)
}

// Tracker registers telego handlers as tracked actions.
type Tracker struct {
	r       Router
	metrics func() *metrics.Metrics
}

// Option configures a Tracker.
type Option func(*Tracker)

// WithMetrics records in m instead of [metrics.Default]. A nil m records
// nothing.
func WithMetrics(m *metrics.Metrics) Option {
	return func(t *Tracker) { t.metrics = func() *metrics.Metrics { return m } }
}

// New returns a Tracker that registers on r, a *th.BotHandler or a
// *th.HandlerGroup. Unless [WithMetrics] says otherwise it records in
// [metrics.Default], looked up at each run, so handlers may be registered
// before [metrics.Init].
func New(r Router, opts ...Option) *Tracker {
	t := &Tracker{r: r, metrics: metrics.Default}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Command registers h for the command (without "/"; telego matches it
// case-insensitively, with or without "@botname") and the extra predicates,
// tracked as "<command>_handler". The command must be 1 to 32 characters of
// [A-Za-z0-9_], as the Bot API allows.
func (t *Tracker) Command(command string, h th.Handler, predicates ...th.Predicate) error {
	if err := telegram.CheckCommand(command); err != nil {
		return err
	}
	return t.handle(telegram.ActionName("/"+command), false, h, th.CommandEqual(command), predicates)
}

// Callback registers h for the callback queries of the button unique (their
// data is unique, or unique followed by ":" or "|" and a payload: see
// [telegram.CallbackUnique]) and the extra predicates, tracked as
// "<unique>_callback_handler". The payload never reaches a label. unique
// must be 1 to 64 bytes (the Bot API's limit of callback data) of
// [A-Za-z0-9_-].
func (t *Tracker) Callback(unique string, h th.Handler, predicates ...th.Predicate) error {
	if err := telegram.CheckCallbackUnique(unique); err != nil {
		return err
	}
	button := func(_ context.Context, u telego.Update) bool {
		return u.CallbackQuery != nil && telegram.CallbackUnique(u.CallbackQuery.Data) == unique
	}
	return t.handle(telegram.ActionName("\f"+unique), false, h, button, predicates)
}

// On registers h for the updates of kind and the extra predicates, tracked
// as "<kind>_handler" (unknown_command_handler for [KindUnknownCommand]).
func (t *Tracker) On(kind Kind, h th.Handler, predicates ...th.Predicate) error {
	p, ok := kindPredicates[kind]
	if !ok {
		return fmt.Errorf("telegometrics: unknown kind %q: want one of the telegometrics.Kind* constants", kind)
	}
	name := telegram.ActionName("\a" + string(kind))
	if kind == KindUnknownCommand {
		name = telegram.UnknownCommand
	}
	return t.handle(name, kind == KindText || kind == KindMessage, h, p, predicates)
}

// HandleAs registers h for the predicates, as the router's Handle does,
// tracked as the action name. It returns an error and registers nothing
// when name is not valid (see [telegram.CheckName]) or h or a predicate is
// nil, which telego's Handle panics on. With no predicates the route takes
// every update that reaches it.
func (t *Tracker) HandleAs(name string, h th.Handler, predicates ...th.Predicate) error {
	if err := telegram.CheckName(name); err != nil {
		return err
	}
	return t.handle(name, false, h, nil, predicates)
}

// handle registers h tracked as name, behind first (when not nil) and the
// caller's predicates.
func (t *Tracker) handle(name string, textRoute bool, h th.Handler, first th.Predicate, predicates []th.Predicate) error {
	if h == nil {
		return fmt.Errorf("telegometrics: route %s: nil handler", name)
	}
	for i, p := range predicates {
		if p == nil {
			return fmt.Errorf("telegometrics: route %s: predicate %d of %d is nil", name, i+1, len(predicates))
		}
	}
	if first != nil {
		predicates = append([]th.Predicate{first}, predicates...)
	}
	t.r.Handle(t.track(name, textRoute, h), predicates...)
	return nil
}

// track returns h recording one run per call. On a text route a message
// that is a command is an unknown command.
func (t *Tracker) track(name string, textRoute bool, h th.Handler) th.Handler {
	return func(ctx *th.Context, u telego.Update) (err error) {
		n := name
		if textRoute && u.Message != nil && th.CommandRegexp.MatchString(u.Message.Text) {
			n = telegram.UnknownCommand
		}
		a := t.metrics().Track(n)
		var named error
		defer a.End(&named)
		err = h(ctx, u)
		named = nameFloodWait(err)
		return err
	}
}

// nameFloodWait returns err named [metrics.ErrorNameFloodWait] when it is
// telego's error for a 429 of the Bot API, else err.
func nameFloodWait(err error) error {
	if err == nil { // before apiErr, which escapes: no allocation per run
		return nil
	}
	var apiErr *ta.Error
	if errors.As(err, &apiErr) && apiErr.ErrorCode == http.StatusTooManyRequests {
		return metrics.NamedError(metrics.ErrorNameFloodWait, err)
	}
	return err
}
