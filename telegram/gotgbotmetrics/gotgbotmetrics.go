package gotgbotmetrics

import (
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
)

// Tracker registers gotgbot handlers on a dispatcher as tracked actions.
type Tracker struct {
	d       *ext.Dispatcher
	metrics func() *metrics.Metrics

	mu       sync.Mutex                      // serialises registrations
	commands atomic.Pointer[map[string]bool] // of the tracked Command handlers, copied on write
}

// Option configures a Tracker.
type Option func(*Tracker)

// WithMetrics records in m instead of [metrics.Default]. A nil m records
// nothing.
func WithMetrics(m *metrics.Metrics) Option {
	return func(t *Tracker) { t.metrics = func() *metrics.Metrics { return m } }
}

// New returns a Tracker that registers on d, and wraps d's Processor so
// that every update d handles is recorded (see Updates in the package
// documentation); set a Processor of your own before New. Unless
// [WithMetrics] says otherwise it records in [metrics.Default], looked up at
// each run, so that handlers may be registered before [metrics.Init].
func New(d *ext.Dispatcher, opts ...Option) *Tracker {
	t := &Tracker{d: d, metrics: metrics.Default}
	for _, o := range opts {
		o(t)
	}
	t.commands.Store(&map[string]bool{})
	switch next := d.Processor.(type) {
	case processor: // tracked already, by another Tracker
	case nil:
		d.Processor = processor{next: ext.BaseProcessor{}, t: t}
	default:
		d.Processor = processor{next: next, t: t}
	}
	return t
}

// AddHandler registers h in group 0, as the dispatcher's AddHandler does,
// tracked under the name its type gives it (see the package documentation).
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

// AddHandlerAs registers h in group tracked under name instead of the
// derived name. It returns an error and registers nothing when name is not
// valid (see [telegram.CheckName]) or h is nil.
func (t *Tracker) AddHandlerAs(name string, group int, h ext.Handler) error {
	if err := telegram.CheckName(name); err != nil {
		return err
	}
	if h == nil {
		return fmt.Errorf("gotgbotmetrics: handler %q is nil", name)
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
