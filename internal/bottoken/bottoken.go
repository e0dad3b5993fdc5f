// Package bottoken finds Telegram bot tokens in text, so that no label, log
// line or error the module produces carries one.
package bottoken

import (
	"bytes"
	"regexp"
	"strings"
)

// Placeholder replaces a bot token.
const Placeholder = "{token}"

// minSecret is the shortest secret part this package takes for a token's:
// real ones have 35 characters; shorter runs such as "12:30" are not tokens.
const minSecret = 30

// Len returns the length of the bot token s starts with, or 0: digits, ":",
// then 30 or more of [A-Za-z0-9_-].
func Len(s string) int {
	i := 0
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	if i == 0 || i >= len(s) || s[i] != ':' {
		return 0
	}
	j := i + 1
	for j < len(s) && isSecretByte(s[j]) {
		j++
	}
	if j-i-1 < minSecret {
		return 0
	}
	return j
}

// apiPath is the segment after "/bot" in a Bot API URL (/bot<token>/<method>,
// /file/bot<token>/<path>), whatever its shape: net/http's *url.Error quotes
// that URL, which is how a token reaches error text (telebot#770, #794).
var apiPath = regexp.MustCompile(`/bot[^/\s"'<>]+/`)

// Redact returns s with every bot token replaced by [Placeholder]: the
// segment after "/bot" in a Bot API URL and any other token-shaped string.
// It is meant for log lines and errors, not for hot paths.
func Redact(s string) string {
	s = apiPath.ReplaceAllLiteralString(s, "/bot"+Placeholder+"/")
	var b strings.Builder
	for i := 0; i < len(s); {
		if i == 0 || !isDigit(s[i-1]) {
			if n := Len(s[i:]); n > 0 {
				b.WriteString(Placeholder)
				i += n
				continue
			}
		}
		b.WriteByte(s[i])
		i++
	}
	return b.String()
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isSecretByte(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'z') || ('A' <= c && c <= 'Z') || c == '_' || c == '-'
}

// MaskByte is what [Mask] writes over a token's secret. A bot token never
// holds it, so a masked token is never a token again.
const MaskByte = '*'

// Mask overwrites, in p, the secret of every occurrence of token (what
// follows its first ':', or all of it when it has none) with [MaskByte],
// and reports whether it found one. The bot ID before the ':' is the bot's
// public user ID and stays readable. Mask never changes the length of p, so
// a masked HTTP body keeps its Content-Length. Unlike [Redact] it finds the
// real token whatever its shape, however short its secret.
func Mask(p []byte, token string) bool {
	if token == "" {
		return false
	}
	secret := strings.IndexByte(token, ':') + 1
	found := false
	for i := 0; i+len(token) <= len(p); i++ {
		j := bytes.IndexByte(p[i:len(p)-len(token)+1], token[0])
		if j < 0 {
			break
		}
		i += j
		if string(p[i:i+len(token)]) == token { // compared without a copy
			found = true
			for k := i + secret; k < i+len(token); k++ {
				p[k] = MaskByte
			}
			i += len(token) - 1
		}
	}
	return found
}

// MaskString is [Mask] for a string: s itself when it does not hold token.
func MaskString(s, token string) string {
	if token == "" || !strings.Contains(s, token) {
		return s
	}
	b := []byte(s)
	Mask(b, token)
	return string(b)
}
