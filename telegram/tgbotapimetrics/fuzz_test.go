package tgbotapimetrics

import (
	"context"
	"io"
	"log/slog"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
)

// FuzzRoute feeds random updates, as the Bot API's JSON, through
// ParseUpdate to a router with a route of every kind: routing never
// panics, and a handler runs for every update that has a message or a
// callback query.
func FuzzRoute(f *testing.F) {
	own := []string{
		`{"update_id":1,"message":{"text":"/start","entities":[{"type":"bot_command","offset":0,"length":6}]}}`,
		`{"update_id":2,"message":{"text":"/x","entities":[{"type":"bot_command","offset":0,"length":99}]}}`,
		`{"update_id":3,"message":{"text":"/x","entities":[{"type":"bot_command","offset":0,"length":0}]}}`,
		`{"update_id":4,"message":{"text":"","entities":[{"type":"bot_command","offset":0,"length":-1}]}}`,
		`{"update_id":5,"message":{"text":"/é@b","entities":[{"type":"bot_command","offset":0,"length":2}]}}`,
		`{"update_id":6,"callback_query":{"id":"1","data":"\fmenu|42"}}`,
		`{"update_id":7,"message":{"photo":[]}}`,
		`{"update_id":8,"edited_message":{"text":"x"},"poll":{}}`,
	}
	var ran int
	count := func(context.Context, tgbotapi.Update) error { ran++; return nil }
	opts := []Option{WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil))), WithMetrics(nil),
		Command("start", count), Callback("menu", count)}
	for _, k := range kinds {
		opts = append(opts, On(k, count))
	}
	r, err := New(opts...)
	if err != nil {
		f.Fatal(err)
	}
	adaptertest.FuzzParseUpdate(f, ParseUpdate, func(t *testing.T, u tgbotapi.Update) {
		ran = 0
		if err := r.HandleUpdate(context.Background(), u); err != nil {
			t.Fatalf("HandleUpdate = %v", err)
		}
		if (u.Message != nil || u.CallbackQuery != nil) && ran != 1 {
			t.Fatalf("HandleUpdate ran %d handlers, want 1", ran)
		}
	}, own...)
}
