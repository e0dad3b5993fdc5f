package gotgbotmetrics

import (
	"fmt"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"

	"github.com/genapp-go/genapp/telegram"
)

// AddCallback registers r in group 0 for the presses of the button unique:
// callback data unique, or unique followed by ":" or "|" and a payload
// ([telegram.CallbackUnique]), tracked as <unique>_callback_handler. A
// gotgbot callback filter is a function, which does not say which buttons
// it takes. A unique that is not 1 to 64 characters of [A-Za-z0-9_-] is an
// error, and nothing is registered.
func (t *Tracker) AddCallback(unique string, r handlers.Response) error {
	return t.AddCallbackToGroup(unique, r, 0)
}

// AddCallbackToGroup is [Tracker.AddCallback] in group.
func (t *Tracker) AddCallbackToGroup(unique string, r handlers.Response, group int) error {
	if err := telegram.CheckCallbackUnique(unique); err != nil {
		return fmt.Errorf("gotgbotmetrics: %w", err)
	}
	if r == nil {
		return fmt.Errorf("gotgbotmetrics: the response of button %q is nil: want a handlers.Response", unique)
	}
	button := func(cq *gotgbot.CallbackQuery) bool { return telegram.CallbackUnique(cq.Data) == unique }
	t.add(telegram.ActionName("\f"+unique), handlers.NewCallback(button, r), group)
	return nil
}
