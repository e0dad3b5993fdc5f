package telegram

import (
	"fmt"
	"strings"
)

// Names of the actions recorded for updates that no specific route took.
const (
	// UnknownCommand is recorded for a command that no route is registered
	// for, whichever handler then takes it.
	UnknownCommand = "unknown_command_handler"
	// UnroutedCallback is recorded for a callback query whose data matches
	// no registered button.
	UnroutedCallback = "callback_handler"
)

// ActionName returns the action name of a registered route. Routes are
// written as telebot keys them, which every adapter uses, whatever its library:
//
//	"/start", "/Start@MyBot"   command        start_handler
//	"\fmenu", "\fmain-menu"    button unique  menu_callback_handler, main_menu_callback_handler
//	"\atext", "\aphoto"        update kind    text_handler, photo_handler
//	"\acallback"               update kind    callback_handler (a callback no button took)
//	"Help me"                  exact text     help_me_button_handler (reply keyboard button)
//
// The variable part is lower-cased, every run of characters outside
// [a-z0-9] becomes one "_", and a leading or trailing "_" is dropped; when
// nothing is left (an emoji-only button, say) the kind alone is the name:
// command_handler, callback_handler, button_handler. A variable part too
// long for [MaxNameLen] is cut. The result always matches [a-z0-9_]+, ends
// in "_handler", the suffix llm_common's conventions give Telegram handlers,
// and passes [CheckName].
func ActionName(route string) string {
	var word, suffix string
	switch {
	case strings.HasPrefix(route, "/"):
		word, suffix = route[1:], "command"
		if i := strings.IndexByte(word, '@'); i >= 0 {
			word = word[:i]
		}
	case strings.HasPrefix(route, "\f"):
		word, suffix = route[1:], "callback"
	case strings.HasPrefix(route, "\a"):
		word, suffix = route[1:], "event"
	default:
		word, suffix = route, "button"
	}
	end := "_handler"
	if suffix != "command" && suffix != "event" {
		end = "_" + suffix + end
	}
	word = sanitize(word)
	if word == "" {
		return suffix + "_handler"
	}
	if room := MaxNameLen - len(end); len(word) > room {
		word = strings.TrimSuffix(word[:room], "_")
	}
	return word + end
}

// sanitize lower-cases s and keeps only [a-z0-9] runs joined by single "_".
func sanitize(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	gap := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if ('a' <= c && c <= 'z') || ('0' <= c && c <= '9') {
			if gap && b.Len() > 0 {
				b.WriteByte('_')
			}
			gap = false
			b.WriteByte(c)
			continue
		}
		gap = true
	}
	return b.String()
}

// MaxNameLen bounds the length of an action name chosen by the caller.
const MaxNameLen = 100

// CheckName reports whether name may replace a route's derived action name:
// it must be 1 to [MaxNameLen] characters of [a-z0-9_]. By convention it ends
// in "_handler", which is not enforced.
func CheckName(name string) error {
	if name == "" || len(name) > MaxNameLen {
		return fmt.Errorf("telegram: action name %q: want 1 to %d characters of [a-z0-9_]", name, MaxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') && c != '_' {
			return fmt.Errorf("telegram: action name %q: character %q at %d is not allowed; want only [a-z0-9_]", name, c, i)
		}
	}
	return nil
}
