package telegram

import (
	"fmt"
	"strings"
)

// CallbackUnique returns the unique of an inline button's callback data,
// the part that names the button: the data up to the first ":" or "|",
// without the "\f" telebot puts in front. "menu", "menu:42", "menu|42" and
// "\fmenu|42" are all presses of the button "menu"; "menux" is not. The
// adapters route callback queries by it, so that a button is matched the
// same way whatever the library, and its payload never reaches a label.
func CallbackUnique(data string) string {
	data = strings.TrimPrefix(data, "\f")
	if i := strings.IndexAny(data, ":|"); i >= 0 {
		data = data[:i]
	}
	return data
}

// CheckCallbackUnique reports whether unique may name a button: 1 to 64
// characters (the Bot API's limit of callback data) of [A-Za-z0-9_-].
func CheckCallbackUnique(unique string) error {
	if !word(unique, 1, 64, true) {
		return fmt.Errorf("telegram: callback unique %q: want 1 to 64 characters of [A-Za-z0-9_-]", unique)
	}
	return nil
}

// CheckCommand reports whether command, without its "/", is one the Bot
// API allows: 1 to 32 characters of [A-Za-z0-9_].
func CheckCommand(command string) error {
	if !word(command, 1, 32, false) {
		return fmt.Errorf("telegram: command %q: want 1 to 32 characters of [A-Za-z0-9_], without the \"/\"", command)
	}
	return nil
}

// CheckUsername reports whether username, without its "@", is one a
// Telegram bot may have: 5 to 32 characters of [A-Za-z0-9_].
func CheckUsername(username string) error {
	if !word(username, 5, 32, false) {
		return fmt.Errorf("telegram: bot username %q: want 5 to 32 characters of [A-Za-z0-9_], without the \"@\"", username)
	}
	return nil
}

// word reports whether s is min to max characters of [A-Za-z0-9_], and "-"
// when dash is set.
func word(s string, min, max int, dash bool) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z') && !('0' <= c && c <= '9') && c != '_' && !(dash && c == '-') {
			return false
		}
	}
	return true
}
