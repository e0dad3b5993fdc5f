package telebotmetrics

import (
	"encoding/json"
	"errors"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/telebotcore"
)

// Poller returns the Poller to give the bot in place of p (a [Poller], a
// *tele.Webhook...): it runs p, and has the bot process each update p
// delivers on a goroutine of its own, counted once whether a route takes
// it or not, and in flight until ProcessUpdate returns. Give the bot
// Synchronous: true, so that ProcessUpdate returns once the handlers it
// ran have, and make the result the outermost Poller: it hands no update
// on to the dest channel of its Poll.
func (t *Tracker) Poller(p tele.Poller) tele.Poller {
	if d, ok := p.(*telebotcore.Dispatch[*tele.Bot, tele.Update]); ok {
		return d // counted already
	}
	d := &telebotcore.Dispatch[*tele.Bot, tele.Update]{
		Inner:   p,
		Handle:  t.handle,
		OnError: func(b *tele.Bot, err error) { b.OnError(err, nil) },
		Pkg:     "telebotmetrics",
	}
	switch p := p.(type) {
	case *Poller:
		if p == nil {
			d.Inner = nil
		} else {
			d.Direct = p.poll
		}
	case *tele.Webhook:
		d.StopBySend = true
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
// edited), the date of member, join request and reaction updates, and the
// zero time for the types the Bot API does not stamp (a callback's message
// is dated when the bot sent the button, not when the user pressed it).
func updateInfo(u tele.Update) (telegram.UpdateType, time.Time) {
	switch {
	case u.Message != nil:
		return telegram.UpdateMessage, telegram.Date(u.Message.Unixtime)
	case u.EditedMessage != nil:
		return telegram.UpdateEditedMessage, telegram.Date(u.EditedMessage.LastEdit)
	case u.ChannelPost != nil:
		return telegram.UpdateChannelPost, telegram.Date(u.ChannelPost.Unixtime)
	case u.EditedChannelPost != nil:
		return telegram.UpdateEditedChannelPost, telegram.Date(u.EditedChannelPost.LastEdit)
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
	case u.Callback != nil:
		return telegram.UpdateCallbackQuery, time.Time{}
	case u.Query != nil:
		return telegram.UpdateInlineQuery, time.Time{}
	case u.InlineResult != nil:
		return telegram.UpdateChosenInlineResult, time.Time{}
	case u.ShippingQuery != nil:
		return telegram.UpdateShippingQuery, time.Time{}
	case u.PreCheckoutQuery != nil:
		return telegram.UpdatePreCheckoutQuery, time.Time{}
	case u.Poll != nil:
		return telegram.UpdatePoll, time.Time{}
	case u.PollAnswer != nil:
		return telegram.UpdatePollAnswer, time.Time{}
	case u.Boost != nil:
		return telegram.UpdateChatBoost, time.Time{}
	case u.BoostRemoved != nil:
		return telegram.UpdateRemovedChatBoost, time.Time{}
	}
	return telegram.UpdateOther, time.Time{}
}

// sender returns the id of the person who sent u, 0 for none (a channel
// post, a poll, a boost, a bot's message...), and for a my_chat_member
// update the chat's type and the bot's new status. It reads the field
// updateInfo types u by.
func sender(u tele.Update) (id int64, chatType, status string) {
	var from *tele.User
	switch {
	case u.Message != nil:
		from = u.Message.Sender
	case u.EditedMessage != nil:
		from = u.EditedMessage.Sender
	case u.ChannelPost != nil, u.EditedChannelPost != nil:
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
	}
	if from == nil || from.IsBot {
		return 0, chatType, status
	}
	return from.ID, chatType, status
}

// rawInfo types, from its JSON, an update of a type telebot v3 does not
// decode, dated as telebot v4 dates them, and returns the id of the
// person who sent it, as sender does.
func rawInfo(raw json.RawMessage) (telegram.UpdateType, time.Time, int64) {
	var u struct {
		BusinessConnection      *struct{}   `json:"business_connection"`
		BusinessMessage         *rawMessage `json:"business_message"`
		EditedBusinessMessage   *rawMessage `json:"edited_business_message"`
		DeletedBusinessMessages *struct{}   `json:"deleted_business_messages"`
		PurchasedPaidMedia      *struct {
			From rawUser `json:"from"`
		} `json:"purchased_paid_media"`
	}
	if err := json.Unmarshal(raw, &u); err != nil && !isTypeError(err) {
		return telegram.UpdateOther, time.Time{}, 0
	}
	switch {
	case u.BusinessConnection != nil:
		return telegram.UpdateBusinessConnection, time.Time{}, 0
	case u.BusinessMessage != nil:
		return telegram.UpdateBusinessMessage, telegram.Date(u.BusinessMessage.Date), u.BusinessMessage.From.person()
	case u.EditedBusinessMessage != nil:
		return telegram.UpdateEditedBusinessMessage, telegram.Date(u.EditedBusinessMessage.EditDate), u.EditedBusinessMessage.From.person()
	case u.DeletedBusinessMessages != nil:
		return telegram.UpdateDeletedBusinessMessages, time.Time{}, 0
	case u.PurchasedPaidMedia != nil:
		return telegram.UpdatePurchasedPaidMedia, time.Time{}, u.PurchasedPaidMedia.From.person()
	}
	return telegram.UpdateOther, time.Time{}, 0
}

// rawMessage is what rawInfo reads of a business message.
type rawMessage struct {
	Date     int64   `json:"date"`
	EditDate int64   `json:"edit_date"`
	From     rawUser `json:"from"`
}

// rawUser is what rawInfo reads of a from.
type rawUser struct {
	ID    int64 `json:"id"`
	IsBot bool  `json:"is_bot"`
}

// person is the id of u, 0 when it is a bot or there is none.
func (u rawUser) person() int64 {
	if u.IsBot {
		return 0
	}
	return u.ID
}

// isTypeError reports whether err is a field of the JSON whose type is
// not the one expected: the others are read all the same, the field left
// zero.
func isTypeError(err error) bool {
	var e *json.UnmarshalTypeError
	return errors.As(err, &e)
}
