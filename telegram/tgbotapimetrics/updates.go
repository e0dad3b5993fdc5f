package tgbotapimetrics

import (
	"context"
	"encoding/json"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/telegram"
)

// handle runs the handler of the route that takes u (ok is false when none
// does), with the run in flight, when flight is not nil. Every update
// counts in the genapp_telegram_* families, routed or not, and is in
// flight until its handler returned. raw is u's JSON when the Poller
// fetched it: the type of an update tgbotapi does not decode is read from
// it.
func (r *Router) handle(ctx context.Context, u tgbotapi.Update, raw json.RawMessage, flight *inFlight) (rt route, ok bool, err error) {
	m := r.metrics()
	typ, date := updateInfo(u)
	if typ == telegram.UpdateOther && raw != nil {
		typ, date = rawInfo(raw)
	}
	tu := m.StartTelegramUpdate(string(typ), date)
	defer tu.End()
	if rt, ok = r.route(u); !ok {
		return rt, false, nil
	}
	if flight != nil {
		id := flight.add(u.UpdateID, rt.name)
		defer flight.remove(id)
	}
	return rt, true, r.run(ctx, m, rt, u)
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

// undecoded are the update types tgbotapi does not decode, and the field of
// each that holds its stamp, if any.
var undecoded = []struct {
	typ   telegram.UpdateType
	stamp string
}{
	{telegram.UpdateBusinessConnection, ""},
	{telegram.UpdateBusinessMessage, "date"},
	{telegram.UpdateEditedBusinessMessage, "edit_date"},
	{telegram.UpdateDeletedBusinessMessages, ""},
	{telegram.UpdateMessageReaction, "date"},
	{telegram.UpdateMessageReactionCount, "date"},
	{telegram.UpdatePurchasedPaidMedia, ""},
	{telegram.UpdateChatBoost, ""},
	{telegram.UpdateRemovedChatBoost, ""},
}

// rawInfo is updateInfo for an update tgbotapi does not decode, from its
// JSON: its type, other when it is none the module knows, and its stamp.
func rawInfo(raw json.RawMessage) (telegram.UpdateType, time.Time) {
	var fields map[string]json.RawMessage
	if json.Unmarshal(raw, &fields) != nil {
		return telegram.UpdateOther, time.Time{}
	}
	for _, u := range undecoded {
		v, ok := fields[string(u.typ)]
		if !ok {
			continue
		}
		var stamps map[string]json.RawMessage
		var stamp int64
		if u.stamp != "" && json.Unmarshal(v, &stamps) == nil && json.Unmarshal(stamps[u.stamp], &stamp) == nil {
			return u.typ, telegram.Date(stamp)
		}
		return u.typ, time.Time{}
	}
	return telegram.UpdateOther, time.Time{}
}
