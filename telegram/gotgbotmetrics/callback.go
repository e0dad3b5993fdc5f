package gotgbotmetrics

import (
	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"

	"github.com/genapp-go/genapp/telegram"
)

// AddCallback registers r in group for the callback queries of the button
// unique: their data is unique, or unique followed by ":" or "|" and a
// payload (see [telegram.CallbackUnique]), as every adapter of this module
// matches buttons. It is tracked as <unique>_callback_handler, which a
// handler built with gotgbot's own callback filters cannot be: a filter is
// a function, and its prefix cannot be read out of it. It returns an error
// and registers nothing when unique is not 1 to 64 characters of
// [A-Za-z0-9_-].
func (t *Tracker) AddCallback(unique string, group int, r handlers.Response) error {
	if err := telegram.CheckCallbackUnique(unique); err != nil {
		return err
	}
	button := func(cq *gotgbot.CallbackQuery) bool { return telegram.CallbackUnique(cq.Data) == unique }
	t.add(telegram.ActionName("\f"+unique), handlers.NewCallback(button, r), group)
	return nil
}
