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
// that URL, and bot libraries return it as their own error: that is how a
// token reaches error text.
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

// MaskByte is what a [Masker] writes over a token's secret. A bot token
// never holds it, so a masked token is never a token again.
const MaskByte = '*'

// minLoneSecret is the shortest secret a Masker looks for on its own: one of
// 16 or more random characters does not occur by chance.
const minLoneSecret = 16

// A Masker masks one known bot token, whatever its shape, however short
// its secret: unlike [Redact], which finds tokens by their shape, it is
// for whoever knows the real token. Masking overwrites the secret (what
// follows the token's first ':') with [MaskByte] and never changes the
// length of the text, so a masked HTTP body keeps its Content-Length. The
// bot ID before the ':' is the bot's public user ID and stays readable.
//
// A secret of 16 or more characters is looked for on its own, so that the
// token is also found with its ':' escaped ("%3A") or apart from its ID;
// a shorter one only within the whole token.
type Masker struct {
	pattern string // what is looked for
	from    int    // where masking starts in a match
}

// NewMasker returns the Masker of token. An empty token masks nothing.
func NewMasker(token string) Masker {
	id, secret, found := strings.Cut(token, ":")
	switch {
	case !found:
		return Masker{pattern: token}
	case len(secret) >= minLoneSecret:
		return Masker{pattern: secret}
	}
	return Masker{pattern: token, from: len(id) + 1}
}

// Mask masks every match in p, in place, and reports whether there was one.
func (m Masker) Mask(p []byte) bool {
	if m.pattern == "" {
		return false
	}
	found := false
	for i := 0; i+len(m.pattern) <= len(p); i++ {
		j := bytes.IndexByte(p[i:len(p)-len(m.pattern)+1], m.pattern[0])
		if j < 0 {
			break
		}
		i += j
		if string(p[i:i+len(m.pattern)]) == m.pattern { // compared without a copy
			found = true
			for k := i + m.from; k < i+len(m.pattern); k++ {
				p[k] = MaskByte
			}
			i += len(m.pattern) - 1
		}
	}
	return found
}

// MaskString is Mask for a string: s itself when it holds no match.
func (m Masker) MaskString(s string) string {
	if m.pattern == "" || !strings.Contains(s, m.pattern) {
		return s
	}
	b := []byte(s)
	m.Mask(b)
	return string(b)
}

// Partial returns the length of the longest end of p that is the start of
// a match: bytes to hold back until the next ones tell whether they are.
// It is at most MaxPartial.
func (m Masker) Partial(p []byte) int {
	for k := min(len(p), m.MaxPartial()); k > 0; k-- {
		if string(p[len(p)-k:]) == m.pattern[:k] {
			return k
		}
	}
	return 0
}

// MaxPartial is the most Partial returns: one less than a match.
func (m Masker) MaxPartial() int { return max(len(m.pattern)-1, 0) }

// Error returns err with its text masked by m and redacted (see [Redact]),
// unwrapping to err for errors.Is and errors.As; nil when err is nil.
func (m Masker) Error(err error) error {
	if err == nil {
		return nil
	}
	return maskedError{err, Redact(m.MaskString(err.Error()))}
}

// maskedError is an error with its text masked.
type maskedError struct {
	err  error
	text string
}

func (e maskedError) Error() string { return e.text }
func (e maskedError) Unwrap() error { return e.err }
