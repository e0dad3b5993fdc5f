package telegramtest_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// TestFaultWire pins the wire form of an injected 429, as the real API
// sends it and both libraries parse it.
func TestFaultWire(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.Inject("getMe", telegramtest.Fault{RetryAfter: 5}) // RetryAfter alone means 429
	resp, err := http.Get(srv.URL + "/bot" + srv.Token + "/getMe")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	want := `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 5","parameters":{"retry_after":5}}`
	if resp.StatusCode != 429 || string(body) != want {
		t.Errorf("got %d %s, want 429 %s", resp.StatusCode, body, want)
	}
	if c := srv.Calls(); len(c) != 1 || c[0].Status != 429 {
		t.Errorf("Calls() = %+v, want the failed call with status 429", c)
	}
}

// TestFaultMatching proves a fault applies to its method only ("" to any),
// for Times calls, in the order injected, until ClearFaults for Times < 0,
// with an optional description.
func TestFaultMatching(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	send := map[string]any{"chat_id": 1, "text": "x"}

	srv.Inject("SENDMESSAGE", telegramtest.Fault{Status: 502, Times: 2})
	srv.Inject("", telegramtest.Fault{Status: 403, Description: "Forbidden: bot was blocked by the user"})
	steps := []struct {
		method string
		code   int
		desc   string
	}{
		{"getMe", 403, "Forbidden: bot was blocked by the user"}, // the sendMessage fault does not match
		{"sendMessage", 502, "Bad Gateway"},
		{"sendMessage", 502, "Bad Gateway"},
		{"sendMessage", 0, ""},
		{"getMe", 0, ""},
	}
	for i, st := range steps {
		r := call(t, srv, st.method, send)
		if r.ErrorCode != st.code || r.Description != st.desc {
			t.Errorf("step %d %s = %d %q, want %d %q", i, st.method, r.ErrorCode, r.Description, st.code, st.desc)
		}
	}

	srv.Inject("getMe", telegramtest.Fault{Status: 500, Times: -1})
	for range 3 {
		if r := call(t, srv, "getMe", nil); r.ErrorCode != 500 || r.Description != "Internal Server Error" {
			t.Errorf("persistent fault: %+v", r)
		}
	}
	srv.ClearFaults()
	if r := call(t, srv, "getMe", nil); !r.OK {
		t.Errorf("after ClearFaults: %+v", r)
	}
}

// TestFaultDelay proves a delay slows the call and then lets it succeed,
// and that Close cuts a delay short.
func TestFaultDelay(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	srv.Inject("getMe", telegramtest.Fault{Delay: 100 * time.Millisecond})
	start := time.Now()
	if r := call(t, srv, "getMe", nil); !r.OK {
		t.Errorf("delayed getMe: %+v", r)
	}
	if d := time.Since(start); d < 100*time.Millisecond {
		t.Errorf("delayed getMe took %v", d)
	}

	srv.Inject("getMe", telegramtest.Fault{Delay: time.Minute, Status: 503})
	result := callAsync(t, srv, "getMe", nil)
	for range 500 {
		if c := srv.Calls(); c[len(c)-1].Status == 0 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	start = time.Now()
	srv.Close()
	if r := result(); r.ErrorCode != 503 || !strings.Contains(r.Description, "Unavailable") {
		t.Errorf("delayed call after Close = %+v, want its 503", r)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v with a delayed call in flight", d)
	}
}
