package gotgbotmetrics

import (
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"

	"github.com/genapp-go/genapp/telegram"
)

// processor records every update the dispatcher handles around
// the Processor it wraps.
type processor struct {
	next ext.Processor
	t    *Tracker
}

// ProcessUpdate counts the update by type, observes its lag and holds it in
// genapp_telegram_handlers_in_flight while next handles it, a panic
// included (the dispatcher recovers it above).
func (p processor) ProcessUpdate(d *ext.Dispatcher, b *gotgbot.Bot, ctx *ext.Context) error {
	typ, date := updateInfo(ctx.Update)
	u := p.t.metrics().StartTelegramUpdate(typ, date)
	defer u.End()
	return p.next.ProcessUpdate(d, b, ctx)
}

// updateInfo returns the type of u, the name of the Bot API field that is
// set, and when Telegram stamped it: a message's date (its edit_date when
// edited), the date of member, join request and reaction updates, and the
// zero time for the others, which carry no stamp (a callback query's
// message date is when the bot sent the button). A stamp of 0 is none.
func updateInfo(u *gotgbot.Update) (typ string, date time.Time) {
	switch {
	case u == nil:
		return "other", time.Time{}
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
	return "other", time.Time{}
}
