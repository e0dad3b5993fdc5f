package webhook_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
	"github.com/genapp-go/genapp/telegram/webhook"
)

const secret = "s3cret_-token"

// inbox is a deliver function that keeps what it is given.
type inbox struct {
	mu      sync.Mutex
	updates []string
	err     error // returned by deliver
}

func (in *inbox) deliver(_ context.Context, update []byte) error {
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.err != nil {
		return in.err
	}
	in.updates = append(in.updates, string(update))
	return nil
}

func (in *inbox) got() []string {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]string(nil), in.updates...)
}

// TestHandler serves the handler on a path holding the token, behind
// metrics.Middleware, and sends it what Telegram and what others would.
func TestHandler(t *testing.T) {
	m := actiontest.NewMetrics(t)
	var in inbox
	h, err := webhook.New(secret, in.deliver, webhook.WithMaxUpdateSize(64))
	if err != nil {
		t.Fatal(err)
	}
	const path = "/hook/123:SECRETPATH"
	mux := http.NewServeMux()
	mux.Handle(path, h)
	srv := httptest.NewServer(m.Middleware(mux))
	defer srv.Close()

	send := func(method, secretValue, body string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if secretValue != "" {
			req.Header.Set(webhook.SecretHeader, secretValue)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		answer, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(answer)
	}

	update := `{"update_id":1,"message":{"text":"hi"}}`
	for _, tc := range []struct {
		what, method, secret, body string
		status                     int
	}{
		{"an update", http.MethodPost, secret, update, 200},
		{"no secret", http.MethodPost, "", update, 401},
		{"a wrong secret", http.MethodPost, secret + "x", update, 401},
		{"a secret's prefix", http.MethodPost, secret[:4], update, 401},
		{"a GET", http.MethodGet, secret, "", 405},
		{"a body over the limit", http.MethodPost, secret, strings.Repeat("x", 65), 413},
		{"a body at the limit", http.MethodPost, secret, `{"update_id":2,"x":"` + strings.Repeat("y", 64-22) + `"}`, 200},
	} {
		status, answer := send(tc.method, tc.secret, tc.body)
		if status != tc.status {
			t.Errorf("%s: status %d (%q), want %d", tc.what, status, answer, tc.status)
		}
	}
	if got := in.got(); len(got) != 2 || got[0] != update {
		t.Errorf("delivered %q, want the two updates sent with the secret", got)
	}

	in.err = errors.New("json: cannot unmarshal SECRETPATH")
	if status, answer := send(http.MethodPost, secret, "{}"); status != 400 || strings.Contains(answer, "SECRETPATH") {
		t.Errorf("deliver failing: %d %q, want 400 quoting nothing", status, answer)
	}

	e := promtest.Scrape(t, m.Handler())
	for status, n := range map[string]float64{"200": 2, "401": 3, "405": 1, "413": 1, "400": 1} {
		if got := e.Counter(t, "genapp_http_requests_total", promtest.Labels{"resource": "telegram/webhook", "status": status}); got != n {
			t.Errorf("status %s recorded %v times, want %v", status, got, n)
		}
	}
	if strings.Contains(e.Text, "SECRETPATH") || strings.Contains(e.Text, "hook/") {
		t.Error("the webhook's path is in the exposition")
	}
}

// TestHandlerWithTelegramtest: the fake Bot API delivers to the handler with
// the secret that setWebhook registered, and an update the handler refuses
// stays pending, as Telegram keeps it.
func TestHandlerWithTelegramtest(t *testing.T) {
	api := telegramtest.NewServer()
	defer api.Close()
	var in inbox
	h, err := webhook.New(secret, in.deliver)
	if err != nil {
		t.Fatal(err)
	}
	bot := httptest.NewServer(h)
	defer bot.Close()

	setWebhook := func(secret string) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"url": bot.URL + "/hook", "secret_token": secret})
		resp, err := http.Post(api.URL+"/bot"+api.Token+"/setWebhook", "application/json", strings.NewReader(string(body)))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	setWebhook(secret)
	id := api.SendText(7, "hello")
	if err := api.Deliver(ctx); err != nil {
		t.Fatal(err)
	}
	var u struct {
		UpdateID int `json:"update_id"`
		Message  struct {
			Text string `json:"text"`
		} `json:"message"`
	}
	if got := in.got(); len(got) != 1 || json.Unmarshal([]byte(got[0]), &u) != nil || u.UpdateID != id || u.Message.Text != "hello" {
		t.Fatalf("delivered %q, want update %d", got, id)
	}

	setWebhook("forged")
	api.SendText(7, "forged")
	if err := api.Deliver(ctx); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("Deliver with another secret: %v, want a 401", err)
	}
	if api.Pending() != 1 || len(in.got()) != 1 {
		t.Errorf("pending %d, delivered %d: the refused update must stay pending", api.Pending(), len(in.got()))
	}
}

func TestNewRefuses(t *testing.T) {
	deliver := func(context.Context, []byte) error { return nil }
	for _, tc := range []struct {
		secret  string
		deliver func(context.Context, []byte) error
		opts    []webhook.Option
		want    string
	}{
		{"", deliver, nil, "want 1 to 256 characters of [A-Za-z0-9_-]"},
		{strings.Repeat("a", 257), deliver, nil, "want 1 to 256 characters"},
		{"with space", deliver, nil, "character 4 is not allowed"},
		{"ünicode", deliver, nil, "character 0 is not allowed"},
		{secret, nil, nil, "nil deliver"},
		{secret, deliver, []webhook.Option{webhook.WithMaxUpdateSize(0)}, "WithMaxUpdateSize(0): want a positive"},
		{secret, deliver, []webhook.Option{webhook.WithMaxUpdateSize(1 << 20), nil}, "webhook: New: option 2 of 2 is nil"},
	} {
		h, err := webhook.New(tc.secret, tc.deliver, tc.opts...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || h != nil {
			t.Errorf("New(%q...): %v, want an error containing %q", tc.secret, err, tc.want)
			continue
		}
		if tc.secret != "" && strings.Contains(err.Error(), tc.secret) {
			t.Errorf("the error quotes the secret: %v", err)
		}
	}
	if s := webhook.NewSecret(); webhook.CheckSecret(s) != nil || s == webhook.NewSecret() {
		t.Errorf("NewSecret() = %q: want a valid, random secret", s)
	}
}

// TestHandlerBehindACopyingWrapper: a wrapper between the mux and the
// Handler that hands on a copy of the request (http.TimeoutHandler) hides the
// route the Handler names; the request is then recorded under the mux's
// pattern, and the bot token in the webhook's path must still not reach the
// exposition.
func TestHandlerBehindACopyingWrapper(t *testing.T) {
	m := actiontest.NewMetrics(t)
	var in inbox
	h, err := webhook.New(secret, in.deliver)
	if err != nil {
		t.Fatal(err)
	}
	const path = "/hook/123456789:AAHsecretSECRETPATHsecretsecret12345"
	mux := http.NewServeMux()
	mux.Handle("POST "+path, http.TimeoutHandler(h, time.Minute, "timed out"))
	srv := httptest.NewServer(m.Middleware(mux))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodPost, srv.URL+path, strings.NewReader(`{"update_id":1}`))
	req.Header.Set(webhook.SecretHeader, secret)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || len(in.got()) != 1 {
		t.Fatalf("status %d, %d updates delivered: want 200 and 1", resp.StatusCode, len(in.got()))
	}
	e := promtest.Scrape(t, m.Handler())
	if got := e.Counter(t, "genapp_http_requests_total", promtest.Labels{"resource": "hook/{token}", "status": "200"}); got != 1 || strings.Contains(e.Text, "SECRETPATH") {
		t.Errorf("%v requests recorded as hook/{token}, want 1; token in the exposition: %v", got, strings.Contains(e.Text, "SECRETPATH"))
	}
}
