package gotgbotmetrics

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/message"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/option"
)

// Tracker registers gotgbot handlers on a dispatcher as tracked actions.
// It is safe for concurrent use.
type Tracker struct {
	d       *ext.Dispatcher
	metrics func() *metrics.Metrics

	mu       sync.Mutex                      // serialises registrations
	commands atomic.Pointer[map[string]bool] // of the tracked Command handlers, copied on write
}

// Option configures a Tracker.
type Option func(*Tracker) error

// WithMetrics records in m instead of [metrics.Default], which is
// otherwise looked up at each update. A nil m records nothing.
func WithMetrics(m *metrics.Metrics) Option {
	return func(t *Tracker) error { t.metrics = func() *metrics.Metrics { return m }; return nil }
}

// New returns a Tracker that registers on d, and wraps d's Processor so
// that every update d handles counts (set a Processor of your own before
// New).
func New(d *ext.Dispatcher, opts ...Option) (*Tracker, error) {
	if d == nil {
		return nil, errors.New("gotgbotmetrics: New with a nil *ext.Dispatcher: want one from ext.NewDispatcher")
	}
	t := &Tracker{d: d, metrics: metrics.Default}
	if err := option.Apply("gotgbotmetrics: New", t, opts); err != nil {
		return nil, err
	}
	t.commands.Store(&map[string]bool{})
	switch next := d.Processor.(type) {
	case processor: // tracked already, by another Tracker
	case nil:
		d.Processor = processor{next: ext.BaseProcessor{}, t: t}
	default:
		d.Processor = processor{next: next, t: t}
	}
	return t, nil
}

// AddHandler registers h in group 0, as the dispatcher's AddHandler does,
// tracked under the name its type gives it (see docs/gotgbot.md).
func (t *Tracker) AddHandler(h ext.Handler) { t.AddHandlerToGroup(h, 0) }

// AddHandlerToGroup registers h in group, as the dispatcher's
// AddHandlerToGroup does, tracked under the name its type gives it. A nil h
// goes to the dispatcher untouched.
func (t *Tracker) AddHandlerToGroup(h ext.Handler, group int) {
	if h == nil {
		t.d.AddHandlerToGroup(h, group)
		return
	}
	t.add(actionName(h), h, group)
}

// AddHandlerAs is [Tracker.AddHandler] with the action name name (see
// [telegram.CheckName]). A bad name or a nil h is an error, and nothing is
// registered.
func (t *Tracker) AddHandlerAs(name string, h ext.Handler) error {
	return t.AddHandlerToGroupAs(name, h, 0)
}

// AddHandlerToGroupAs is [Tracker.AddHandlerToGroup] with the action name
// name. A bad name or a nil h is an error, and nothing is registered.
func (t *Tracker) AddHandlerToGroupAs(name string, h ext.Handler, group int) error {
	if err := telegram.CheckName(name); err != nil {
		return fmt.Errorf("gotgbotmetrics: %w", err)
	}
	if h == nil {
		return fmt.Errorf("gotgbotmetrics: handler %q is nil: want an ext.Handler", name)
	}
	t.add(name, h, group)
	return nil
}

func (t *Tracker) add(name string, h ext.Handler, group int) {
	if cmd, ok := unwrap(h).(handlers.Command); ok {
		t.mu.Lock()
		old := *t.commands.Load()
		cmds := make(map[string]bool, len(old)+1)
		for c := range old {
			cmds[c] = true
		}
		cmds[strings.ToLower(cmd.Command)] = true
		t.commands.Store(&cmds)
		t.mu.Unlock()
	}
	msg, isMessage := unwrap(h).(handlers.Message)
	text := isMessage && (messageKind(msg.Filter) == "text" || messageKind(msg.Filter) == "command")
	t.d.AddHandlerToGroup(&tracked{Handler: h, t: t, name: name, text: text}, group)
}

// tracked is a handler whose runs are recorded.
type tracked struct {
	ext.Handler // CheckUpdate and Name are the handler's own
	t           *Tracker
	name        string
	text        bool // a command no route takes is unknown_command_handler
}

// HandleUpdate runs the handler as a tracked action.
func (h *tracked) HandleUpdate(b *gotgbot.Bot, ctx *ext.Context) (err error) {
	name := h.name
	if h.text && h.t.unknownCommand(ctx.EffectiveMessage) {
		name = telegram.UnknownCommand
	}
	a := h.t.metrics().Track(name)
	var failure error
	defer a.End(&failure)
	err = h.Handler.HandleUpdate(b, ctx)
	failure = outcome(err)
	return err
}

// outcome is the error an action that returned err failed with: nil for
// the dispatcher's sentinels, which are control flow, and err named
// flood_wait for a 429 of the Bot API.
func outcome(err error) error {
	if err == nil || errors.Is(err, ext.EndGroups) || errors.Is(err, ext.ContinueGroups) {
		return nil
	}
	var tgErr *gotgbot.TelegramError
	if errors.As(err, &tgErr) && tgErr.Code == 429 {
		return metrics.NamedError(metrics.ErrorNameFloodWait, err)
	}
	return err
}

// unknownCommand reports whether m is a command, as gotgbot's Command reads
// one ("/word" or "/word@bot", first), that no tracked Command takes.
func (t *Tracker) unknownCommand(m *gotgbot.Message) bool {
	if m == nil {
		return false
	}
	// m.GetText and m.GetEntities, without copying the whole Message.
	text, ents := m.Text, m.Entities
	if m.Caption != "" {
		text = m.Caption
	}
	if len(m.CaptionEntities) > 0 {
		ents = m.CaptionEntities
	}
	if len(text) < 2 || text[0] != '/' {
		return false
	}
	if len(ents) != 0 && ents[0].Offset == 0 && ents[0].Type != "bot_command" {
		return false
	}
	word := text[1:]
	if i := strings.IndexAny(word, " \t\n\r\f\v"); i >= 0 {
		word = word[:i]
	}
	if i := strings.IndexByte(word, '@'); i >= 0 {
		word = word[:i]
	}
	if word == "" {
		return false
	}
	return !(*t.commands.Load())[strings.ToLower(word)]
}

// unwrap returns the handler that handlers.Named wrap (through pointers),
// which says what the handler is.
func unwrap(h ext.Handler) ext.Handler {
	for range 10 { // Named in Named: bounded, a cycle cannot be built but a deep chain could
		switch n := h.(type) {
		case handlers.Named:
			h = n.Handler
		case *handlers.Named:
			h = n.Handler
		default:
			return deref(h)
		}
	}
	return deref(h)
}

// deref returns the value a pointer to one of gotgbot's handlers points to.
func deref(h ext.Handler) ext.Handler {
	switch p := h.(type) {
	case *handlers.Command:
		return *p
	case *handlers.Message:
		return *p
	case *handlers.CallbackQuery:
		return *p
	}
	return h
}

// actionName is the name the type of h gives its action.
func actionName(h ext.Handler) string {
	switch h := unwrap(h).(type) {
	case handlers.Command:
		return telegram.ActionName("/" + h.Command)
	case handlers.Message:
		return telegram.ActionName("\a" + messageKind(h.Filter))
	case handlers.CallbackQuery:
		return telegram.UnroutedCallback
	case nil: // a handlers.Named around nothing, which gotgbot runs (and panics on) all the same
		return telegram.ActionName("\anamed")
	default:
		kind, ok := updateKinds[reflect.TypeOf(h).Name()]
		if !ok {
			kind = reflect.TypeOf(h).String()
			kind = kind[strings.LastIndexByte(kind, '.')+1:]
			kind = snake(kind)
		}
		return telegram.ActionName("\a" + kind)
	}
}

// updateKinds are the update kinds of the handlers of package handlers,
// by type name.
var updateKinds = map[string]string{
	"BusinessConnection": "business_connection",
	"ChatJoinRequest":    "chat_join_request",
	"ChatMember":         "chat_member",
	"ChosenInlineResult": "chosen_inline_result",
	"Conversation":       "conversation",
	"InlineQuery":        "inline_query",
	"MyChatMember":       "my_chat_member",
	"Poll":               "poll",
	"PollAnswer":         "poll_answer",
	"PreCheckoutQuery":   "pre_checkout_query",
	"PurchasedPaidMedia": "purchased_paid_media",
	"Reaction":           "message_reaction",
	"ShippingQuery":      "shipping_query",
}

// messageFilters name the message kinds gotgbot's message filters select.
var messageFilters = map[uintptr]string{}

func init() {
	for kind, f := range map[string]filters.Message{
		"text": message.Text, "caption": message.Caption, "command": message.Command,
		"photo": message.Photo, "animation": message.Animation, "audio": message.Audio,
		"document": message.Document, "sticker": message.Sticker, "video": message.Video,
		"video_note": message.VideoNote, "voice": message.Voice, "contact": message.Contact,
		"dice": message.Dice, "game": message.Game, "poll": message.Poll, "venue": message.Venue,
		"location": message.Location, "new_chat_members": message.NewChatMembers,
		"left_chat_member": message.LeftChatMember, "pinned_message": message.PinnedMessage,
		"story": message.Story, "successful_payment": message.SuccessfulPayment,
		"message": message.All,
	} {
		messageFilters[reflect.ValueOf(f).Pointer()] = kind
	}
}

// messageKind names the messages filter selects: one of gotgbot's message
// kinds, else "message".
func messageKind(filter filters.Message) string {
	if filter == nil {
		return "message"
	}
	if kind, ok := messageFilters[reflect.ValueOf(filter).Pointer()]; ok {
		return kind
	}
	return "message"
}

// snake turns a Go type name, "AdminOnly", into "admin_only".
func snake(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}
