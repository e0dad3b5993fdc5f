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
		"/key/sk-proj-9aK3bX7qLm2Zp8Rt4Wv6Yc1Nd5Hf0Gj/v1/chat/completions": "key/{key}/v1/chat/completions",
		"/v1/a3f9c2e1b4d5f6a7/x":                                      "v1/{key}/x", // 16 hex digits
		"/v1/sk-proj-9aK3bX7qLm2Zp8Rt4Wv6Yc1Nd5Hf0Gj":                 "v1/{key}",
		"/v1/a3f9c2e1b4d5f6a/x":                                       "v1/a3f9c2e1b4d5f6a/x",
		"/v1/internationalization/getUserProfileSettings":             "v1/internationalization/getUserProfileSettings",
		"/v1beta/models/gemini-2.5-flash:generateContent":             "v1beta/models/gemini-2.5-flash:generateContent",
		"/AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY/x":                  "{key}/x",
		"/gsk_AbCdEf0123456789GhIjKl/x":                               "{key}/x",
		"/v1/models/claude-sonnet-4-5-20250929/x":                     "v1/models/claude-sonnet-4-5-{int}/x",
		"/v1/gpt-4o-mini-2024-07-18":                                  "v1/gpt-4o-mini-{int}-{int}-{int}",
		"/v1/0123456789abcdef-x":                                      "v1/{key}-x",
		"/models/mistralai/Mistral-7B-Instruct-v0.3/v1":               "models/mistralai/Mistral-7B-Instruct-v0.3/v1",
		"/models/Qwen/Qwen2.5-Coder-32B-Instruct/v1":                  "models/Qwen/Qwen2.5-Coder-{int}B-Instruct/v1",
		"/models/meta-llama/Meta-Llama-3.1-70B-Instruct":              "models/meta-llama/Meta-Llama-3.1-{int}B-Instruct",
		"/bot12345678901234:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/getMe": "bot{token}/getMe",
		"/Ω/99": "Ω/{int}",
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
