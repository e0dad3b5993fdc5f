package telegram_test

import (
	"testing"
	"time"

	"github.com/genapp-go/genapp/telegram"
)

func TestDate(t *testing.T) {
	for secs, want := range map[int64]time.Time{
		1764237600: time.Unix(1764237600, 0),
		1:          time.Unix(1, 0),
		0:          {},
		-5:         {},
	} {
		if got := telegram.Date(secs); !got.Equal(want) || got.IsZero() != want.IsZero() {
			t.Errorf("Date(%d) = %v, want %v", secs, got, want)
		}
	}
}
