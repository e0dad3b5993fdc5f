package tgbotapimetrics

import (
	"testing"

	"github.com/genapp-go/genapp/telegram"
)

// TestRawInfo: an update tgbotapi does not decode is typed, dated and
// its person read from its JSON: the from of business messages and paid
// media, the user of a reaction, no one for a bot, an anonymous reaction
// or a business connection; a field of the wrong type loses only itself.
func TestRawInfo(t *testing.T) {
	for _, c := range []struct {
		raw  string
		typ  telegram.UpdateType
		date int64
		id   int64
	}{
		{`{"update_id":1,"business_message":{"date":5,"from":{"id":7,"is_bot":false},"chat":{"id":7}}}`, telegram.UpdateBusinessMessage, 5, 7},
		{`{"update_id":1,"edited_business_message":{"date":5,"edit_date":6,"from":{"id":7,"is_bot":true}}}`, telegram.UpdateEditedBusinessMessage, 6, 0},
		{`{"update_id":1,"message_reaction":{"date":5,"user":{"id":8},"chat":{"id":-1}}}`, telegram.UpdateMessageReaction, 5, 8},
		{`{"update_id":1,"message_reaction":{"date":5,"actor_chat":{"id":-1}}}`, telegram.UpdateMessageReaction, 5, 0},
		{`{"update_id":1,"message_reaction_count":{"date":5}}`, telegram.UpdateMessageReactionCount, 5, 0},
		{`{"update_id":1,"purchased_paid_media":{"from":{"id":9},"paid_media_payload":"p"}}`, telegram.UpdatePurchasedPaidMedia, 0, 9},
		{`{"update_id":1,"business_connection":{"id":"b","user":{"id":10}}}`, telegram.UpdateBusinessConnection, 0, 0},
		{`{"update_id":1,"chat_boost":{"boost":{"source":{"user":{"id":11}}}}}`, telegram.UpdateChatBoost, 0, 0},
		{`{"update_id":1,"business_message":{"date":5,"from":{"id":"7"}}}`, telegram.UpdateBusinessMessage, 5, 0},
		{`{"update_id":1,"some_future_update":{"from":{"id":12}}}`, telegram.UpdateOther, 0, 0},
		{`[]`, telegram.UpdateOther, 0, 0},
	} {
		typ, date, id := rawInfo([]byte(c.raw))
		if typ != c.typ || !date.Equal(telegram.Date(c.date)) || id != c.id {
			t.Errorf("rawInfo(%s) = %s, %v, %d; want %s, %v, %d", c.raw, typ, date, id, c.typ, telegram.Date(c.date), c.id)
		}
	}
}
