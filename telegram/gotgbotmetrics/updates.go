package gotgbotmetrics

import (
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"

	"github.com/genapp-go/genapp/telegram"
)

// processor records every update the dispatcher handles around the
// Processor it wraps, which gotgbot runs once per update, before any
// handler.
type processor struct {
	next ext.Processor
	t    *Tracker
}

// ProcessUpdate counts the update by type, observes its lag and holds it in
// genapp_telegram_handlers_in_flight while next handles it, a panic
// included (the dispatcher recovers it above).
func (p processor) ProcessUpdate(d *ext.Dispatcher, b *gotgbot.Bot, ctx *ext.Context) error {
	typ, date := updateInfo(ctx.Update)
	u := p.t.metrics().StartTelegramUpdate(string(typ), date)
	defer u.End()
	return p.next.ProcessUpdate(d, b, ctx)
}

// updateInfo returns the type of u, the Bot API field that is set, and
// when Telegram stamped it: a message's date (its edit_date when edited),
// the date of member, join request and reaction updates, and the zero time
// for the others, which carry no stamp (a callback query's message date is
// when the bot sent the button). A stamp of 0 is none.
func updateInfo(u *gotgbot.Update) (telegram.UpdateType, time.Time) {
	switch {
	case u == nil:
		return telegram.UpdateOther, time.Time{}
	case u.Message != nil:
		return telegram.UpdateMessage, telegram.Date(u.Message.Date)
	case u.EditedMessage != nil:
		return telegram.UpdateEditedMessage, telegram.Date(u.EditedMessage.EditDate)
	case u.ChannelPost != nil:
		return telegram.UpdateChannelPost, telegram.Date(u.ChannelPost.Date)
	case u.EditedChannelPost != nil:
		return telegram.UpdateEditedChannelPost, telegram.Date(u.EditedChannelPost.EditDate)
	case u.BusinessMessage != nil:
		return telegram.UpdateBusinessMessage, telegram.Date(u.BusinessMessage.Date)
	case u.EditedBusinessMessage != nil:
		return telegram.UpdateEditedBusinessMessage, telegram.Date(u.EditedBusinessMessage.EditDate)
	case u.MyChatMember != nil:
		return telegram.UpdateMyChatMember, telegram.Date(u.MyChatMember.Date)
	case u.ChatMember != nil:
		return telegram.UpdateChatMember, telegram.Date(u.ChatMember.Date)
	case u.ChatJoinRequest != nil:
		return telegram.UpdateChatJoinRequest, telegram.Date(u.ChatJoinRequest.Date)
	case u.MessageReaction != nil:
		return telegram.UpdateMessageReaction, telegram.Date(u.MessageReaction.Date)
	case u.MessageReactionCount != nil:
		return telegram.UpdateMessageReactionCount, telegram.Date(u.MessageReactionCount.Date)
	case u.CallbackQuery != nil:
		return telegram.UpdateCallbackQuery, time.Time{}
	case u.InlineQuery != nil:
		return telegram.UpdateInlineQuery, time.Time{}
	case u.ChosenInlineResult != nil:
		return telegram.UpdateChosenInlineResult, time.Time{}
	case u.ShippingQuery != nil:
		return telegram.UpdateShippingQuery, time.Time{}
	case u.PreCheckoutQuery != nil:
		return telegram.UpdatePreCheckoutQuery, time.Time{}
	case u.Poll != nil:
		return telegram.UpdatePoll, time.Time{}
	case u.PollAnswer != nil:
		return telegram.UpdatePollAnswer, time.Time{}
	case u.ChatBoost != nil:
		return telegram.UpdateChatBoost, time.Time{}
	case u.RemovedChatBoost != nil:
		return telegram.UpdateRemovedChatBoost, time.Time{}
	case u.PurchasedPaidMedia != nil:
		return telegram.UpdatePurchasedPaidMedia, time.Time{}
	case u.DeletedBusinessMessages != nil:
		return telegram.UpdateDeletedBusinessMessages, time.Time{}
	case u.BusinessConnection != nil:
		return telegram.UpdateBusinessConnection, time.Time{}
	}
	return telegram.UpdateOther, time.Time{}
}
