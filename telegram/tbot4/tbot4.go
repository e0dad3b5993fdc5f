// Package tbot4 tracks the handlers of a gopkg.in/telebot.v4 bot as
// actions, exactly as package tbot does for telebot v3: each run of a
// handler counts in genapp_action_count_total with status "ok" or "error"
// and its duration goes to genapp_action_duration_sec, under the name
// telegram.ActionName derives from the endpoint it was registered for.
//
// Register handlers through a [Tracker] instead of the bot or group:
//
//	tr := tbot4.New(bot)
//	tr.Handle("/start", onStart)      // start_handler
//	tr.Handle(&btnMenu, onMenu)       // menu_callback_handler (btnMenu.Unique == "menu")
//	tr.Handle(tele.OnText, onText)    // text_handler, and unknown_command_handler
//	tr.Handle(tele.OnCallback, onCb)  // callback_handler
//
// # Where tracking sits
//
// Telebot v4, like v3, builds a route's chain at Handle time: the
// middleware installed with Use on the bot, then on the group, then the
// middleware passed to Handle, then the handler. The tracker is the first
// middleware passed to Handle: middleware given to Handle runs inside the
// tracked action; middleware installed with Use runs outside it, so a
// global filter that drops an update means nothing is recorded, and a
// recover middleware installed with Use sees a panic after it was
// recorded.
//
// # Outcomes
//
// A returned error is recorded as "error" (error_name flood_wait for
// telebot's FloodError) and returned unchanged, to the Use middleware and
// then the bot's OnError. A panic is recorded as "error" and continues
// unchanged: telebot v4's middleware.Recover, installed with Use, hands
// an error or string panic to OnError (and drops any other value);
// without a recover middleware the panic ends the process, as it would
// without tbot4, because telebot runs handlers on their own goroutines.
//
// # Unknown commands, forwards and replies
//
// A run of the OnText handler for a message that is a command (telebot's
// syntax, "/word" or "/word@bot" followed by a space or the end) is
// recorded as unknown_command_handler, any other as text_handler (or the
// name given to HandleAs). Callbacks without a route are recorded under
// the OnCallback handler's name. Telebot v4 runs the OnForward handler
// for a forwarded message, and the OnReply handler for a reply text that
// no command or text route takes, in addition to the route that takes the
// message: each is a run of its own action.
//
// # Updates
//
// As with tbot, each update a route takes is counted by the tracked route
// for the bot's health (genapp_telegram_updates_total{type},
// genapp_telegram_update_lag_sec{type}, genapp_telegram_handlers_in_flight):
// telebot has no middleware for all updates. An update that no route
// takes, or that a Use filter drops, is not counted; OnForward and OnReply
// runs do not count it again (a forward or reply that only they take is
// not counted either).
//
// # Polling
//
// Give the bot a [Poller] instead of telebot's LongPoller, which, in v4 as
// in v3, retries a failing getUpdates at once and silently (see [Poller]).
//
// # The bot token
//
// tbot4 writes no log lines and makes no errors of its own that hold the
// token. Telebot's HTTP errors quote the request URL, token included: give
// the bot an *http.Client from this module's httpclient package (its
// Telegram preset removes the token from errors) to keep it out of
// OnError.
package tbot4

import (
	"time"

	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/telebotcore"
)

// Endpoints is what registers telebot handlers: *tele.Bot and *tele.Group.
type Endpoints interface {
	Handle(endpoint any, h tele.HandlerFunc, m ...tele.MiddlewareFunc)
}

// Tracker registers telebot handlers as tracked actions.
type Tracker struct {
	core telebotcore.Tracker[tele.Context, tele.HandlerFunc, tele.MiddlewareFunc]
}

// Option configures a Tracker.
type Option func(*Tracker)

// WithMetrics records in m instead of [metrics.Default]; a nil m records
// nothing.
func WithMetrics(m *metrics.Metrics) Option {
	return func(t *Tracker) { t.core.Metrics = func() *metrics.Metrics { return m } }
}

// New returns a Tracker that registers on e, a *tele.Bot or a *tele.Group,
// and records in [metrics.Default] (looked up at each run, so handlers may
// be registered before [metrics.Init]) unless [WithMetrics] says otherwise.
func New(e Endpoints, opts ...Option) *Tracker {
	t := &Tracker{core: telebotcore.NewTracker(e.Handle, telebotcore.Version[tele.Context]{
		Pkg:        "tbot4",
		IsFlood:    telebotcore.Is[tele.FloodError],
		UpdateInfo: func(c tele.Context) (string, time.Time) { return updateInfo(c.Update()) },
		SideRoutes: []string{tele.OnForward, tele.OnReply},
	})}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Handle registers h for endpoint as the bot's or group's Handle does, h
// and m tracked as the action named after the endpoint: a command, a
// tele.On* event, an exact text or a tele.CallbackEndpoint. Telebot
// panics on any other endpoint, as it does without tbot4.
func (t *Tracker) Handle(endpoint any, h tele.HandlerFunc, m ...tele.MiddlewareFunc) {
	t.core.Handle(endpoint, h, m)
}

// HandleAs is [Tracker.Handle] with the action named name. It returns an
// error and registers nothing when name is not a valid action name
// (lower-case [a-z0-9_]) or telebot would reject endpoint.
func (t *Tracker) HandleAs(name string, endpoint any, h tele.HandlerFunc, m ...tele.MiddlewareFunc) error {
	return t.core.HandleAs(name, endpoint, h, m)
}

// updateInfo returns the Bot API type of u (the name of its field that is
// set) and the date Telegram stamped it with, the zero time for the kinds
// it does not stamp, as tbot's does, with v4's message-like business and
// guest messages dated like messages.
func updateInfo(u tele.Update) (typ string, date time.Time) {
	for _, m := range []struct {
		typ string
		msg *tele.Message
	}{
		{"message", u.Message}, {"channel_post", u.ChannelPost}, {"business_message", u.BusinessMessage}, {"guest_message", u.GuestMessage},
	} {
		if m.msg != nil {
			return m.typ, telegram.Date(m.msg.Unixtime)
		}
	}
	for _, m := range []struct {
		typ string
		msg *tele.Message
	}{
		{"edited_message", u.EditedMessage}, {"edited_channel_post", u.EditedChannelPost}, {"edited_business_message", u.EditedBusinessMessage},
	} {
		if m.msg != nil {
			return m.typ, telegram.Date(m.msg.LastEdit)
		}
	}
	switch {
	case u.MessageReaction != nil:
		return "message_reaction", telegram.Date(u.MessageReaction.DateUnixtime)
	case u.MessageReactionCount != nil:
		return "message_reaction_count", telegram.Date(u.MessageReactionCount.DateUnixtime)
	case u.MyChatMember != nil:
		return "my_chat_member", telegram.Date(u.MyChatMember.Unixtime)
	case u.ChatMember != nil:
		return "chat_member", telegram.Date(u.ChatMember.Unixtime)
	case u.ChatJoinRequest != nil:
		return "chat_join_request", telegram.Date(u.ChatJoinRequest.Unixtime)
	}
	for _, k := range []struct {
		typ string
		set bool
	}{
		{"callback_query", u.Callback != nil}, {"inline_query", u.Query != nil}, {"chosen_inline_result", u.InlineResult != nil},
		{"shipping_query", u.ShippingQuery != nil}, {"pre_checkout_query", u.PreCheckoutQuery != nil},
		{"poll", u.Poll != nil}, {"poll_answer", u.PollAnswer != nil}, {"chat_boost", u.Boost != nil},
		{"removed_chat_boost", u.BoostRemoved != nil}, {"business_connection", u.BusinessConnection != nil},
		{"deleted_business_messages", u.DeletedBusinessMessages != nil}, {"purchased_paid_media", u.PurchasedPaidMedia != nil},
	} {
		if k.set {
			return k.typ, time.Time{}
		}
	}
	return metrics.TelegramUpdateOther, time.Time{}
}
