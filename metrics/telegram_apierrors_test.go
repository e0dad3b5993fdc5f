package metrics

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

// TestTelegramErrorReason: every description of testdata/telegram/api-errors.json
// (the error list of telebot v3.3.8, and answers that bot projects and their
// users recorded) gets the reason a person assigned to it, in any case.
func TestTelegramErrorReason(t *testing.T) {
	data, err := os.ReadFile("testdata/telegram/api-errors.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Code        int
		Description string
		Reason      string
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	reasons := map[string]int{}
	for _, c := range cases {
		if got := TelegramErrorReason(c.Code, c.Description); got != c.Reason {
			t.Errorf("%d %q: %s, want %s", c.Code, c.Description, got, c.Reason)
		}
		if got := TelegramErrorReason(c.Code, strings.ToUpper(c.Description)); got != c.Reason {
			t.Errorf("%d %q in upper case: %s, want %s", c.Code, c.Description, got, c.Reason)
		}
		reasons[c.Reason]++
	}
	if len(reasons) != len(telegramErrorReasons) {
		t.Errorf("the samples cover %d reasons, want all 15: %v", len(reasons), reasons)
	}
	if got := TelegramErrorReason(400, strings.Repeat("x", 600)+"bot was blocked by the user"); got != TelegramErrorBadRequest {
		t.Errorf("a description over 512 bytes is not read: got %s", got)
	}
}
