package telebotcore

import (
	"fmt"

	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// ParseUpdate parses an update into U, one telebot version's Update, with
// telebot's panics turned into errors named after pkg (see
// [polling.Decode]). chatless reports whether the update holds a message
// without a chat, which the Bot API always sends and on which telebot
// panics outside any handler: that is an error too.
func ParseUpdate[U any](pkg string, data []byte, chatless func(*U) bool) (U, error) {
	return polling.Decode(pkg, "telebot", data, func(u *U) error {
		if chatless(u) {
			return fmt.Errorf("%s: the update holds a message without a chat, which the Bot API always sends; telebot panics on some", pkg)
		}
		return nil
	})
}
