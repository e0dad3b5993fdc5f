package metrics

import (
	"strings"

	"github.com/genapp-go/genapp/internal/bottoken"
)

// Placeholders written by [CleanResource].
const (
	uuidPlaceholder = "{uuid}"
	intPlaceholder  = "{int}"
	keyPlaceholder  = "{key}"
	// UnknownResource is the resource of a request that matched no route
	// and was answered 404.
	UnknownResource = "/{unknown}"
	// UnroutedResource is the resource of a request that matched no route
	// and was answered otherwise: a redirect of the ServeMux, or an answer
	// given before routing, such as a 401 of an authentication handler.
	UnroutedResource = "/{unrouted}"
)

// CleanResource turns a URL path into a low-cardinality resource label, as
// llm_common does: UUIDs become {uuid}, a run of digits after "/" becomes
// {int}, any other run of two or more digits becomes {int}, surrounding
// slashes are stripped and an empty result is "/".
//
//	/users/123/orders/6f1c2a9e-8a4b-4f7e-9d3c-2b1a0e9f8c7d/  ->  users/{int}/orders/{uuid}
//
// Two rules go beyond llm_common because no label may carry a secret: a
// Telegram bot token (digits, ":", 30 or more of [A-Za-z0-9_-]), which
// webhook paths often contain, becomes {token}; a run of 16 or more of
// [A-Za-z0-9_-] with upper- and lower-case letters and digits, or of
// letters and digits with both, which is how API keys and random ids look
// (gateways put them in paths), becomes {key}:
//
//	/key/sk-proj-9aK3bX7qLm2Zp8Rt4Wv6Yc1Nd5Hf0Gj/v1/chat/completions  ->  key/{key}/v1/chat/completions
func CleanResource(path string) string {
	var b strings.Builder
	changed := false // until a placeholder is written, b stays empty: no allocation
	for i := 0; i < len(path); {
		n, placeholder := match(path, i)
		switch {
		case placeholder != "":
			if !changed {
				b.Grow(len(path) + 16)
				b.WriteString(path[:i])
				changed = true
			}
			b.WriteString(placeholder)
		case changed:
			b.WriteString(path[i : i+n])
		}
		i += n
	}
	out := path
	if changed {
		out = b.String()
	}
	for len(out) > 0 && out[0] == '/' {
		out = out[1:]
	}
	for len(out) > 0 && out[len(out)-1] == '/' {
		out = out[:len(out)-1]
	}
	if out == "" {
		return "/"
	}
	return out
}

// match returns the length of what starts at path[i] and the placeholder
// that replaces it, "" to keep it.
func match(path string, i int) (n int, placeholder string) {
	c := path[i]
	if isDigit(c) {
		if n := bottoken.Len(path[i:]); n > 0 {
			return n, bottoken.Placeholder
		}
	}
	if i == 0 || !isKeyByte(path[i-1]) {
		// A run before ':' may end with a bot token's id: that is the token's.
		if n := keyLen(path[i:]); n > 0 && (i+n == len(path) || path[i+n] != ':') {
			return n, keyPlaceholder
		}
	}
	if !isHex(c) {
		return 1, ""
	}
	// The dash test first: most hex characters start no UUID.
	if i+36 <= len(path) && path[i+8] == '-' && uuidLen(path[i:]) > 0 {
		return 36, uuidPlaceholder
	}
	if !isDigit(c) {
		return 1, ""
	}
	n = 1
	for i+n < len(path) && isDigit(path[i+n]) {
		n++
	}
	if n >= 2 || (i > 0 && path[i-1] == '/') {
		return n, intPlaceholder
	}
	return n, ""
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

func isAlnum(c byte) bool { return isDigit(c) || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' }

func isKeyByte(c byte) bool { return isAlnum(c) || c == '-' || c == '_' }

// minKeyLen is the shortest run taken for a key: as short as 64 random
// bits in hexadecimal.
const minKeyLen = 16

// minKeyPart is the shortest part, between dashes or underscores, of
// letters and digits mixed that a key split by them has: model names
// (Mistral-7B-Instruct-v0.3, Qwen2.5-Coder-32B-Instruct) have none.
const minKeyPart = 8

// keyLen returns the length of the key s starts with, or 0: a run of
// minKeyLen or more of [A-Za-z0-9_-] with upper- and lower-case letters
// and digits and a part of minKeyPart letters and digits mixed
// (sk-proj-..., AIza..., gsk_...), or of letters and digits with both (a
// hexadecimal id). Model names (gpt-4o-mini-2024-07-18,
// claude-sonnet-4-5-20250929, Mistral-7B-Instruct-v0.3) are neither; a
// name in one word of letters and digits, such as an Azure deployment
// called MyCompanyGpt4oProd, is taken for one.
func keyLen(s string) int {
	var upper, lower, digits, mixedPart bool
	n, alnum := 0, -1 // alnum: the length of the run of letters and digits s starts with
	part, partLetters, partDigits := 0, false, false
	for ; n < len(s) && isKeyByte(s[n]); n++ {
		switch c := s[n]; {
		case isDigit(c):
			digits, partDigits = true, true
		case 'a' <= c && c <= 'z':
			lower, partLetters = true, true
		case 'A' <= c && c <= 'Z':
			upper, partLetters = true, true
		default: // a dash or an underscore ends a part
			part, partLetters, partDigits = -1, false, false
			if alnum < 0 {
				alnum = n
				if alnum >= minKeyLen && digits && (upper || lower) {
					return alnum
				}
			}
		}
		part++
		mixedPart = mixedPart || part >= minKeyPart && partLetters && partDigits
	}
	if n >= minKeyLen && digits && (upper && lower && mixedPart || alnum < 0 && (upper || lower)) {
		return n
	}
	return 0
}

func isHex(c byte) bool {
	return isDigit(c) || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

// uuidLen returns 36 if s starts with a UUID in 8-4-4-4-12 hex form, else 0.
func uuidLen(s string) int {
	if len(s) < 36 || s[8] != '-' || s[13] != '-' || s[18] != '-' || s[23] != '-' {
		return 0
	}
	for i := 0; i < 36; i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return 0
			}
		default:
			if !isHex(s[i]) {
				return 0
			}
		}
	}
	return 36
}

// PatternResource turns a net/http ServeMux pattern (Request.Pattern) into a
// resource label: the method and host are removed, then [CleanResource]
// applies. "GET /users/{id}" becomes "users/{id}"; "/{$}" becomes "/".
func PatternResource(pattern string) string {
	if i := strings.IndexAny(pattern, " \t"); i >= 0 {
		pattern = strings.TrimLeft(pattern[i:], " \t")
	}
	if i := strings.IndexByte(pattern, '/'); i > 0 {
		pattern = pattern[i:]
	}
	pattern = strings.TrimSuffix(pattern, "{$}")
	return CleanResource(pattern)
}
