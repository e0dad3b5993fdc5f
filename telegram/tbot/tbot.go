// Package tbot tracks the handlers of a gopkg.in/telebot.v3 bot as actions:
// each run of a handler counts in genapp_action_count_total with status "ok"
// or "error" and its duration goes to genapp_action_duration_sec, under the
// name [telegram.ActionName] derives from the endpoint it was registered for.
//
// Register handlers through a [Tracker] instead of the bot or group:
//
//	tr := tbot.New(bot)
//	tr.Handle("/start", onStart)      // start_handler
//	tr.Handle(&btnMenu, onMenu)       // menu_callback_handler (btnMenu.Unique == "menu")
//	tr.Handle(tele.OnText, onText)    // text_handler, and unknown_command_handler
//	tr.Handle(tele.OnCallback, onCb)  // callback_handler
//
// # Where tracking sits
//
// Telebot builds a route's chain at Handle time as: the middleware installed
// with Use on the bot, then on the group, then the middleware passed to
// Handle, then the handler. The tracker adds itself as the first middleware
// passed to Handle, so:
//
//   - middleware given to Handle runs inside the tracked action: its time
//     counts, and an update it rejects is still a run of the route;
//   - middleware installed with Use runs outside it, as without tbot: a
//     global filter that drops an update means no handler ran and nothing is
//     recorded, and a recover middleware installed with Use (such as
//     telebot's middleware.Recover) sees the handler's panic after the
//     tracker has recorded it.
//
// # Outcomes
//
// A returned error is recorded as "error" and returned unchanged, so it
// still reaches the middleware installed with Use and then the bot's
// OnError. A panic is recorded as "error" and continues unchanged: with a
// recover middleware installed with Use it is recovered there; without one
// it ends the process, as it would without tbot, because telebot runs
// handlers on their own goroutines.
//
// # Unknown commands and callbacks
//
// Telebot hands a command that has no route to the OnText handler, and a
// callback whose button has no route to the OnCallback handler. A run of the
// OnText handler for a message that is a command (telebot's own syntax,
// "/word" or "/word@bot" followed by a space or the end) is recorded as
// unknown_command_handler, any other as text_handler (or the name given to
// HandleAs). Without an OnText handler telebot drops unknown commands and
// nothing is recorded. Callbacks without a route are recorded under the
// OnCallback handler's name, callback_handler by default.
//
// # Updates
//
// Each update a route takes is also counted for the bot's health:
// genapp_telegram_updates_total{type}, genapp_telegram_update_lag_sec{type}
// (from the date Telegram stamped it with; callbacks and queries have none)
// and genapp_telegram_handlers_in_flight while the route runs. Telebot has
// no middleware for all updates (Use middleware is copied into each
// route), so this is done by the tracked route too: an update that no
// route takes (no handler for its kind, a command for another bot), or
// that a Use filter drops, is not counted.
//
// # Polling
//
// Give the bot a [Poller] instead of telebot's LongPoller, which retries a
// failing getUpdates at once, thousands of times a second, and silently:
// the Poller backs off, honours retry_after, stops on 401 and 409, reports
// every failure to OnError, and survives answers that make telebot panic.
//
// # The bot token
//
// tbot writes no log lines and makes no errors of its own. Errors from
// telebot's HTTP calls quote the request URL, which contains the token;
// give the bot an *http.Client from this module's httpclient package (its
// Telegram preset removes the token from errors) to keep it out of OnError.
package tbot

import (
	"time"

	tele "gopkg.in/telebot.v3"

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

// WithMetrics records in m instead of [metrics.Default]. A nil m records
// nothing.
func WithMetrics(m *metrics.Metrics) Option {
	return func(t *Tracker) { t.core.Metrics = func() *metrics.Metrics { return m } }
}

// New returns a Tracker that registers on e, a *tele.Bot or a *tele.Group.
// Unless [WithMetrics] says otherwise it records in [metrics.Default],
// looked up at each run, so handlers may be registered before
// [metrics.Init].
func New(e Endpoints, opts ...Option) *Tracker {
	t := &Tracker{core: telebotcore.NewTracker(e.Handle, telebotcore.Version[tele.Context]{
		Pkg:        "tbot",
		IsFlood:    telebotcore.Is[tele.FloodError],
		UpdateInfo: func(c tele.Context) (string, time.Time) { return updateInfo(c.Update()) },
	})}
	for _, o := range opts {
		o(t)
	}
	return t
}

// Handle registers h for endpoint, exactly as the bot's or group's Handle
// does, with h and m tracked as the action [telegram.ActionName] gives the
// endpoint. Endpoints are those telebot accepts: a command ("/start"), a
// tele.On* event, an exact text, or a tele.CallbackEndpoint (*tele.Btn,
// *tele.InlineButton, *tele.ReplyButton). Any other endpoint goes to
// telebot untouched, which panics as it does without tbot.
func (t *Tracker) Handle(endpoint any, h tele.HandlerFunc, m ...tele.MiddlewareFunc) {
	t.core.Handle(endpoint, h, m)
}

// HandleAs is [Tracker.Handle] with the action named name instead of the
// derived name. It returns an error and registers nothing when name is not
// valid (see [telegram.CheckName]) or when telebot would not accept
// endpoint.
func (t *Tracker) HandleAs(name string, endpoint any, h tele.HandlerFunc, m ...tele.MiddlewareFunc) error {
	return t.core.HandleAs(name, endpoint, h, m)
}

// updateInfo returns the Bot API type of u, the name of its field that is
// set ("other" when none of those telebot v3 knows is), and the date
// Telegram stamped it with: a message's date (edit_date when edited), the
// date of member, join request and reaction updates, and the zero time for
// the kinds the Bot API does not stamp (a callback's message date is when
// the bot sent the button, not when the user pressed it).
func updateInfo(u tele.Update) (string, time.Time) {
	switch {
	case u.Message != nil:
		return "message", telegram.Date(u.Message.Unixtime)
	case u.EditedMessage != nil:
		return "edited_message", telegram.Date(u.EditedMessage.LastEdit)
	case u.ChannelPost != nil:
		return "channel_post", telegram.Date(u.ChannelPost.Unixtime)
	case u.EditedChannelPost != nil:
		return "edited_channel_post", telegram.Date(u.EditedChannelPost.LastEdit)
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
	case u.Callback != nil:
		return "callback_query", time.Time{}
	case u.Query != nil:
		return "inline_query", time.Time{}
	case u.InlineResult != nil:
		return "chosen_inline_result", time.Time{}
	case u.ShippingQuery != nil:
		return "shipping_query", time.Time{}
	case u.PreCheckoutQuery != nil:
		return "pre_checkout_query", time.Time{}
	case u.Poll != nil:
		return "poll", time.Time{}
	case u.PollAnswer != nil:
		return "poll_answer", time.Time{}
	case u.Boost != nil:
		return "chat_boost", time.Time{}
	case u.BoostRemoved != nil:
		return "removed_chat_boost", time.Time{}
	}
	return metrics.TelegramUpdateOther, time.Time{}
}
