package metrics

import "testing"

func TestCleanResource(t *testing.T) {
	for in, want := range map[string]string{
		"":             "/",
		"/":            "/",
		"//":           "/",
		"/sendMessage": "sendMessage",
		"/users/123/orders/5b3d1e2a-9c4f-4e8a-b7d6-0f1e2d3c4b5a/": "users/{int}/orders/{uuid}",
		"/users/5B3D1E2A-9C4F-4E8A-B7D6-0F1E2D3C4B5A":             "users/{uuid}",
		"/v1/chat/completions":                                    "v1/chat/completions",
		"/api/v2/items/7":                                         "api/v2/items/{int}",
		"/items/7abc":                                             "items/{int}abc",
		"/order-2024-x":                                           "order-{int}-x",
		"/a1b":                                                    "a1b",
		"users/42":                                                "users/{int}",
		"42":                                                      "{int}",
		"/webhook/123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw":  "webhook/{token}",
		"/bot123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe": "bot{token}/getMe",
		"/time/12:30": "time/{int}:{int}",
		"/Ω/99":       "Ω/{int}",
	} {
		if got := CleanResource(in); got != want {
			t.Errorf("CleanResource(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPatternResource(t *testing.T) {
	for in, want := range map[string]string{
		"GET /users/{id}":              "users/{id}",
		"/users/{id}":                  "users/{id}",
		"POST example.com/items/{id}/": "items/{id}",
		"example.com/":                 "/",
		"GET /{$}":                     "/",
		"/files/{path...}":             "files/{path...}",
		"GET /api/v2/{id}":             "api/v2/{id}",
	} {
		if got := PatternResource(in); got != want {
			t.Errorf("PatternResource(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCleanResourceUnchangedPathDoesNotAllocate(t *testing.T) {
	if n := testing.AllocsPerRun(100, func() { _ = CleanResource("/v1/chat/completions") }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}
