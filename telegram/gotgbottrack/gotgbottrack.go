// Package gotgbottrack tracks the handlers of a
// github.com/PaulSonOfLars/gotgbot/v2 bot as actions: each run of a handler
// counts in genapp_action_count_total with status "ok" or "error" and its
// duration goes to genapp_action_duration_sec, under a name
// [telegram.ActionName] derives from what the handler is, never from what
// users send.
//
// Register handlers through a [Tracker] instead of the dispatcher:
//
//	d := ext.NewDispatcher(nil)
//	tr := gotgbottrack.New(d)
//	tr.AddHandler(handlers.NewCommand("start", start))        // start_handler
//	tr.AddHandler(handlers.NewMessage(message.Text, echo))    // text_handler, and unknown_command_handler
//	err := tr.AddHandlerAs("menu_callback_handler", 0,
//		handlers.NewCallback(callbackquery.Prefix("menu"), menu))
//
// # Names
//
// A handler's action name comes from its type: a handlers.Command is
// "<command>_handler"; a handlers.Message is named after its filter when
// that is one of gotgbot's message kinds (message.Text is text_handler,
// message.Photo photo_handler, ...), else message_handler; the other
// handlers of package handlers after the update kind they take
// (inline_query_handler, chat_member_handler, ...); a handlers.Named after
// the handler it wraps; any other type after its Go type name. A
// handlers.CallbackQuery is callback_handler: its filter is a function,
// which does not say which buttons it takes. Name the handlers of buttons
// with [Tracker.AddHandlerAs] ("menu_callback_handler"). The handler's own
// Name, which gotgbot uses to remove it, is kept.
//
// A handler of text messages (a handlers.Message with the filter
// message.Text or message.Command) that runs for a command no tracked
// handlers.Command takes records unknown_command_handler instead of its own
// name: a text, "/word" or "/word@bot", that gotgbot's Command would have
// read as a command. Other message handlers, such as one for every message
// in a group of its own, keep their name.
//
// # Outcomes
//
// A handler that returns nil, [ext.EndGroups] or [ext.ContinueGroups] (the
// dispatcher's control flow) is recorded as "ok"; any other error as
// "error", with error_name flood_wait for a 429 of the Bot API. The error is
// returned unchanged, to the dispatcher's Error handler. A panic is recorded
// as "error" and continues unchanged: gotgbot's dispatcher recovers it and
// hands it to its Panic handler, as it does without tracking.
//
// # Updates
//
// New wraps the dispatcher's Processor, which gotgbot runs once for every
// update, before any handler: each update counts in
// genapp_telegram_updates_total{type} (message, callback_query, ...), the
// time since Telegram stamped it (a message's date, its edit_date when
// edited) goes to genapp_telegram_update_lag_sec{type}, and
// genapp_telegram_handlers_in_flight holds the updates being handled. They
// replace the gotgbot_* families of gotgbot's metricsBot sample.
//
// # Polling
//
// Poll with a [Poller] instead of gotgbot's Updater, whose loop polls a
// failing Bot API every second or in a busy loop, ignores retry_after and
// never stops on 401 or 409. Updates that reach the dispatcher otherwise,
// such as through the Updater's webhook, are tracked all the same.
//
// # The bot token
//
// gotgbottrack writes nothing with the token. gotgbot's errors quote the
// request URL, which holds the token: give the bot a BaseBotClient whose
// Client is this module's httpclient.NewTelegram client, and
// httpclient.TokenPlaceholder as the token.
package gotgbottrack

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
		return fmt.Errorf("gotgbottrack: handler %q is nil", name)
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
