package telebotmetrics

import (
	"encoding/json"
	"time"

	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/telegram"
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

// updateInfo returns the type of u, the field of it that is set, and the
// date Telegram stamped it with: a message's date (edit_date when
// edited; business messages like messages), the date of member, join
// request and reaction updates, and the zero time for the types the Bot
// API does not stamp (a callback's message is dated when the bot sent the
// button, not when the user pressed it). A guest message, which the
// module does not know, is other, dated like a message.
func updateInfo(u tele.Update) (telegram.UpdateType, time.Time) {
	for _, m := range [...]struct {
		typ telegram.UpdateType
		msg *tele.Message
	}{
		{telegram.UpdateMessage, u.Message}, {telegram.UpdateChannelPost, u.ChannelPost},
		{telegram.UpdateBusinessMessage, u.BusinessMessage}, {telegram.UpdateOther, u.GuestMessage},
	} {
		if m.msg != nil {
			return m.typ, telegram.Date(m.msg.Unixtime)
		}
	}
	for _, m := range [...]struct {
		typ telegram.UpdateType
		msg *tele.Message
	}{
		{telegram.UpdateEditedMessage, u.EditedMessage}, {telegram.UpdateEditedChannelPost, u.EditedChannelPost},
		{telegram.UpdateEditedBusinessMessage, u.EditedBusinessMessage},
	} {
		if m.msg != nil {
			return m.typ, telegram.Date(m.msg.LastEdit)
		}
	}
	switch {
	case u.MessageReaction != nil:
		return telegram.UpdateMessageReaction, telegram.Date(u.MessageReaction.DateUnixtime)
	case u.MessageReactionCount != nil:
		return telegram.UpdateMessageReactionCount, telegram.Date(u.MessageReactionCount.DateUnixtime)
	case u.MyChatMember != nil:
		return telegram.UpdateMyChatMember, telegram.Date(u.MyChatMember.Unixtime)
	case u.ChatMember != nil:
		return telegram.UpdateChatMember, telegram.Date(u.ChatMember.Unixtime)
	case u.ChatJoinRequest != nil:
		return telegram.UpdateChatJoinRequest, telegram.Date(u.ChatJoinRequest.Unixtime)
	}
	for _, k := range [...]struct {
		typ telegram.UpdateType
		set bool
	}{
		{telegram.UpdateCallbackQuery, u.Callback != nil}, {telegram.UpdateInlineQuery, u.Query != nil},
		{telegram.UpdateChosenInlineResult, u.InlineResult != nil}, {telegram.UpdateShippingQuery, u.ShippingQuery != nil},
		{telegram.UpdatePreCheckoutQuery, u.PreCheckoutQuery != nil}, {telegram.UpdatePoll, u.Poll != nil},
		{telegram.UpdatePollAnswer, u.PollAnswer != nil}, {telegram.UpdateChatBoost, u.Boost != nil},
		{telegram.UpdateRemovedChatBoost, u.BoostRemoved != nil}, {telegram.UpdateBusinessConnection, u.BusinessConnection != nil},
		{telegram.UpdateDeletedBusinessMessages, u.DeletedBusinessMessages != nil}, {telegram.UpdatePurchasedPaidMedia, u.PurchasedPaidMedia != nil},
	} {
		if k.set {
			return k.typ, time.Time{}
		}
	}
	return telegram.UpdateOther, time.Time{}
}

// sender returns the id of the person who sent u, 0 for none (a channel
// post, a poll, a boost, a business connection, a bot's message...), and
// for a my_chat_member update the chat's type and the bot's new status.
// It reads the field updateInfo types u by; a guest message, which is
// other, counts no one.
func sender(u tele.Update) (id int64, chatType, status string) {
	var from *tele.User
	switch {
	case u.Message != nil:
		from = u.Message.Sender
	case u.ChannelPost != nil:
	case u.BusinessMessage != nil:
		from = u.BusinessMessage.Sender
	case u.GuestMessage != nil:
	case u.EditedMessage != nil:
		from = u.EditedMessage.Sender
	case u.EditedChannelPost != nil:
	case u.EditedBusinessMessage != nil:
		from = u.EditedBusinessMessage.Sender
	case u.MessageReaction != nil:
		from = u.MessageReaction.User
	case u.MessageReactionCount != nil:
	case u.MyChatMember != nil:
		from = u.MyChatMember.Sender
		if c := u.MyChatMember.Chat; c != nil {
			chatType = telebotcore.ChatType(c.Type)
		}
		if m := u.MyChatMember.NewChatMember; m != nil {
			status = string(m.Role)
		}
	case u.ChatMember != nil:
		from = u.ChatMember.Sender
	case u.ChatJoinRequest != nil:
		from = u.ChatJoinRequest.Sender
	case u.Callback != nil:
		from = u.Callback.Sender
	case u.Query != nil:
		from = u.Query.Sender
	case u.InlineResult != nil:
		from = u.InlineResult.Sender
	case u.ShippingQuery != nil:
		from = u.ShippingQuery.Sender
	case u.PreCheckoutQuery != nil:
		from = u.PreCheckoutQuery.Sender
	case u.PollAnswer != nil:
		from = u.PollAnswer.Sender
	case u.PurchasedPaidMedia != nil:
		from = u.PurchasedPaidMedia.From
	}
	if from == nil || from.IsBot {
		return 0, chatType, status
	}
	return from.ID, chatType, status
}
