package tgbotapimetrics

import (
	"context"
	"encoding/json"

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
	info := describe(&u)
	if info.Type == telegram.UpdateOther && raw != nil {
		info = record.DescribeJSON(raw)
	}
	tu := record.Update(r.metrics(), info)
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

// describe returns what the update families record of u (see
// [record.Info]): the Bot API field that is set, its stamp, the person in
// its from (a poll answer's user) and, for a my_chat_member, the chat's
// type and the bot's new status. An update of a type tgbotapi does not
// decode has every field nil, and is other.
func describe(u *tgbotapi.Update) record.Info {
	switch {
	case u.Message != nil:
		return record.Info{Type: telegram.UpdateMessage, Date: int64(u.Message.Date), From: person(u.Message.From)}
	case u.EditedMessage != nil:
		return record.Info{Type: telegram.UpdateEditedMessage, Date: int64(u.EditedMessage.EditDate), From: person(u.EditedMessage.From)}
	case u.ChannelPost != nil:
		return record.Info{Type: telegram.UpdateChannelPost, Date: int64(u.ChannelPost.Date)}
	case u.EditedChannelPost != nil:
		return record.Info{Type: telegram.UpdateEditedChannelPost, Date: int64(u.EditedChannelPost.EditDate)}
	case u.CallbackQuery != nil:
		return record.Info{Type: telegram.UpdateCallbackQuery, From: person(u.CallbackQuery.From)}
	case u.InlineQuery != nil:
		return record.Info{Type: telegram.UpdateInlineQuery, From: person(u.InlineQuery.From)}
	case u.ChosenInlineResult != nil:
		return record.Info{Type: telegram.UpdateChosenInlineResult, From: person(u.ChosenInlineResult.From)}
	case u.ShippingQuery != nil:
		return record.Info{Type: telegram.UpdateShippingQuery, From: person(u.ShippingQuery.From)}
	case u.PreCheckoutQuery != nil:
		return record.Info{Type: telegram.UpdatePreCheckoutQuery, From: person(u.PreCheckoutQuery.From)}
	case u.Poll != nil:
		return record.Info{Type: telegram.UpdatePoll}
	case u.PollAnswer != nil:
		return record.Info{Type: telegram.UpdatePollAnswer, From: person(&u.PollAnswer.User)}
	case u.MyChatMember != nil:
		c := u.MyChatMember
		return record.Info{Type: telegram.UpdateMyChatMember, Date: int64(c.Date), From: person(&c.From),
			ChatType: c.Chat.Type, Status: c.NewChatMember.Status}
	case u.ChatMember != nil:
		return record.Info{Type: telegram.UpdateChatMember, Date: int64(u.ChatMember.Date), From: person(&u.ChatMember.From)}
	case u.ChatJoinRequest != nil:
		return record.Info{Type: telegram.UpdateChatJoinRequest, Date: int64(u.ChatJoinRequest.Date), From: person(&u.ChatJoinRequest.From)}
	}
	return record.Info{Type: telegram.UpdateOther}
}

// person returns the id of user, 0 for nil or a bot.
func person(user *tgbotapi.User) int64 {
	if user == nil || user.IsBot {
		return 0
	}
	return user.ID
}
