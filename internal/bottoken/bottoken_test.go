package bottoken

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestRedact(t *testing.T) {
	const token = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"
	for _, tc := range []struct{ in, want string }{
		{`Post "http://127.0.0.1:4242/bot` + token + `/sendMessage": dial tcp: connection refused`,
			`Post "http://127.0.0.1:4242/bot{token}/sendMessage": dial tcp: connection refused`},
		{`Post "http://127.0.0.1:1/botTEST-token/getMe": EOF`, `Post "http://127.0.0.1:1/bot{token}/getMe": EOF`},
		{"/file/bot" + token + "/photos/1.jpg", "/file/bot{token}/photos/1.jpg"},
		{"token is " + token + ".", "token is {token}."},
		{"chat 12345:hello stays", "chat 12345:hello stays"},
	} {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
	}
}

func TestLen(t *testing.T) {
	for in, want := range map[string]int{
		"123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/x": 44,
		"1:" + "abcdefghij0123456789ABCDEFGHIJ":          32,
		"1:" + "abcdefghij0123456789ABCDEFGHI":           0, // 29: too short
		"12:30":                                          0, ":abc": 0, "abc": 0, "": 0, "123": 0,
	} {
		if got := Len(in); got != want {
			t.Errorf("Len(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestMasker(t *testing.T) {
	const long = "7012345678:AAHfakeTokenForTests_0123456789-abcd"
	stars := strings.Repeat("*", len(long)-len("7012345678:"))
	for _, tc := range []struct{ token, in, want string }{
		{"123:short-secret", "no such path /bot123:short-secret/getMe", "no such path /bot123:************/getMe"},
		{"123:short-secret", "123:short-secret123:short-secret", "123:************123:************"},
		{"123:short-secret", "123:short-secre", "123:short-secre"},
		{"123:short-secret", "1123:short-secret!", "1123:************!"},
		{"123:short-secret", "short-secret alone", "short-secret alone"},
		{"123:short-secret", "", ""},
		{long, "/bot" + long + "/getMe", "/bot7012345678:" + stars + "/getMe"},
		{long, "/bot7012345678%3A" + long[11:] + "/getMe", "/bot7012345678%3A" + stars + "/getMe"},
		{"nocolon-token", "nocolon-token!", "*************!"},
		{"", "abc", "abc"},
	} {
		m := NewMasker(tc.token)
		b := []byte(tc.in)
		found := m.Mask(b)
		if string(b) != tc.want || found != (tc.in != tc.want) {
			t.Errorf("%q: Mask(%q) = %q, %v; want %q", tc.token, tc.in, b, found, tc.want)
		}
		if got := m.MaskString(tc.in); got != tc.want {
			t.Errorf("%q: MaskString(%q) = %q, want %q", tc.token, tc.in, got, tc.want)
		}
	}
}

func TestMaskerPartial(t *testing.T) {
	m := NewMasker("123:short-secret")
	for in, want := range map[string]int{"": 0, "x": 0, "x1": 1, "x123:sh": 6, "123:short-secre": 15, "123:short-secret": 0, "12x": 0} {
		if got := m.Partial([]byte(in)); got != want {
			t.Errorf("Partial(%q) = %d, want %d", in, got, want)
		}
	}
	if m.MaxPartial() != 15 || NewMasker("").MaxPartial() != 0 {
		t.Errorf("MaxPartial = %d, %d; want 15, 0", m.MaxPartial(), NewMasker("").MaxPartial())
	}
}

// TestMaskerError: the text is masked, the original stays reachable for
// errors.Is, and nil stays nil.
func TestMaskerError(t *testing.T) {
	m := NewMasker("123:short-secret")
	cause := errors.New("no such path /bot123:short-secret/getMe")
	err := m.Error(fmt.Errorf("get: %w", cause))
	if strings.Contains(err.Error(), "short-secret") || !errors.Is(err, cause) {
		t.Errorf("Error = %q, unwraps to the cause: %v", err, errors.Is(err, cause))
	}
	if m.Error(nil) != nil {
		t.Error("Error(nil) is not nil")
	}
}
