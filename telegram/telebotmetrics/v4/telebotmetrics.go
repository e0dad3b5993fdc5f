package telebotmetrics

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
		Pkg:        "telebotmetrics/v4",
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
// panics on any other endpoint, as it does without telebotmetrics.
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
// it does not stamp, as telebotmetrics's does, with v4's message-like business and
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
