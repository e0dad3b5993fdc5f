package gotgbotmetrics

import (
	"time"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/record"
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
// included (the dispatcher recovers it above). It also counts the person
// who sent the update among the active users, and the bot's new status of
// a my_chat_member.
func (p processor) ProcessUpdate(d *ext.Dispatcher, b *gotgbot.Bot, ctx *ext.Context) error {
	typ, date := updateInfo(ctx.Update)
	id, chatType, status := sender(ctx.Update, typ)
	defer record.Update(p.t.metrics(), typ, date, id, chatType, status).End()
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

// sender returns who sent u, of type typ (updateInfo's): the id of the
// person in its from (a poll answer's or reaction's user), 0 when it has
// none or the sender is a bot; and for a my_chat_member, the chat's type
// and the bot's new status ("" when gotgbot decoded no new member).
func sender(u *gotgbot.Update, typ telegram.UpdateType) (id int64, chatType, status string) {
	switch typ {
	case telegram.UpdateMessage:
		return person(u.Message.From), "", ""
	case telegram.UpdateEditedMessage:
		return person(u.EditedMessage.From), "", ""
	case telegram.UpdateBusinessMessage:
		return person(u.BusinessMessage.From), "", ""
	case telegram.UpdateEditedBusinessMessage:
		return person(u.EditedBusinessMessage.From), "", ""
	case telegram.UpdateCallbackQuery:
		return person(&u.CallbackQuery.From), "", ""
	case telegram.UpdateInlineQuery:
		return person(&u.InlineQuery.From), "", ""
	case telegram.UpdateChosenInlineResult:
		return person(&u.ChosenInlineResult.From), "", ""
	case telegram.UpdateShippingQuery:
		return person(&u.ShippingQuery.From), "", ""
	case telegram.UpdatePreCheckoutQuery:
		return person(&u.PreCheckoutQuery.From), "", ""
	case telegram.UpdatePurchasedPaidMedia:
		return person(&u.PurchasedPaidMedia.From), "", ""
	case telegram.UpdatePollAnswer:
		return person(u.PollAnswer.User), "", ""
	case telegram.UpdateMessageReaction:
		return person(u.MessageReaction.User), "", ""
	case telegram.UpdateMyChatMember:
		c := u.MyChatMember
		// gotgbot's ChatMember is an interface, one type per status: nil
		// when the update has no new_chat_member.
		if c.NewChatMember != nil {
			status = c.NewChatMember.GetStatus()
		}
		return person(&c.From), c.Chat.Type, status
	case telegram.UpdateChatMember:
		return person(&u.ChatMember.From), "", ""
	case telegram.UpdateChatJoinRequest:
		return person(&u.ChatJoinRequest.From), "", ""
	}
	return 0, "", ""
}

// person returns the id of user, 0 for nil or a bot.
func person(user *gotgbot.User) int64 {
	if user == nil || user.IsBot {
		return 0
	}
	return user.Id
}
