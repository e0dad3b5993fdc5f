package telegometrics

import (
	"time"

	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
)

// Middleware returns the telego middleware that records every update it
// sees in the genapp_telegram_* update families, under the Tracker's
// metrics: genapp_telegram_updates_total{type} and
// genapp_telegram_update_lag_sec{type} (now minus the date Telegram
// stamped it with), and genapp_telegram_handlers_in_flight for as long as
// the rest of the chain runs. Install it once per bot, with Use on the
// *th.BotHandler before everything else, so that it sees every update,
// routed or not:
//
//	bh.Use(tr.Middleware())
//	bh.Use(th.PanicRecovery())
//
// An update whose handler panics leaves the in-flight gauge as it leaves
// the chain.
func (t *Tracker) Middleware() th.Handler {
	return func(ctx *th.Context, u telego.Update) error {
		in := t.metrics().StartTelegramUpdate(updateInfo(u))
		defer in.End()
		return ctx.Next(u)
	}
}

// updateInfo returns the Bot API type of u and the date Telegram stamped it
// with: a message's date (its edit_date when edited), that of a chat member
// update, join request or reaction, and the zero time for updates that
// carry none (a callback query's message is dated when the bot sent it, not
// when the user pressed the button). An update of no type metrics knows is
// "other".
func updateInfo(u telego.Update) (typ string, date time.Time) {
	switch {
	case u.Message != nil:
		return "message", telegram.Date(u.Message.Date)
	case u.EditedMessage != nil:
		return "edited_message", telegram.Date(u.EditedMessage.EditDate)
	case u.ChannelPost != nil:
		return "channel_post", telegram.Date(u.ChannelPost.Date)
	case u.EditedChannelPost != nil:
		return "edited_channel_post", telegram.Date(u.EditedChannelPost.EditDate)
	case u.BusinessMessage != nil:
		return "business_message", telegram.Date(u.BusinessMessage.Date)
	case u.EditedBusinessMessage != nil:
		return "edited_business_message", telegram.Date(u.EditedBusinessMessage.EditDate)
	case u.CallbackQuery != nil:
		return "callback_query", time.Time{}
	case u.InlineQuery != nil:
		return "inline_query", time.Time{}
	case u.ChosenInlineResult != nil:
		return "chosen_inline_result", time.Time{}
	case u.ShippingQuery != nil:
		return "shipping_query", time.Time{}
	case u.PreCheckoutQuery != nil:
		return "pre_checkout_query", time.Time{}
	case u.Poll != nil:
		return "poll", time.Time{}
	case u.PollAnswer != nil:
		return "poll_answer", time.Time{}
	case u.MyChatMember != nil:
		return "my_chat_member", telegram.Date(u.MyChatMember.Date)
	case u.ChatMember != nil:
		return "chat_member", telegram.Date(u.ChatMember.Date)
	case u.ChatJoinRequest != nil:
		return "chat_join_request", telegram.Date(u.ChatJoinRequest.Date)
	case u.MessageReaction != nil:
		return "message_reaction", telegram.Date(u.MessageReaction.Date)
	case u.MessageReactionCount != nil:
		return "message_reaction_count", telegram.Date(u.MessageReactionCount.Date)
	case u.ChatBoost != nil:
		return "chat_boost", time.Time{}
	case u.RemovedChatBoost != nil:
		return "removed_chat_boost", time.Time{}
	case u.PurchasedPaidMedia != nil:
		return "purchased_paid_media", time.Time{}
	case u.DeletedBusinessMessages != nil:
		return "deleted_business_messages", time.Time{}
	case u.BusinessConnection != nil:
		return "business_connection", time.Time{}
	}
	return metrics.TelegramUpdateOther, time.Time{}
}
