package metrics

import (
	"strings"

	"github.com/genapp-go/genapp/internal/bottoken"
)

// Placeholders written by [CleanResource].
const (
	uuidPlaceholder = "{uuid}"
	intPlaceholder  = "{int}"
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
// One rule goes beyond llm_common because no label may carry a secret: a
// Telegram bot token (digits, ":", 30 or more of [A-Za-z0-9_-]), which
// webhook paths often contain, becomes {token}.
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
	if !isHex(c) {
		return 1, ""
	}
	if isDigit(c) {
		if n := bottoken.Len(path[i:]); n > 0 {
			return n, bottoken.Placeholder
		}
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
