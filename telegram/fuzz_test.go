package telegram

import (
	"strings"
	"testing"
)

func FuzzActionName(f *testing.F) {
	for _, s := range []string{"/start", "/Start@my_bot", "\fmenu", "\fMain-Menu", "\aphoto", "\atext", "Help me",
		"/", "\f", "", "/мир", "\f" + strings.Repeat("x", 300), "/a b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, route string) {
		got := ActionName(route)
		if !strings.HasSuffix(got, "_handler") {
			t.Fatalf("ActionName(%q) = %q lacks the _handler suffix", route, got)
		}
		if err := CheckName(got); err != nil {
			t.Fatalf("ActionName(%q) = %q is not a valid name: %v", route, got, err)
		}
		if again := ActionName(route); again != got {
			t.Fatalf("ActionName(%q) is not deterministic: %q then %q", route, got, again)
		}
	})
}

func FuzzCallbackUnique(f *testing.F) {
	for _, s := range []string{"menu", "menu:42", "menu|42", "\fmenu|42", "", ":", "|x", "\f", "a:b|c", "\f\fx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		got := CallbackUnique(data)
		if !strings.HasPrefix(strings.TrimPrefix(data, "\f"), got) {
			t.Fatalf("CallbackUnique(%q) = %q is not a prefix of the data", data, got)
		}
		if strings.ContainsAny(got, ":|") {
			t.Fatalf("CallbackUnique(%q) = %q keeps a separator", data, got)
		}
		if !strings.HasPrefix(got, "\f") && CallbackUnique(got) != got {
			t.Fatalf("CallbackUnique(%q) = %q is not stable", data, got)
		}
	})
}
