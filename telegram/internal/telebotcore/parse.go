package telebotcore

import (
	"encoding/json"
	"fmt"
)

// ParseUpdate parses an update into U, one telebot version's Update, with
// telebot's panics turned into errors named after pkg. chatless reports
// whether the update holds a message without a chat, which the Bot API
// always sends and on which telebot panics outside any handler: that is an
// error too.
func ParseUpdate[U any](pkg string, data []byte, chatless func(*U) bool) (u U, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero U
			u, err = zero, fmt.Errorf("%s: telebot cannot parse the update: it panicked: %v", pkg, r)
		}
	}()
	if err = json.Unmarshal(data, &u); err != nil {
		return u, err
	}
	if chatless(&u) {
		var zero U
		return zero, fmt.Errorf("%s: the update holds a message without a chat, which the Bot API always sends; telebot panics on some", pkg)
	}
	return u, nil
}
