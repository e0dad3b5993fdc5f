package httpclient

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/genapp-go/genapp/metrics"
)

const fuzzToken = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw"

func FuzzTelegramResource(f *testing.F) {
	for _, s := range []string{"sendMessage", "getUpdates", "", "x/y", "file/bot", "photos/1.jpg", "send-Message", "a/../b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, tail string) {
		for _, path := range []string{
			"/bot" + fuzzToken + "/" + tail,
			"/file/bot" + fuzzToken + "/" + tail,
			"/" + tail,
			tail,
		} {
			got := TelegramResource(&http.Request{URL: &url.URL{Path: path}})
			if strings.Contains(got, fuzzToken) || strings.Contains(got, "AAHdqTcv") {
				t.Fatalf("TelegramResource(%q) = %q holds the token", path, got)
			}
			if got != metrics.UnknownResource && got != fileResource && !isMethodName(got) {
				t.Fatalf("TelegramResource(%q) = %q: want a method name, %q or %q", path, got, fileResource, metrics.UnknownResource)
			}
		}
	})
}
