package telebotmetrics

import (
	"encoding/json"

	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/record"
	"github.com/genapp-go/genapp/telegram/internal/telebotcore"
)

// Poller returns the Poller to give the bot in place of p (a [Poller], a
// *tele.Webhook...): it runs p, and has the bot process each update p
// delivers on a goroutine of its own, counted once whether a route takes
// it or not, and however many routes run for it, and in flight until
// ProcessUpdate returns. Give the bot Synchronous: true, so that
// ProcessUpdate returns once the handlers it ran have, and make the result
// the outermost Poller: it hands no update on to the dest channel of its
// Poll.
func (t *Tracker) Poller(p tele.Poller) tele.Poller {
	if d, ok := p.(*telebotcore.Dispatch[*tele.Bot, tele.Update]); ok {
		return d // counted already
	}
	d := &telebotcore.Dispatch[*tele.Bot, tele.Update]{
		Inner:   p,
		Handle:  t.handle,
		OnError: func(b *tele.Bot, err error) { b.OnError(err, nil) },
		Pkg:     "telebotmetrics/v4",
	}
	if p, ok := p.(*Poller); ok {
		if p == nil {
			d.Inner = nil
		} else {
			d.Direct = p.poll
		}
	}
	return d
}

// ProcessUpdate has b process u, counted as [Tracker.Poller] counts an
// update: for a webhook handler of your own, with a Synchronous bot.
func (t *Tracker) ProcessUpdate(b *tele.Bot, u tele.Update) { t.handle(b, &u, nil) }

func (t *Tracker) handle(b *tele.Bot, u *tele.Update, raw json.RawMessage) {
	t.updates.Handle(t.core.Metrics(), b, u, raw)
}

// describe returns what the update families record of u (see
// [record.Info]): the field of it that is set, its stamp (see
// [record.Info.Date]; business messages like messages), the person who
// sent it and, for a my_chat_member, the chat's type and the bot's new
// status. A guest message, which the module does not know, is other,
// dated like a message, from no one.
func describe(u tele.Update) record.Info {
	switch {
	case u.Message != nil:
		return record.Info{Type: telegram.UpdateMessage, Date: u.Message.Unixtime, From: person(u.Message.Sender)}
	case u.ChannelPost != nil:
		return record.Info{Type: telegram.UpdateChannelPost, Date: u.ChannelPost.Unixtime}
	case u.BusinessMessage != nil:
		return record.Info{Type: telegram.UpdateBusinessMessage, Date: u.BusinessMessage.Unixtime, From: person(u.BusinessMessage.Sender)}
	case u.GuestMessage != nil:
		return record.Info{Type: telegram.UpdateOther, Date: u.GuestMessage.Unixtime}
	case u.EditedMessage != nil:
		return record.Info{Type: telegram.UpdateEditedMessage, Date: u.EditedMessage.LastEdit, From: person(u.EditedMessage.Sender)}
	case u.EditedChannelPost != nil:
		return record.Info{Type: telegram.UpdateEditedChannelPost, Date: u.EditedChannelPost.LastEdit}
	case u.EditedBusinessMessage != nil:
		return record.Info{Type: telegram.UpdateEditedBusinessMessage, Date: u.EditedBusinessMessage.LastEdit, From: person(u.EditedBusinessMessage.Sender)}
	case u.MessageReaction != nil:
		return record.Info{Type: telegram.UpdateMessageReaction, Date: u.MessageReaction.DateUnixtime, From: person(u.MessageReaction.User)}
	case u.MessageReactionCount != nil:
		return record.Info{Type: telegram.UpdateMessageReactionCount, Date: u.MessageReactionCount.DateUnixtime}
	case u.MyChatMember != nil:
		c := u.MyChatMember
		i := record.Info{Type: telegram.UpdateMyChatMember, Date: c.Unixtime, From: person(c.Sender)}
		if c.Chat != nil {
			i.ChatType = telebotcore.ChatType(c.Chat.Type)
		}
		if c.NewChatMember != nil {
			i.Status = string(c.NewChatMember.Role)
		}
		return i
	case u.ChatMember != nil:
		return record.Info{Type: telegram.UpdateChatMember, Date: u.ChatMember.Unixtime, From: person(u.ChatMember.Sender)}
	case u.ChatJoinRequest != nil:
		return record.Info{Type: telegram.UpdateChatJoinRequest, Date: u.ChatJoinRequest.Unixtime, From: person(u.ChatJoinRequest.Sender)}
	case u.Callback != nil:
		return record.Info{Type: telegram.UpdateCallbackQuery, From: person(u.Callback.Sender)}
	case u.Query != nil:
		return record.Info{Type: telegram.UpdateInlineQuery, From: person(u.Query.Sender)}
	case u.InlineResult != nil:
		return record.Info{Type: telegram.UpdateChosenInlineResult, From: person(u.InlineResult.Sender)}
	case u.ShippingQuery != nil:
		return record.Info{Type: telegram.UpdateShippingQuery, From: person(u.ShippingQuery.Sender)}
	case u.PreCheckoutQuery != nil:
		return record.Info{Type: telegram.UpdatePreCheckoutQuery, From: person(u.PreCheckoutQuery.Sender)}
	case u.Poll != nil:
		return record.Info{Type: telegram.UpdatePoll}
	case u.PollAnswer != nil:
		return record.Info{Type: telegram.UpdatePollAnswer, From: person(u.PollAnswer.Sender)}
	case u.Boost != nil:
		return record.Info{Type: telegram.UpdateChatBoost}
	case u.BoostRemoved != nil:
		return record.Info{Type: telegram.UpdateRemovedChatBoost}
	case u.BusinessConnection != nil:
		return record.Info{Type: telegram.UpdateBusinessConnection}
	case u.DeletedBusinessMessages != nil:
		return record.Info{Type: telegram.UpdateDeletedBusinessMessages}
	case u.PurchasedPaidMedia != nil:
		return record.Info{Type: telegram.UpdatePurchasedPaidMedia, From: person(u.PurchasedPaidMedia.From)}
	}
	return record.Info{Type: telegram.UpdateOther}
}

// person returns the id of user, 0 for nil or a bot.
func person(user *tele.User) int64 {
	if user == nil || user.IsBot {
		return 0
	}
	return user.ID
}
