package telegramtest_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/genapp-go/genapp/telegram/telegramtest"
)

func TestWithHistory(t *testing.T) {
	const keep, calls = 3, 50
	srv := telegramtest.NewServer(telegramtest.WithHistory(keep))
	defer srv.Close()
	var ids []int
	for i := range calls {
		r := call(t, srv, "sendMessage", map[string]any{"chat_id": 7, "text": fmt.Sprint("m", i)})
		var m struct {
			MessageID int `json:"message_id"`
		}
		if err := json.Unmarshal(r.Result, &m); err != nil || !r.OK {
			t.Fatalf("sendMessage %d: %+v %v", i, r, err)
		}
		ids = append(ids, m.MessageID)
		srv.PressButton(7, "x")
		call(t, srv, "answerCallbackQuery", map[string]any{"callback_query_id": fmt.Sprint(i + 1)})
	}

	var texts []string
	for _, m := range srv.Sent() {
		texts = append(texts, m.Text)
	}
	if want := []string{"m47", "m48", "m49"}; !slices.Equal(texts, want) {
		t.Errorf("Sent texts %q, want the last %d: %q", texts, keep, want)
	}
	if got := len(srv.Calls()); got != keep {
		t.Errorf("Calls() holds %d calls, want %d", got, keep)
	}
	for _, c := range srv.Calls() {
		if c.Status != 200 {
			t.Errorf("call %s has status %d, want 200", c.Method, c.Status)
		}
	}
	if got, want := srv.Answered(), []string{"48", "49", "50"}; !slices.Equal(got, want) {
		t.Errorf("Answered() = %q, want %q", got, want)
	}
	// WaitSent counts every message ever sent.
	sent, err := srv.WaitSent(waitCtx(t), calls)
	if err != nil || len(sent) != keep {
		t.Errorf("WaitSent(%d) = %d messages, %v; want %d, nil", calls, len(sent), err, keep)
	}
	// The newest message may be edited; one the server has dropped may
	// not be, like one the bot never sent.
	if r := call(t, srv, "editMessageText", map[string]any{"chat_id": 7, "message_id": ids[calls-1], "text": "edited"}); !r.OK {
		t.Errorf("edit of the newest message: %+v", r)
	}
	if r := call(t, srv, "editMessageText", map[string]any{"chat_id": 7, "message_id": ids[0], "text": "edited"}); r.OK || r.ErrorCode != 400 {
		t.Errorf("edit of a message beyond the history = %+v, want 400", r)
	}
}

func TestWithHistoryNotPositive(t *testing.T) {
	for _, n := range []int{0, -1} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("NewServer(WithHistory(%d)) did not panic", n)
				}
			}()
			telegramtest.NewServer(telegramtest.WithHistory(n)).Close()
		}()
	}
}
