package bottoken

import "testing"

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

func TestMask(t *testing.T) {
	const token = "123:short-secret"
	for _, tc := range []struct{ in, want string }{
		{"no such path /bot" + token + "/getMe", "no such path /bot123:************/getMe"},
		{token + token, "123:************123:************"},
		{"123:short-secre", "123:short-secre"},
		{"1123:short-secret!", "1123:************!"},
		{"", ""},
	} {
		b := []byte(tc.in)
		found := Mask(b, token)
		if string(b) != tc.want || found != (tc.in != tc.want) {
			t.Errorf("Mask(%q) = %q, %v; want %q", tc.in, b, found, tc.want)
		}
		if got := MaskString(tc.in, token); got != tc.want {
			t.Errorf("MaskString(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if b := []byte("abc"); Mask(b, "") || string(b) != "abc" {
		t.Errorf("Mask with an empty token changed %q", b)
	}
	if got := MaskString("nocolon-token!", "nocolon-token"); got != "*************!" {
		t.Errorf("a token without ':' is masked whole: got %q", got)
	}
}
