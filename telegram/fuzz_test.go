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
