package tgbotapimetrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"reflect"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/option"
)

// Handler handles one update. Its error is recorded as status "error".
type Handler func(ctx context.Context, u tgbotapi.Update) error

// kinds are the kinds [On] takes: those of the updates tgbotapi decodes.
var kinds = []telegram.Kind{
	telegram.KindText, telegram.KindPhoto, telegram.KindVoice, telegram.KindAudio, telegram.KindAnimation,
	telegram.KindDocument, telegram.KindSticker, telegram.KindVideo, telegram.KindVideoNote,
	telegram.KindContact, telegram.KindLocation, telegram.KindMessage, telegram.KindUnknownCommand,
	telegram.KindCallback, telegram.KindEditedMessage, telegram.KindChannelPost, telegram.KindEditedChannelPost,
	telegram.KindInlineQuery, telegram.KindChosenInlineResult, telegram.KindShippingQuery,
	telegram.KindPreCheckoutQuery, telegram.KindPoll, telegram.KindPollAnswer, telegram.KindMyChatMember,
	telegram.KindChatMember, telegram.KindChatJoinRequest,
}

// DefaultShutdownTimeout is how long [Router.Run] waits for the handlers in
// flight once its context ends, unless [WithShutdownTimeout] says otherwise.
const DefaultShutdownTimeout = 5 * time.Second

// Router dispatches updates to handlers and tracks every run. It is safe
// for concurrent use; its routes are fixed by [New].
type Router struct {
	commands  map[string]route
	callbacks map[string]route
	kinds     map[telegram.Kind]route
	metrics   func() *metrics.Metrics
	log       *slog.Logger
	grace     time.Duration
	// username is the bot's own username, from WithBotUsername or, failing
	// that, from the *tgbotapi.BotAPI given to Poll: commands addressed to
	// another bot are not ours.
	username atomic.Pointer[string]

	panicSites sync.Map // uintptr: where handlers have panicked
}

type route struct {
	h    Handler
	name string
}

// Option configures a Router: a route, or a setting.
type Option func(*Router) error

// RouteOption configures one route.
type RouteOption struct{ name string }

// Name records the route's runs as the action name instead of the derived
// name. It must be 1 to 100 characters of [a-z0-9_]; see
// [telegram.CheckName].
func Name(name string) RouteOption { return RouteOption{name: name} }

// New returns a router with the routes and settings opts give. It returns
// an error naming the first mistake: an invalid command, button unique,
// kind or name, a nil handler, or a route declared twice.
func New(opts ...Option) (*Router, error) {
	r := &Router{
		commands:  map[string]route{},
		callbacks: map[string]route{},
		kinds:     map[telegram.Kind]route{},
		metrics:   metrics.Default,
		log:       slog.Default(),
		grace:     DefaultShutdownTimeout,
	}
	if err := option.Apply("tgbotapimetrics: New", r, opts); err != nil {
		return nil, err
	}
	return r, nil
}

// WithMetrics records in m instead of [metrics.Default], which is otherwise
// looked up at each run. A nil m records nothing.
func WithMetrics(m *metrics.Metrics) Option {
	return func(r *Router) error { r.metrics = func() *metrics.Metrics { return m }; return nil }
}

// WithLogger logs handler errors and panics to l instead of slog.Default().
func WithLogger(l *slog.Logger) Option {
	return func(r *Router) error {
		if l == nil {
			return errors.New("tgbotapimetrics: WithLogger(nil): want a logger")
		}
		r.log = l
		return nil
	}
}

// WithShutdownTimeout sets how long [Router.Run] waits for the handlers in
// flight once its context ends; d must be positive.
func WithShutdownTimeout(d time.Duration) Option {
	return func(r *Router) error {
		if d <= 0 {
			return fmt.Errorf("tgbotapimetrics: shutdown timeout %v: want a positive duration", d)
		}
		r.grace = d
		return nil
	}
}

// WithBotUsername tells the router the bot's own username ("my_bot" or
// "@my_bot": 5 to 32 characters of [A-Za-z0-9_]), so that in a group with
// several bots a command addressed to another one ("/start@other_bot") is
// ignored and recorded nowhere; "/start@my_bot" and "/start" are ours.
// Telegram compares usernames without regard to case, and so does the
// router. [Router.Poll] learns the username from the bot it polls for when
// this option is not given; a router fed by [Router.Run] or
// [Router.HandleUpdate] without it takes a command whoever it is addressed
// to.
func WithBotUsername(username string) Option {
	return func(r *Router) error {
		username = strings.TrimPrefix(username, "@")
		if err := telegram.CheckUsername(username); err != nil {
			return fmt.Errorf("tgbotapimetrics: %w", err)
		}
		r.username.Store(&username)
		return nil
	}
}

// Command routes the bot command command ("start" or "/start": 1 to 32
// characters of [A-Za-z0-9_], as Telegram allows) to h, matched exactly,
// with or without an "@botname" suffix. It is tracked as <command>_handler,
// lower-cased.
func Command(command string, h Handler, opts ...RouteOption) Option {
	return func(r *Router) error {
		command = strings.TrimPrefix(command, "/")
		if err := telegram.CheckCommand(command); err != nil {
			return fmt.Errorf("tgbotapimetrics: %w", err)
		}
		return add(r.commands, command, "command "+command, "/"+command, h, opts)
	}
}

// Callback routes the callback queries whose data is unique, or starts with
// unique followed by ":" or "|" (menu, menu:42, menu|42), to h. unique is 1
// to 64 characters of [A-Za-z0-9_-]. It is tracked as
// <unique>_callback_handler; the payload never is part of the name.
func Callback(unique string, h Handler, opts ...RouteOption) Option {
	return func(r *Router) error {
		if err := telegram.CheckCallbackUnique(unique); err != nil {
			return fmt.Errorf("tgbotapimetrics: %w", err)
		}
		return add(r.callbacks, unique, "callback "+unique, "\f"+unique, h, opts)
	}
}

// On routes the updates or messages of kind to h, tracked as
// <kind>_handler (telegram.KindCallback as callback_handler). A kind that
// is not one of the telegram.Kind constants, or is of updates tgbotapi
// does not decode (business_*, message_reaction*, chat_boost,
// removed_chat_boost, purchased_paid_media), is an error.
func On(kind telegram.Kind, h Handler, opts ...RouteOption) Option {
	return func(r *Router) error {
		if err := telegram.CheckKind(kind); err != nil {
			return fmt.Errorf("tgbotapimetrics: %w", err)
		}
		if !slices.Contains(kinds, kind) {
			return fmt.Errorf("tgbotapimetrics: kind %q: tgbotapi does not decode these updates, no route of it would run; want one of %v", kind, kinds)
		}
		return add(r.kinds, kind, "kind "+string(kind), "\a"+string(kind), h, opts)
	}
}

func add[K comparable](routes map[K]route, key K, what, path string, h Handler, opts []RouteOption) error {
	if h == nil {
		return fmt.Errorf("tgbotapimetrics: %s: nil handler", what)
	}
	if _, dup := routes[key]; dup {
		return fmt.Errorf("tgbotapimetrics: %s: registered twice", what)
	}
	rt := route{h: h, name: telegram.ActionName(path)}
	for _, o := range opts {
		if err := telegram.CheckName(o.name); err != nil {
			return fmt.Errorf("tgbotapimetrics: %s: %w", what, err)
		}
		rt.name = o.name
	}
	routes[key] = rt
	return nil
}

// HandleUpdate runs the handler of the route that takes u, for webhooks and
// other callers that receive updates one at a time (see [ParseUpdate]),
// and returns its error unchanged, or a [*PanicError] when it panicked. An
// update no route takes returns nil. Every update counts, routed or not.
func (r *Router) HandleUpdate(ctx context.Context, u tgbotapi.Update) error {
	_, _, err := r.handle(ctx, u, nil, nil)
	return err
}

// run runs rt as one tracked action. The deferred End records a panic and
// re-panics; the recover deferred before it then turns the panic into a
// *PanicError and logs it as Run logs a handler's error, with the stack
// the first time a handler panics at that place in the code: a handler
// that panics on every update does not fill the log with one stack.
func (r *Router) run(ctx context.Context, tu metrics.TelegramUpdate, rt route, u tgbotapi.Update) (err error) {
	defer func() {
		if p := recover(); p != nil {
			pe := &PanicError{Action: rt.name, UpdateID: u.UpdateID, Value: p}
			args := []any{"action", rt.name, "update_id", u.UpdateID, "error", pe.Error()}
			if _, seen := r.panicSites.LoadOrStore(panicSite(), true); !seen {
				args = append(args, "stack", bottoken.Redact(string(debug.Stack())))
			}
			r.log.ErrorContext(ctx, "telegram handler failed", args...)
			err = pe
		}
	}()
	a := tu.TrackContext(ctx, rt.name) // on the update's clock read
	var named error
	defer a.End(&named)
	err = rt.h(ctx, u)
	named = nameFloodWait(err)
	return err
}

// nameFloodWait returns err named [metrics.ErrorNameFloodWait] when it is
// tgbotapi's error for a 429 of the Bot API, else err.
func nameFloodWait(err error) error {
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) && (apiErr.Code == http.StatusTooManyRequests || apiErr.RetryAfter > 0) {
		return metrics.NamedError(metrics.ErrorNameFloodWait, err)
	}
	return err
}

// notPanicSites are the packages whose frames stand between a recover in
// run and the function that panicked: the runtime, this package and
// package metrics, whose Action.End re-panics.
var notPanicSites = []string{"runtime.", funcPackage(New), funcPackage((*metrics.Action).End)}

// panicSite returns the program counter of the function that panicked,
// called from the function that recovered.
func panicSite() uintptr {
	var pcs [64]uintptr
	frames := runtime.CallersFrames(pcs[:runtime.Callers(3, pcs[:])])
	for {
		f, more := frames.Next()
		if !slices.ContainsFunc(notPanicSites, func(pkg string) bool { return strings.HasPrefix(f.Function, pkg) }) {
			return f.PC
		}
		if !more {
			return 0
		}
	}
}

// funcPackage returns the package of fn as the prefix of its functions'
// names: "example.com/mod/pkg.".
func funcPackage(fn any) string {
	name := runtime.FuncForPC(reflect.ValueOf(fn).Pointer()).Name()
	slash := strings.LastIndexByte(name, '/') + 1
	return name[:slash+strings.IndexByte(name[slash:], '.')+1]
}

// route returns the route that takes u (see "Which route takes an update"
// in docs/telegram.md).
func (r *Router) route(u tgbotapi.Update) (route, bool) {
	switch {
	case u.Message != nil:
		return r.message(u.Message)
	case u.CallbackQuery != nil:
		if rt, ok := r.callbacks[telegram.CallbackUnique(u.CallbackQuery.Data)]; ok {
			return rt, true
		}
		return r.kind(telegram.KindCallback)
	case u.EditedMessage != nil:
		return r.kind(telegram.KindEditedMessage)
	case u.ChannelPost != nil:
		return r.kind(telegram.KindChannelPost)
	case u.EditedChannelPost != nil:
		return r.kind(telegram.KindEditedChannelPost)
	case u.InlineQuery != nil:
		return r.kind(telegram.KindInlineQuery)
	case u.ChosenInlineResult != nil:
		return r.kind(telegram.KindChosenInlineResult)
	case u.ShippingQuery != nil:
		return r.kind(telegram.KindShippingQuery)
	case u.PreCheckoutQuery != nil:
		return r.kind(telegram.KindPreCheckoutQuery)
	case u.Poll != nil:
		return r.kind(telegram.KindPoll)
	case u.PollAnswer != nil:
		return r.kind(telegram.KindPollAnswer)
	case u.MyChatMember != nil:
		return r.kind(telegram.KindMyChatMember)
	case u.ChatMember != nil:
		return r.kind(telegram.KindChatMember)
	case u.ChatJoinRequest != nil:
		return r.kind(telegram.KindChatJoinRequest)
	}
	return route{}, false
}

func (r *Router) message(m *tgbotapi.Message) (route, bool) {
	if cmd, ok := command(m); ok {
		if !r.ours(cmd) {
			return route{}, false
		}
		cmd, _, _ = strings.Cut(cmd, "@")
		if rt, ok := r.commands[cmd]; ok {
			return rt, true
		}
		if rt, ok := r.kinds[telegram.KindUnknownCommand]; ok {
			return rt, true
		}
		rt, ok := r.kind(telegram.KindText, telegram.KindMessage)
		rt.name = telegram.UnknownCommand
		return rt, ok
	}
	switch {
	case m.Text != "":
		return r.kind(telegram.KindText, telegram.KindMessage)
	case m.Photo != nil:
		return r.kind(telegram.KindPhoto, telegram.KindMessage)
	case m.Voice != nil:
		return r.kind(telegram.KindVoice, telegram.KindMessage)
	case m.Audio != nil:
		return r.kind(telegram.KindAudio, telegram.KindMessage)
	case m.Animation != nil: // before Document: animations carry both
		return r.kind(telegram.KindAnimation, telegram.KindMessage)
	case m.Document != nil:
		return r.kind(telegram.KindDocument, telegram.KindMessage)
	case m.Sticker != nil:
		return r.kind(telegram.KindSticker, telegram.KindMessage)
	case m.Video != nil:
		return r.kind(telegram.KindVideo, telegram.KindMessage)
	case m.VideoNote != nil:
		return r.kind(telegram.KindVideoNote, telegram.KindMessage)
	case m.Contact != nil:
		return r.kind(telegram.KindContact, telegram.KindMessage)
	case m.Location != nil:
		return r.kind(telegram.KindLocation, telegram.KindMessage)
	}
	return r.kind(telegram.KindMessage)
}

// ours reports whether a command ("start" or "start@some_bot") is
// addressed to this bot: it names no bot, or this one, or the router does
// not know which bot it is.
func (r *Router) ours(cmd string) bool {
	_, to, addressed := strings.Cut(cmd, "@")
	self := r.username.Load()
	return !addressed || self == nil || strings.EqualFold(to, *self)
}

// command returns what Message.CommandWithAt does for a message that starts
// with a bot_command entity ("start@some_bot"), and false for any other
// message. CommandWithAt (tgbotapi v5.5.1) slices the text by the entity's
// length unchecked, and panics on an entity of length 0 or longer than the
// text: such a message is no command here, and is routed by its content.
func command(m *tgbotapi.Message) (string, bool) {
	if !m.IsCommand() {
		return "", false
	}
	if n := m.Entities[0].Length; n < 1 || n > len(m.Text) {
		return "", false
	}
	return m.CommandWithAt(), true
}

// kind returns the route of the first of ks that has one.
func (r *Router) kind(ks ...telegram.Kind) (route, bool) {
	for _, k := range ks {
		if rt, ok := r.kinds[k]; ok {
			return rt, true
		}
	}
	return route{}, false
}

// PanicError is the error of a handler that panicked.
type PanicError struct {
	Action   string // the action name of the route
	UpdateID int
	Value    any // what the handler panicked with
}

func (e *PanicError) Error() string {
	return bottoken.Redact(fmt.Sprintf("tgbotapimetrics: %s panicked on update %d: %v", e.Action, e.UpdateID, e.Value))
}

// Unwrap returns the panic value when it is an error.
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}
