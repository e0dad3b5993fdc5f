package metrics

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/genapp-go/genapp/internal/bottoken"
)

func FuzzCleanResource(f *testing.F) {
	for _, s := range []string{
		"", "/", "/users/123/orders/5b3d1e2a-9c4f-4e8a-b7d6-0f1e2d3c4b5a/", "/v1/chat/completions",
		"/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe", "/webhook/1:" + strings.Repeat("a", 30),
		"/a1b/22/333", "//x//", "/Ω/99", "\xff\xfe/12",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, path string) {
		got := CleanResource(path)
		if got == "" {
			t.Fatalf("CleanResource(%q) is empty", path)
		}
		if got != "/" && (strings.HasPrefix(got, "/") || strings.HasSuffix(got, "/")) {
			t.Fatalf("CleanResource(%q) = %q keeps surrounding slashes", path, got)
		}
		if hasDigitRun(got, 2) {
			t.Fatalf("CleanResource(%q) = %q keeps a run of digits", path, got)
		}
		for i := range len(got) {
			// A token starts a run of digits; checking only there keeps
			// the check linear.
			if (i == 0 || !isDigit(got[i-1])) && bottoken.Len(got[i:]) > 0 {
				t.Fatalf("CleanResource(%q) = %q keeps a bot token", path, got)
			}
		}
		if utf8.ValidString(path) && !utf8.ValidString(got) {
			t.Fatalf("CleanResource(%q) = %q broke UTF-8", path, got)
		}
		if again := CleanResource(got); again != got {
			t.Fatalf("not idempotent: %q -> %q -> %q", path, got, again)
		}
	})
}

func FuzzPatternResource(f *testing.F) {
	for _, s := range []string{"GET /users/{id}", "/{$}", "POST example.com/items/{id}/", "example.com/", " ", "GET  /x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pattern string) {
		got := PatternResource(pattern)
		if got == "" || strings.ContainsAny(got, " \t") && !strings.ContainsAny(pattern, " \t") {
			t.Fatalf("PatternResource(%q) = %q", pattern, got)
		}
	})
}

func hasDigitRun(s string, n int) bool {
	run := 0
	for i := range len(s) {
		if isDigit(s[i]) {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// FuzzLabelBounds: whatever a caller or a client supplies (error names
// included), every recorded
// label value is valid UTF-8 of at most MaxLabelLen bytes, and every
// observation is recorded exactly once.
func FuzzLabelBounds(f *testing.F) {
	f.Add("start_handler", "llm", "GET", "v1/chat", 200, int64(10))
	f.Add("", "", "", "", 0, int64(-1))
	f.Add(strings.Repeat("\xff", MaxLabelLen), strings.Repeat("é", MaxLabelLen), "PURGE", strings.Repeat("r", MaxLabelLen+1), 1000, int64(1)<<62)
	f.Fuzz(func(t *testing.T, name, appType, method, resource string, status int, size int64) {
		m := quietTest(t, WithMaxSeries(4))
		for range 2 { // the second time on existing series
			a := m.Track(name)
			a.Size(int(size))
			a.End(nil)
			err := NamedError(resource, errors.New("x")) // an error name as long or invalid as any resource
			failed := m.Track(name)
			failed.End(&err)
			m.RecordHTTP(Exchange{AppType: appType, Method: method, Resource: resource, Status: status, RequestSize: size, Duration: time.Duration(size)})
		}
		e := scrape(t, m)
		for _, fam := range e.Families {
			for _, s := range fam.GetMetric() {
				for _, lp := range s.GetLabel() {
					if v := lp.GetValue(); len(v) > MaxLabelLen || !utf8.ValidString(v) {
						t.Fatalf("%s: label %s = %q", fam.GetName(), lp.GetName(), v)
					}
				}
			}
		}
		if got := e.Sum("genapp_http_requests_total", nil); got != 2 {
			t.Fatalf("%v exchanges recorded, want 2", got)
		}
		if got := e.Sum("genapp_action_count_total", nil); got != 4 {
			t.Fatalf("%v actions recorded, want 4", got)
		}
		if n := e.Series("genapp_action_count_total"); n > 4 {
			t.Fatalf("genapp_action_count_total has %d series, past the limit of 4", n)
		}
	})
}
