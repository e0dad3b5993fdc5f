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
	"github.com/genapp-go/genapp/telegram/internal/option"
)

// Router is what registers telego handlers: *th.BotHandler and
// *th.HandlerGroup.
type Router interface {
	Handle(handler th.Handler, predicates ...th.Predicate)
	Use(middlewares ...th.Handler)
	Group(predicates ...th.Predicate) *th.HandlerGroup
}

// Tracker registers telego handlers as tracked actions.
type Tracker struct {
	r       Router
	metrics func() *metrics.Metrics
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

// New returns a Tracker that registers on r, and installs on r, with Use,
// the middleware that counts every update r handles, whether a route takes
// it or not. r is the *th.BotHandler, or the *th.HandlerGroup whose
// HandleUpdate handles the bot's updates; call New before registering
// anything on it, and once: register the routes of a group with
// [Tracker.Group]. Unless [WithMetrics] says otherwise it records in
// [metrics.Default], looked up at each update, so handlers may be
// registered before [metrics.Init].
func New(r Router, opts ...Option) (*Tracker, error) {
	switch v := r.(type) {
	case nil:
		return nil, errors.New("telegometrics: New with a nil router: want the *th.BotHandler, or the *th.HandlerGroup that handles the updates")
	case *th.BotHandler:
		if v == nil {
			return nil, errors.New("telegometrics: New with a nil *th.BotHandler: want the one of th.NewBotHandler")
		}
	case *th.HandlerGroup:
		if v == nil {
			return nil, errors.New("telegometrics: New with a nil *th.HandlerGroup: want the group that handles the updates")
		}
	}
	t := &Tracker{r: r, metrics: metrics.Default}
	if err := option.Apply("telegometrics: New", t, opts); err != nil {
		return nil, err
	}
	r.Use(t.countUpdate)
	return t, nil
}

// Group creates a group on the Tracker's router, as its Group method does,
// and returns a Tracker that registers on it: its updates are counted once,
// by the middleware New installed. It returns an error, and creates
// nothing, when a predicate is nil, which telego panics on.
func (t *Tracker) Group(predicates ...th.Predicate) (*Tracker, error) {
	if err := checkPredicates("Group", predicates); err != nil {
		return nil, err
	}
	return &Tracker{r: t.r.Group(predicates...), metrics: t.metrics}, nil
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
// as "<kind>_handler" (unknown_command_handler for
// [telegram.KindUnknownCommand]). A message that is a command (telego's
// th.CommandRegexp) taken by the [telegram.KindText] or
// [telegram.KindMessage] route is recorded as unknown_command_handler.
func (t *Tracker) On(kind telegram.Kind, h th.Handler, predicates ...th.Predicate) error {
	if err := telegram.CheckKind(kind); err != nil {
		return fmt.Errorf("telegometrics: On: %w", err)
	}
	name := telegram.ActionName("\a" + string(kind))
	if kind == telegram.KindUnknownCommand {
		name = telegram.UnknownCommand
	}
	return t.handle(name, kind == telegram.KindText || kind == telegram.KindMessage, h, kindPredicates[kind], predicates)
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
	if err := checkPredicates("route "+name, predicates); err != nil {
		return err
	}
	if first != nil {
		predicates = append([]th.Predicate{first}, predicates...)
	}
	t.r.Handle(t.track(name, textRoute, h), predicates...)
	return nil
}

// checkPredicates returns an error naming the first nil predicate.
func checkPredicates(what string, predicates []th.Predicate) error {
	for i, p := range predicates {
		if p == nil {
			return fmt.Errorf("telegometrics: %s: predicate %d of %d is nil", what, i+1, len(predicates))
		}
	}
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

// kindPredicates is the telego predicate of each kind.
var kindPredicates = map[telegram.Kind]th.Predicate{
	telegram.KindText:           th.AnyMessageWithText(),
	telegram.KindPhoto:          withMessage(func(m *telego.Message) bool { return len(m.Photo) > 0 }),
	telegram.KindVoice:          withMessage(func(m *telego.Message) bool { return m.Voice != nil }),
	telegram.KindAudio:          withMessage(func(m *telego.Message) bool { return m.Audio != nil }),
	telegram.KindAnimation:      withMessage(func(m *telego.Message) bool { return m.Animation != nil }),
	telegram.KindDocument:       withMessage(func(m *telego.Message) bool { return m.Document != nil }),
	telegram.KindSticker:        withMessage(func(m *telego.Message) bool { return m.Sticker != nil }),
	telegram.KindVideo:          withMessage(func(m *telego.Message) bool { return m.Video != nil }),
	telegram.KindVideoNote:      withMessage(func(m *telego.Message) bool { return m.VideoNote != nil }),
	telegram.KindContact:        withMessage(func(m *telego.Message) bool { return m.Contact != nil }),
	telegram.KindLocation:       withMessage(func(m *telego.Message) bool { return m.Location != nil }),
	telegram.KindMessage:        th.AnyMessage(),
	telegram.KindUnknownCommand: th.AnyCommand(),
	telegram.KindCallback:       th.AnyCallbackQuery(),

	telegram.KindEditedMessage:           th.AnyEditedMessage(),
	telegram.KindChannelPost:             th.AnyChannelPost(),
	telegram.KindEditedChannelPost:       th.AnyEditedChannelPost(),
	telegram.KindBusinessConnection:      th.AnyBusinessConnection(),
	telegram.KindBusinessMessage:         th.AnyBusinessMessage(),
	telegram.KindEditedBusinessMessage:   th.AnyEditedBusinessMessage(),
	telegram.KindDeletedBusinessMessages: th.AnyDeletedBusinessMessages(),
	telegram.KindMessageReaction:         th.AnyMessageReaction(),
	telegram.KindMessageReactionCount:    th.AnyMessageReactionCount(),
	telegram.KindInlineQuery:             th.AnyInlineQuery(),
	telegram.KindChosenInlineResult:      th.AnyChosenInlineResult(),
	telegram.KindShippingQuery:           th.AnyShippingQuery(),
	telegram.KindPreCheckoutQuery:        th.AnyPreCheckoutQuery(),
	telegram.KindPurchasedPaidMedia:      th.AnyPurchasedPaidMedia(),
	telegram.KindPoll:                    th.AnyPoll(),
	telegram.KindPollAnswer:              th.AnyPollAnswer(),
	telegram.KindMyChatMember:            th.AnyMyChatMember(),
	telegram.KindChatMember:              th.AnyChatMember(),
	telegram.KindChatJoinRequest:         th.AnyChatJoinRequest(),
	telegram.KindChatBoost:               th.AnyChatBoost(),
	telegram.KindRemovedChatBoost:        th.AnyRemovedChatBoost(),
}

// withMessage is the predicate of the messages that has.
func withMessage(has func(*telego.Message) bool) th.Predicate {
	return func(_ context.Context, u telego.Update) bool { return u.Message != nil && has(u.Message) }
}
