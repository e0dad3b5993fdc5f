package telegram

import "regexp"

// RedactedToken replaces a bot token in text that [Redact] cleans.
const RedactedToken = "{token}"

var (
	// The Bot API puts the token in the URL path (/bot<token>/<method>,
	// /file/bot<token>/<path>), and net/http's *url.Error quotes that URL:
	// this is how a token reaches error text (telebot#770, #794).
	apiPathRx = regexp.MustCompile(`/bot[^/\s"'<>]+/`)
	// A token anywhere else: digits, ":", 30 or more of [A-Za-z0-9_-].
	tokenRx = regexp.MustCompile(`[0-9]+:[A-Za-z0-9_-]{30,}`)
)

// Redact returns s with every bot token replaced by {token}: the segment
// after "/bot" in a Bot API URL, whatever its shape, and any other string
// shaped like a token. The adapters pass every error text, panic value and
// stack they log through it. It is meant for log lines, not for hot paths.
func Redact(s string) string {
	s = apiPathRx.ReplaceAllLiteralString(s, "/bot"+RedactedToken+"/")
	return tokenRx.ReplaceAllLiteralString(s, RedactedToken)
}
