package tgrouter

import (
	"strings"
	"testing"
)

func FuzzCallbackUnique(f *testing.F) {
	for _, s := range []string{"menu", "menu:42", "menu|42", "\fmenu|42", "", ":", "|x", "\f", "a:b|c", "\f\fx"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, data string) {
		got := callbackUnique(data)
		if !strings.HasPrefix(strings.TrimPrefix(data, "\f"), got) {
			t.Fatalf("callbackUnique(%q) = %q is not a prefix of the data", data, got)
		}
		if strings.ContainsAny(got, ":|") {
			t.Fatalf("callbackUnique(%q) = %q keeps a separator", data, got)
		}
		if !strings.HasPrefix(got, "\f") && callbackUnique(got) != got {
			t.Fatalf("callbackUnique(%q) = %q is not stable", data, got)
		}
	})
}
