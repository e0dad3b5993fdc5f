package gotelegrammetrics

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/metrics"
)

// TestUpdateInfo: every Bot API update type metrics knows is named after
// its field; message-like updates are dated by date (edit_date when
// edited), member changes, join requests and reactions by date, the rest
// not at all; an update with no known field is "other".
func TestUpdateInfo(t *testing.T) {
	dated := map[string]int64{
		"message": 100, "channel_post": 100, "business_message": 100,
		"edited_message": 200, "edited_channel_post": 200, "edited_business_message": 200,
		"my_chat_member": 100, "chat_member": 100, "chat_join_request": 100,
		"message_reaction": 100, "message_reaction_count": 100,
	}
	for _, typ := range metrics.TelegramUpdateTypes() {
		var u models.Update
		body := `{"date":100,"edit_date":200,"chat":{"id":1,"type":"private"}}`
		if typ == "my_chat_member" || typ == "chat_member" {
			body = `{"date":100,"old_chat_member":{"status":"member","user":{"id":1}},"new_chat_member":{"status":"left","user":{"id":1}}}`
		}
		if err := json.Unmarshal([]byte(`{"update_id":1,"`+typ+`":`+body+`}`), &u); err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		gotType, gotDate := updateInfo(&u)
		var want time.Time
		if secs, ok := dated[typ]; ok {
			want = time.Unix(secs, 0)
		}
		if gotType != typ || !gotDate.Equal(want) {
			t.Errorf("%s: updateInfo = %q, %v; want %q, %v", typ, gotType, gotDate, typ, want)
		}
	}
	if typ, date := updateInfo(&models.Update{ID: 1}); typ != metrics.TelegramUpdateOther || !date.IsZero() {
		t.Errorf("an empty update: %q, %v", typ, date)
	}
	if _, date := updateInfo(&models.Update{Message: &models.Message{}}); !date.IsZero() {
		t.Errorf("a message without a date is dated %v, want no date (no lag observed)", date)
	}
}
