package httpclient

import (
	"bytes"
	"encoding/json"
	"math"
	"net/http"
	"net/url"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/metrics"
)

// readAPIError streams body through a fresh apiError of a status answer,
// cut where cuts say (each byte the length of the next piece, 0 ending the
// cuts), and returns what it read: error_code, retry_after (-1 for none)
// and the description.
func readAPIError(t *testing.T, m *metrics.Metrics, status int, body, cuts []byte) (code, retryAfter int64, description []byte) {
	t.Helper()
	req := &http.Request{URL: &url.URL{Path: "/bot" + fuzzToken + "/sendMessage"}}
	a := newAPIError(req, m).(*apiError)
	if !a.Response(&http.Response{StatusCode: status}) {
		t.Fatalf("status %d: the body is not read", status)
	}
	rest := body
	for _, c := range cuts {
		if c == 0 || len(rest) == 0 {
			break
		}
		n := min(int(c), len(rest))
		a.ResponseBody(rest[:n])
		rest = rest[n:]
	}
	a.ResponseBody(rest)
	a.End()
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.code, a.retryAfter, a.description
}

func fuzzMetrics(f *testing.F) *metrics.Metrics {
	m, err := metrics.New("fuzz", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		f.Fatal(err)
	}
	return m
}

// FuzzAPIError: on any body, in pieces of any size, the api-error reader
// neither panics nor reads more than its bounds, and reads the same values
// however the body is cut.
func FuzzAPIError(f *testing.F) {
	for _, s := range []string{
		`{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}`,
		`{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`,
		`{"description":"a \"error_code\": 1, \\\"retry_after\\\": 2","error_code":400}`,
		"{ \"parameters\" :\n{ \"retry_after\"\t:  7 }\r\n}",
		`<html><body>502 Bad Gateway</body></html>`,
		`{"error_code":2147483648,"retry_after":-1,"description":"\u0000\ud800"}`,
		"{\"description\":\"\x00\xff\xfe\"}",
	} {
		f.Add([]byte(s), []byte{1, 3, 7})
	}
	m := fuzzMetrics(f)
	f.Fuzz(func(t *testing.T, body, cuts []byte) {
		code, retryAfter, description := readAPIError(t, m, 400, body, nil)
		if code < -1 || code > math.MaxInt32 || retryAfter < -1 || retryAfter > math.MaxInt32 {
			t.Fatalf("error_code %d, retry_after %d: out of the int32 range", code, retryAfter)
		}
		if len(description) > maxDescription {
			t.Fatalf("a description of %d bytes", len(description))
		}
		if code >= 0 && !bytes.Contains(body, []byte(errorCodeKey)) || retryAfter >= 0 && !bytes.Contains(body, []byte(retryAfterKey)) {
			t.Fatalf("a value read from a body without its key: %d, %d", code, retryAfter)
		}
		c2, r2, d2 := readAPIError(t, m, 429, body, cuts)
		if c2 != code || r2 != retryAfter || !bytes.Equal(d2, description) {
			t.Fatalf("cut %v: read %d, %d, %q; whole: %d, %d, %q", cuts, c2, r2, d2, code, retryAfter, description)
		}
	})
}

// FuzzAPIErrorAnswer: a well-formed error answer, members in any order,
// with a member of any text besides them, counts under the reason of its
// own error_code and description, and the flood wait of its retry_after.
func FuzzAPIErrorAnswer(f *testing.F) {
	f.Add(int32(403), int32(-1), "Forbidden: bot was blocked by the user", "x", uint8(0), false, []byte{5})
	f.Add(int32(429), int32(35), "Too Many Requests: retry after 35", `, "error_code": 1`, uint8(3), true, []byte{1})
	f.Add(int32(400), int32(-1), "Bad Request: can't parse entities: \"b\" tag", `"description":"chat not found"`, uint8(5), false, []byte{2, 9})
	m := fuzzMetrics(f)
	f.Fuzz(func(t *testing.T, code, retryAfter int32, description, other string, order uint8, indent bool, cuts []byte) {
		members := []struct {
			key   string
			value any
		}{
			{"ok", false},
			{"error_code", code},
			{"description", description},
			{"hint", other},
		}
		if retryAfter >= 0 {
			members = append(members, struct {
				key   string
				value any
			}{"parameters", map[string]int32{"retry_after": retryAfter}})
		}
		// order picks one rotation of the members.
		k := int(order) % len(members)
		members = append(members[k:], members[:k]...)
		var b bytes.Buffer
		b.WriteByte('{')
		for i, mem := range members {
			if i > 0 {
				b.WriteByte(',')
			}
			key, _ := json.Marshal(mem.key)
			value, _ := json.Marshal(mem.value)
			b.Write(key)
			b.WriteByte(':')
			b.Write(value)
		}
		b.WriteByte('}')
		body := b.Bytes()
		if indent {
			var ib bytes.Buffer
			if err := json.Indent(&ib, body, " ", "\t"); err != nil {
				t.Fatal(err)
			}
			body = ib.Bytes()
		}
		var decoded struct {
			Description string `json:"description"`
		}
		if err := json.Unmarshal(body, &decoded); err != nil {
			t.Fatal(err)
		}
		gotCode, gotRetry, gotDesc := readAPIError(t, m, 400, body, cuts)
		wantCode := int64(code)
		if code < 0 {
			wantCode = -1
		}
		if gotCode != wantCode {
			t.Errorf("error_code %d read as %d in %s", code, gotCode, body)
		}
		if retryAfter >= 0 && gotRetry != int64(retryAfter) {
			t.Errorf("retry_after %d read as %d in %s", retryAfter, gotRetry, body)
		}
		if code >= 0 && len(decoded.Description) <= maxDescription {
			want := metrics.TelegramErrorReason(int(code), decoded.Description)
			if got := metrics.TelegramErrorReason(int(code), string(gotDesc)); got != want {
				t.Errorf("description %q read as %q: reason %s, want %s\n%s", decoded.Description, gotDesc, got, want, body)
			}
		}
	})
}
