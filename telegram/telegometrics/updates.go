package telegometrics

import (
	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/record"
)

// countUpdate is the middleware New installs: it records every update
// that reaches the router, routed or not, in
// genapp_telegram_updates_total{type} and genapp_telegram_update_lag_sec{type}
// (now minus the date Telegram stamped it with), and in
// genapp_telegram_handlers_in_flight for as long as the rest of the chain
// runs, a panicking handler's included. It also counts the person who
// sent the update among the active users, and the bot's new status of a
// my_chat_member.
func (t *Tracker) countUpdate(ctx *th.Context, u telego.Update) error {
	defer record.Update(t.metrics(), describe(&u)).End()
	return ctx.Next(u)
}

// describe returns what the update families record of u (see
// [record.Info]): the field that is set, its stamp, the person in its
// from (a poll answer's or reaction's user) and, for a my_chat_member, the
// chat's type and the bot's new status ("" when telego holds no new
// member: its ChatMember is an interface, one type per status).
func describe(u *telego.Update) record.Info {
	switch {
	case u.Message != nil:
		return record.Info{Type: telegram.UpdateMessage, Date: u.Message.Date, From: person(u.Message.From)}
	case u.EditedMessage != nil:
		return record.Info{Type: telegram.UpdateEditedMessage, Date: u.EditedMessage.EditDate, From: person(u.EditedMessage.From)}
	case u.ChannelPost != nil:
		return record.Info{Type: telegram.UpdateChannelPost, Date: u.ChannelPost.Date}
	case u.EditedChannelPost != nil:
		return record.Info{Type: telegram.UpdateEditedChannelPost, Date: u.EditedChannelPost.EditDate}
	case u.BusinessMessage != nil:
		return record.Info{Type: telegram.UpdateBusinessMessage, Date: u.BusinessMessage.Date, From: person(u.BusinessMessage.From)}
	case u.EditedBusinessMessage != nil:
		return record.Info{Type: telegram.UpdateEditedBusinessMessage, Date: u.EditedBusinessMessage.EditDate, From: person(u.EditedBusinessMessage.From)}
	case u.CallbackQuery != nil:
		return record.Info{Type: telegram.UpdateCallbackQuery, From: person(&u.CallbackQuery.From)}
	case u.InlineQuery != nil:
		return record.Info{Type: telegram.UpdateInlineQuery, From: person(&u.InlineQuery.From)}
	case u.ChosenInlineResult != nil:
		return record.Info{Type: telegram.UpdateChosenInlineResult, From: person(&u.ChosenInlineResult.From)}
	case u.ShippingQuery != nil:
		return record.Info{Type: telegram.UpdateShippingQuery, From: person(&u.ShippingQuery.From)}
	case u.PreCheckoutQuery != nil:
		return record.Info{Type: telegram.UpdatePreCheckoutQuery, From: person(&u.PreCheckoutQuery.From)}
	case u.Poll != nil:
		return record.Info{Type: telegram.UpdatePoll}
	case u.PollAnswer != nil:
		return record.Info{Type: telegram.UpdatePollAnswer, From: person(u.PollAnswer.User)}
	case u.MyChatMember != nil:
		c := u.MyChatMember
		i := record.Info{Type: telegram.UpdateMyChatMember, Date: c.Date, From: person(&c.From), ChatType: c.Chat.Type}
		if c.NewChatMember != nil {
			i.Status = c.NewChatMember.MemberStatus()
		}
		return i
	case u.ChatMember != nil:
		return record.Info{Type: telegram.UpdateChatMember, Date: u.ChatMember.Date, From: person(&u.ChatMember.From)}
	case u.ChatJoinRequest != nil:
		return record.Info{Type: telegram.UpdateChatJoinRequest, Date: u.ChatJoinRequest.Date, From: person(&u.ChatJoinRequest.From)}
	case u.MessageReaction != nil:
		return record.Info{Type: telegram.UpdateMessageReaction, Date: u.MessageReaction.Date, From: person(u.MessageReaction.User)}
	case u.MessageReactionCount != nil:
		return record.Info{Type: telegram.UpdateMessageReactionCount, Date: u.MessageReactionCount.Date}
	case u.ChatBoost != nil:
		return record.Info{Type: telegram.UpdateChatBoost}
	case u.RemovedChatBoost != nil:
		return record.Info{Type: telegram.UpdateRemovedChatBoost}
	case u.PurchasedPaidMedia != nil:
		return record.Info{Type: telegram.UpdatePurchasedPaidMedia, From: person(&u.PurchasedPaidMedia.From)}
	case u.DeletedBusinessMessages != nil:
		return record.Info{Type: telegram.UpdateDeletedBusinessMessages}
	case u.BusinessConnection != nil:
		return record.Info{Type: telegram.UpdateBusinessConnection}
	}
	return record.Info{Type: telegram.UpdateOther}
}

// person returns the id of user, 0 for nil or a bot.
func person(user *telego.User) int64 {
	if user == nil || user.IsBot {
		return 0
	}
	return user.ID
}
