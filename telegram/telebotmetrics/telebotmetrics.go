package telebotmetrics

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
		Pkg:        "telebotmetrics",
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
// telebot untouched, which panics as it does without telebotmetrics.
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
