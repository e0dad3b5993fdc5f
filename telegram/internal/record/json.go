package record

import (
	"encoding/json"
	"errors"

	"github.com/genapp-go/genapp/telegram"
)

// DescribeJSON returns the Info of an update from its JSON, in one decode,
// for the adapters whose library does not decode the newer types (business
// messages and connections, reactions, paid media, boosts): an update its
// describe calls other. A type none of these is other; a field of the
// wrong type loses only itself.
func DescribeJSON(raw json.RawMessage) Info {
	var u struct {
		BusinessConnection      *struct{} `json:"business_connection"`
		BusinessMessage         *body     `json:"business_message"`
		EditedBusinessMessage   *body     `json:"edited_business_message"`
		DeletedBusinessMessages *struct{} `json:"deleted_business_messages"`
		MessageReaction         *body     `json:"message_reaction"`
		MessageReactionCount    *body     `json:"message_reaction_count"`
		PurchasedPaidMedia      *body     `json:"purchased_paid_media"`
		ChatBoost               *struct{} `json:"chat_boost"`
		RemovedChatBoost        *struct{} `json:"removed_chat_boost"`
	}
	if err := json.Unmarshal(raw, &u); err != nil && !isTypeError(err) {
		return Info{Type: telegram.UpdateOther}
	}
	switch {
	case u.BusinessConnection != nil:
		return Info{Type: telegram.UpdateBusinessConnection}
	case u.BusinessMessage != nil:
		return Info{Type: telegram.UpdateBusinessMessage, Date: u.BusinessMessage.Date, From: u.BusinessMessage.From.person()}
	case u.EditedBusinessMessage != nil:
		return Info{Type: telegram.UpdateEditedBusinessMessage, Date: u.EditedBusinessMessage.EditDate, From: u.EditedBusinessMessage.From.person()}
	case u.DeletedBusinessMessages != nil:
		return Info{Type: telegram.UpdateDeletedBusinessMessages}
	case u.MessageReaction != nil:
		return Info{Type: telegram.UpdateMessageReaction, Date: u.MessageReaction.Date, From: u.MessageReaction.User.person()}
	case u.MessageReactionCount != nil:
		return Info{Type: telegram.UpdateMessageReactionCount, Date: u.MessageReactionCount.Date}
	case u.PurchasedPaidMedia != nil:
		return Info{Type: telegram.UpdatePurchasedPaidMedia, From: u.PurchasedPaidMedia.From.person()}
	case u.ChatBoost != nil:
		return Info{Type: telegram.UpdateChatBoost}
	case u.RemovedChatBoost != nil:
		return Info{Type: telegram.UpdateRemovedChatBoost}
	}
	return Info{Type: telegram.UpdateOther}
}

// body is what DescribeJSON reads of an update's object: its stamp (date,
// or edit_date for an edit) and who sent it (from, or user for a
// reaction).
type body struct {
	Date     int64 `json:"date"`
	EditDate int64 `json:"edit_date"`
	From     user  `json:"from"`
	User     user  `json:"user"`
}

// user is what DescribeJSON reads of a user.
type user struct {
	ID    int64 `json:"id"`
	IsBot bool  `json:"is_bot"`
}

// person is the id of u, 0 when it is a bot or there is none.
func (u user) person() int64 {
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
