package tgbotapimetrics

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/record"
)

// handle runs the handler of the route that takes u (ok is false when none
// does), with the run in flight, when flight is not nil. Every update
// counts in the genapp_telegram_* families, routed or not (its type, its
// lag, the person who sent it, the bot's new status for a my_chat_member),
// and is in flight until its handler returned. raw is u's JSON when the Poller
// fetched it: the type of an update tgbotapi does not decode is read from
// it.
func (r *Router) handle(ctx context.Context, u tgbotapi.Update, raw json.RawMessage, flight *inFlight) (rt route, ok bool, err error) {
	m := r.metrics()
	typ, date := updateInfo(u)
	id, chatType, status := sender(u)
	if typ == telegram.UpdateOther && raw != nil {
		typ, date, id = rawInfo(raw)
	}
	tu := record.Update(m, typ, date, id, chatType, status)
	defer tu.End()
	if rt, ok = r.route(u); !ok {
		return rt, false, nil
	}
	if flight != nil {
		id := flight.add(u.UpdateID, rt.name)
		defer flight.remove(id)
	}
	return rt, true, r.run(ctx, tu, rt, u)
}

// updateInfo returns the Bot API type of u and the date Telegram stamped it
// with: a message's date (its edit_date when edited), that of a chat member
// or join request, and the zero time for updates that carry none (a callback
// query's message is dated when the bot sent it, not when the user pressed
// the button). An update of a type tgbotapi does not decode has every field
// nil, and is other.
func updateInfo(u tgbotapi.Update) (telegram.UpdateType, time.Time) {
	switch {
	case u.Message != nil:
		return telegram.UpdateMessage, telegram.Date(int64(u.Message.Date))
	case u.EditedMessage != nil:
		return telegram.UpdateEditedMessage, telegram.Date(int64(u.EditedMessage.EditDate))
	case u.ChannelPost != nil:
		return telegram.UpdateChannelPost, telegram.Date(int64(u.ChannelPost.Date))
	case u.EditedChannelPost != nil:
		return telegram.UpdateEditedChannelPost, telegram.Date(int64(u.EditedChannelPost.EditDate))
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
	case u.MyChatMember != nil:
		return telegram.UpdateMyChatMember, telegram.Date(int64(u.MyChatMember.Date))
	case u.ChatMember != nil:
		return telegram.UpdateChatMember, telegram.Date(int64(u.ChatMember.Date))
	case u.ChatJoinRequest != nil:
		return telegram.UpdateChatJoinRequest, telegram.Date(int64(u.ChatJoinRequest.Date))
	}
	return telegram.UpdateOther, time.Time{}
}

// sender returns the id of the person who sent u, 0 for none (a channel
// post, a poll, a bot's message...), and for a my_chat_member update the
// chat's type and the bot's new status. It reads the field updateInfo
// types u by.
func sender(u tgbotapi.Update) (id int64, chatType, status string) {
	var from *tgbotapi.User
	switch {
	case u.Message != nil:
		from = u.Message.From
	case u.EditedMessage != nil:
		from = u.EditedMessage.From
	case u.ChannelPost != nil, u.EditedChannelPost != nil:
	case u.CallbackQuery != nil:
		from = u.CallbackQuery.From
	case u.InlineQuery != nil:
		from = u.InlineQuery.From
	case u.ChosenInlineResult != nil:
		from = u.ChosenInlineResult.From
	case u.ShippingQuery != nil:
		from = u.ShippingQuery.From
	case u.PreCheckoutQuery != nil:
		from = u.PreCheckoutQuery.From
	case u.Poll != nil:
	case u.PollAnswer != nil:
		from = &u.PollAnswer.User
	case u.MyChatMember != nil:
		from = &u.MyChatMember.From
		chatType, status = u.MyChatMember.Chat.Type, u.MyChatMember.NewChatMember.Status
	case u.ChatMember != nil:
		from = &u.ChatMember.From
	case u.ChatJoinRequest != nil:
		from = &u.ChatJoinRequest.From
	}
	if from == nil || from.IsBot {
		return 0, chatType, status
	}
	return from.ID, chatType, status
}

// rawInfo is updateInfo and sender for an update tgbotapi does not decode,
// from its JSON, in one decode: its type, other when it is none the
// module knows, its stamp, and the id of the person who sent it.
func rawInfo(raw json.RawMessage) (telegram.UpdateType, time.Time, int64) {
	var u struct {
		BusinessConnection      *struct{}      `json:"business_connection"`
		BusinessMessage         *rawUpdateBody `json:"business_message"`
		EditedBusinessMessage   *rawUpdateBody `json:"edited_business_message"`
		DeletedBusinessMessages *struct{}      `json:"deleted_business_messages"`
		MessageReaction         *rawUpdateBody `json:"message_reaction"`
		MessageReactionCount    *rawUpdateBody `json:"message_reaction_count"`
		PurchasedPaidMedia      *rawUpdateBody `json:"purchased_paid_media"`
		ChatBoost               *struct{}      `json:"chat_boost"`
		RemovedChatBoost        *struct{}      `json:"removed_chat_boost"`
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
	case u.MessageReaction != nil:
		return telegram.UpdateMessageReaction, telegram.Date(u.MessageReaction.Date), u.MessageReaction.User.person()
	case u.MessageReactionCount != nil:
		return telegram.UpdateMessageReactionCount, telegram.Date(u.MessageReactionCount.Date), 0
	case u.PurchasedPaidMedia != nil:
		return telegram.UpdatePurchasedPaidMedia, time.Time{}, u.PurchasedPaidMedia.From.person()
	case u.ChatBoost != nil:
		return telegram.UpdateChatBoost, time.Time{}, 0
	case u.RemovedChatBoost != nil:
		return telegram.UpdateRemovedChatBoost, time.Time{}, 0
	}
	return telegram.UpdateOther, time.Time{}, 0
}

// rawUpdateBody is what rawInfo reads of an update's object: its stamp
// (date, or edit_date for an edit) and who sent it (from, or user for a
// reaction).
type rawUpdateBody struct {
	Date     int64   `json:"date"`
	EditDate int64   `json:"edit_date"`
	From     rawUser `json:"from"`
	User     rawUser `json:"user"`
}

// rawUser is what rawInfo reads of a user.
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
