package record

import (
	"testing"

	"github.com/genapp-go/genapp/telegram"
)

// TestDescribeJSON: an update the library does not decode is typed, dated
// and its person read from its JSON: the from of business messages and
// paid media, the user of a reaction, no one for a bot, an anonymous
// reaction, a business connection or a boost; a field of the wrong type
// loses only itself.
func TestDescribeJSON(t *testing.T) {
	for _, c := range []struct {
		raw  string
		want Info
	}{
		{`{"update_id":1,"business_message":{"date":5,"from":{"id":7,"is_bot":false},"chat":{"id":7}}}`, Info{Type: telegram.UpdateBusinessMessage, Date: 5, From: 7}},
		{`{"update_id":1,"edited_business_message":{"date":5,"edit_date":6,"from":{"id":7,"is_bot":true}}}`, Info{Type: telegram.UpdateEditedBusinessMessage, Date: 6}},
		{`{"update_id":1,"message_reaction":{"date":5,"user":{"id":8},"chat":{"id":-1}}}`, Info{Type: telegram.UpdateMessageReaction, Date: 5, From: 8}},
		{`{"update_id":1,"message_reaction":{"date":5,"actor_chat":{"id":-1}}}`, Info{Type: telegram.UpdateMessageReaction, Date: 5}},
		{`{"update_id":1,"message_reaction_count":{"date":5}}`, Info{Type: telegram.UpdateMessageReactionCount, Date: 5}},
		{`{"update_id":1,"purchased_paid_media":{"from":{"id":9},"paid_media_payload":"p"}}`, Info{Type: telegram.UpdatePurchasedPaidMedia, From: 9}},
		{`{"update_id":1,"business_connection":{"id":"b","user":{"id":10}}}`, Info{Type: telegram.UpdateBusinessConnection}},
		{`{"update_id":1,"deleted_business_messages":{"chat":{"id":10}}}`, Info{Type: telegram.UpdateDeletedBusinessMessages}},
		{`{"update_id":1,"chat_boost":{"boost":{"source":{"user":{"id":11}}}}}`, Info{Type: telegram.UpdateChatBoost}},
		{`{"update_id":1,"removed_chat_boost":{"source":{"user":{"id":11}}}}`, Info{Type: telegram.UpdateRemovedChatBoost}},
		{`{"update_id":1,"business_message":{"date":5,"from":{"id":"7"}}}`, Info{Type: telegram.UpdateBusinessMessage, Date: 5}},
		{`{"update_id":1,"business_message":null,"purchased_paid_media":{"from":{"id":9}}}`, Info{Type: telegram.UpdatePurchasedPaidMedia, From: 9}},
		{`{"update_id":1,"some_future_update":{"from":{"id":12}}}`, Info{Type: telegram.UpdateOther}},
		{`[]`, Info{Type: telegram.UpdateOther}},
	} {
		if got := DescribeJSON([]byte(c.raw)); got != c.want {
			t.Errorf("DescribeJSON(%s) = %+v, want %+v", c.raw, got, c.want)
		}
	}
}
