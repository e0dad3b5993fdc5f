package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/internal/servetest"
)

// get sends method to url with client and returns the status and body.
func get(t *testing.T, client *http.Client, method, url string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// TestWithReadiness: /ready answers 200 "ready" while the check returns
// nil and 503 with the first line of its error otherwise, calling the
// check on every request; it takes GET (and HEAD) only; /health answers
// 200 whatever the check says.
func TestWithReadiness(t *testing.T) {
	var state atomic.Pointer[error]
	var calls atomic.Int32
	addr := servetest.Start(t, metrics.WithReadiness(func() error {
		calls.Add(1)
		if err := state.Load(); err != nil {
			return *err
		}
		return nil
	}))
	client := &http.Client{Timeout: 5 * time.Second}
	ready, health := "http://"+addr+metrics.ReadinessPath, "http://"+addr+metrics.LivenessPath
	set := func(err error) { state.Store(&err) }

	set(nil)
	if status, body := get(t, client, http.MethodGet, ready, nil); status != http.StatusOK || body != "ready\n" {
		t.Errorf("GET /ready, ready: %d %q, want 200 \"ready\\n\"", status, body)
	}
	set(errors.New("telegram: polling is stopping\nsecond line"))
	if status, body := get(t, client, http.MethodGet, ready, nil); status != http.StatusServiceUnavailable || body != "not ready: telegram: polling is stopping\n" {
		t.Errorf("GET /ready, not ready: %d %q, want 503 and the first line of the error", status, body)
	}
	if status, body := get(t, client, http.MethodGet, health, nil); status != http.StatusOK || body != "ok\n" {
		t.Errorf("GET /health, not ready: %d %q, want 200 \"ok\\n\"", status, body)
	}
	if status, body := get(t, client, http.MethodHead, ready, nil); status != http.StatusServiceUnavailable || body != "" {
		t.Errorf("HEAD /ready, not ready: %d %q, want 503 without a body", status, body)
	}
	set(errors.New(""))
	if status, body := get(t, client, http.MethodGet, ready, nil); status != http.StatusServiceUnavailable || body != "not ready: no reason given\n" {
		t.Errorf("GET /ready, an empty error: %d %q", status, body)
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("the check was called %d times for 4 requests to /ready", n)
	}
	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodDelete} {
		if status, _ := get(t, client, method, ready, nil); status != http.StatusMethodNotAllowed {
			t.Errorf("%s /ready: %d, want 405", method, status)
		}
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("the check was called by a refused method: %d calls", n)
	}
}

// TestWithReadinessSecrets: a not-ready answer holds no bot token, though
// the error quotes a URL with one, and is cut to 200 bytes, on a rune
// boundary.
func TestWithReadinessSecrets(t *testing.T) {
	const token = "7012345678:AAHfakeTokenForTests_0123456789-abc"
	var check atomic.Pointer[error]
	addr := servetest.Start(t, metrics.WithReadiness(func() error { return *check.Load() }))
	client := &http.Client{Timeout: 5 * time.Second}
	url := "http://" + addr + metrics.ReadinessPath

	err := fmt.Errorf("Post %q: dial tcp: connection refused", "https://api.telegram.org/bot"+token+"/getUpdates")
	check.Store(&err)
	status, body := get(t, client, http.MethodGet, url, nil)
	if status != http.StatusServiceUnavailable || strings.Contains(body, token) || strings.Contains(body, token[11:]) ||
		body != "not ready: Post \"https://api.telegram.org/bot{token}/getUpdates\": dial tcp: connection refused\n" {
		t.Errorf("GET /ready with a token in the error: %d %q, want 503 with the token replaced", status, body)
	}

	long := errors.New(strings.Repeat("é", 150)) // 300 bytes
	check.Store(&long)
	_, body = get(t, client, http.MethodGet, url, nil)
	if want := "not ready: " + strings.Repeat("é", 100) + "...\n"; body != want {
		t.Errorf("GET /ready with a 300-byte error: %q, want the first 200 bytes", body)
	}
	odd := errors.New("x" + strings.Repeat("é", 150)) // a cut at 200 bytes splits an é
	check.Store(&odd)
	_, body = get(t, client, http.MethodGet, url, nil)
	if want := "not ready: x" + strings.Repeat("é", 99) + "...\n"; body != want {
		t.Errorf("GET /ready with an error cut inside a rune: %q, want %q", body, want)
	}
}

// TestWithoutReadiness: without WithReadiness, or with a nil check, the
// server serves no /ready.
func TestWithoutReadiness(t *testing.T) {
	client := &http.Client{Timeout: 5 * time.Second}
	for name, opts := range map[string][]metrics.ServeOption{"no option": nil, "nil check": {metrics.WithReadiness(nil)}} {
		addr := servetest.Start(t, opts...)
		if status, _ := get(t, client, http.MethodGet, "http://"+addr+metrics.ReadinessPath, nil); status != http.StatusNotFound {
			t.Errorf("%s: GET /ready: %d, want 404", name, status)
		}
	}
}

// TestWithReadinessSecured: /ready is behind the Security, as /health is:
// without the key it answers 401 and the check is not called.
func TestWithReadinessSecured(t *testing.T) {
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	client := ts.Client()
	s := &keySecurity{tls: ts.TLS.Clone()}
	ts.Close()
	var calls atomic.Int32
	addr := servetest.Start(t, metrics.WithSecurity(s), metrics.WithReadiness(func() error {
		calls.Add(1)
		return errors.New("stopping")
	}))
	url := "https://" + addr + metrics.ReadinessPath
	if status, body := get(t, client, http.MethodGet, url, nil); status != http.StatusUnauthorized || strings.Contains(body, "stopping") || calls.Load() != 0 {
		t.Errorf("GET /ready without the key: %d %q, %d checks; want 401 and no check", status, body, calls.Load())
	}
	if status, body := get(t, client, http.MethodGet, url, http.Header{"X-Key": {"k"}}); status != http.StatusServiceUnavailable || body != "not ready: stopping\n" || calls.Load() != 1 {
		t.Errorf("GET /ready with the key: %d %q, %d checks; want 503 and one check", status, body, calls.Load())
	}
}

func ExampleWithReadiness() {
	// What says whether the program can take work: for a bot, its Poller's
	// Ready, or whether its webhook server serves.
	var stopping atomic.Bool
	ready := func() error {
		if stopping.Load() {
			return errors.New("shutting down")
		}
		return nil
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() { served <- metrics.ServeListener(ctx, ln, metrics.WithReadiness(ready)) }()

	probe := func() {
		resp, err := http.Get("http://" + ln.Addr().String() + metrics.ReadinessPath)
		if err != nil {
			log.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		fmt.Printf("%d %s", resp.StatusCode, body)
	}
	probe()
	stopping.Store(true) // as SIGTERM arrives, before the work in flight drains
	probe()
	stop()
	if err := <-served; err != nil {
		log.Fatal(err)
	}
	// Output:
	// 200 ready
	// 503 not ready: shutting down
}
