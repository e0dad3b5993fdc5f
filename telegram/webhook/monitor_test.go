package webhook_test

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/logtest"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
	"github.com/genapp-go/genapp/telegram/webhook"
)

const (
	pendingName  = "genapp_telegram_webhook_pending_updates"
	errorAgeName = "genapp_telegram_webhook_last_error_age_sec"
)

func newMetrics(t *testing.T) *metrics.Metrics {
	t.Helper()
	m, err := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// run starts mon and returns a function that stops it and returns what Run
// returned.
func run(t *testing.T, mon *webhook.Monitor) (stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- mon.Run(ctx) }()
	return func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			t.Fatal("Run did not return within 10 s of its context ending")
			return nil
		}
	}
}

// waitFor scrapes m until ok holds, for at most 10 s.
func waitFor(t *testing.T, m *metrics.Metrics, what string, ok func(e *promtest.Exposition) bool) *promtest.Exposition {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		e := promtest.Scrape(t, m.Handler())
		if ok(e) {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 10 s, still not %s:\n%s", what, e.Text)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func gauge(e *promtest.Exposition, name string) (float64, bool) {
	ms := e.Find(name, promtest.Labels{"app": "demobot", "env": "dev"})
	if len(ms) != 1 {
		return 0, false
	}
	return ms[0].GetGauge().GetValue(), true
}

// TestMonitorTelegramtest: against the fake Bot API, the gauges follow a
// webhook that fails (a backlog of 3, an error age) and recovers (0
// pending; the age of the last error stays, as Telegram keeps reporting it).
func TestMonitorTelegramtest(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	var failing atomic.Bool
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			http.Error(w, "down", http.StatusBadGateway)
		}
	}))
	defer hook.Close()
	client := httpclient.NewTelegram(srv.Token)
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/bot"+httpclient.TokenPlaceholder+"/setWebhook?url="+hook.URL, nil)
	if resp, err := client.Do(req); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("setWebhook: %v %v", resp, err)
	}

	m := newMetrics(t)
	var logs logtest.Buffer
	stop := run(t, &webhook.Monitor{Client: client, APIURL: srv.URL, Metrics: m, Interval: webhook.MinInterval,
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	e := waitFor(t, m, "polled", func(e *promtest.Exposition) bool { _, ok := gauge(e, pendingName); return ok })
	if v, _ := gauge(e, pendingName); v != 0 {
		t.Errorf("pending = %v, want 0", v)
	}
	if _, ok := gauge(e, errorAgeName); ok {
		t.Error("error age exposed before any delivery failed")
	}

	failing.Store(true)
	for range 3 {
		srv.SendText(7, "hello")
	}
	before := time.Now()
	if err := srv.Deliver(context.Background()); err == nil {
		t.Fatal("Deliver to a failing webhook: no error")
	}
	e = waitFor(t, m, "3 pending with an error", func(e *promtest.Exposition) bool {
		v, _ := gauge(e, pendingName)
		_, ok := gauge(e, errorAgeName)
		return v == 3 && ok
	})
	// last_error_date is whole seconds: the age is at least 0 and at most
	// the time since Deliver, plus the second truncated.
	if age, _ := gauge(e, errorAgeName); age < 0 || age > time.Since(before).Seconds()+1 {
		t.Errorf("error age = %v, want 0 to %v", age, time.Since(before).Seconds()+1)
	}

	failing.Store(false)
	if err := srv.Deliver(context.Background()); err != nil {
		t.Fatal(err)
	}
	waitFor(t, m, "0 pending after the webhook recovered", func(e *promtest.Exposition) bool {
		v, _ := gauge(e, pendingName)
		_, ok := gauge(e, errorAgeName)
		return v == 0 && ok
	})
	if err := stop(); err != nil {
		t.Errorf("Run = %v after its context ended, want nil", err)
	}
	if logs.String() != "" {
		t.Errorf("warnings while every poll succeeded:\n%s", logs.String())
	}
}

// TestMonitorHostile: each broken or hostile answer is logged (without the
// token) and retried; the next good answer is recorded; nothing panics.
func TestMonitorHostile(t *testing.T) {
	const token = "7012345678:AAHfakeTokenForTests_0123456789-abcd"
	good := `{"ok":true,"result":{"url":"https://bot.example/hook","pending_update_count":5,"last_error_date":0}}`
	for name, hostile := range map[string]struct {
		status int
		body   string
	}{
		"500":                {500, `{"ok":false,"error_code":500,"description":"Internal Server Error"}`},
		"429":                {429, `{"ok":false,"error_code":429,"parameters":{"retry_after":1}}`},
		"429 absurd wait":    {429, `{"ok":false,"error_code":429,"parameters":{"retry_after":-1e308}}`},
		"malformed":          {200, `{"ok":true,"result":{"pending_update_count":`},
		"not ok":             {200, `{"ok":false}`},
		"no count":           {200, `{"ok":true,"result":{"url":""}}`},
		"negative count":     {200, `{"ok":true,"result":{"pending_update_count":-3}}`},
		"count past int64":   {200, `{"ok":true,"result":{"pending_update_count":99999999999999999999}}`},
		"string count":       {200, `{"ok":true,"result":{"pending_update_count":"5"}}`},
		"huge":               {200, `{"ok":true,"result":{"pending_update_count":1,"url":"` + strings.Repeat("x", 1<<20) + `"}}`},
		"html":               {200, `<html>maintenance</html>`},
		"token in the error": {502, `{"ok":false,"description":"bad gateway for bot` + token + `"}`},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			var calls atomic.Int64
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/bot"+token+"/getWebhookInfo" {
					t.Errorf("request to %s", r.URL.Path)
				}
				if calls.Add(1) == 1 {
					w.WriteHeader(hostile.status)
					w.Write([]byte(hostile.body))
					return
				}
				w.Write([]byte(good))
			}))
			defer api.Close()
			m := newMetrics(t)
			var logs logtest.Buffer
			stop := run(t, &webhook.Monitor{Client: httpclient.NewTelegram(token), APIURL: api.URL + "/", Metrics: m,
				Interval: time.Hour, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			e := waitFor(t, m, "the good answer recorded", func(e *promtest.Exposition) bool { _, ok := gauge(e, pendingName); return ok })
			if v, _ := gauge(e, pendingName); v != 5 {
				t.Errorf("pending = %v, want 5", v)
			}
			if _, ok := gauge(e, errorAgeName); ok {
				t.Error("error age exposed for a last_error_date of 0")
			}
			if err := stop(); err != nil {
				t.Errorf("Run = %v", err)
			}
			if n := calls.Load(); n != 2 {
				t.Errorf("%d calls, want 2: the hostile answer and the retry", n)
			}
			l := logs.String()
			if strings.Count(l, "getWebhookInfo failed") != 1 {
				t.Errorf("want one warning, got:\n%s", l)
			}
			if strings.Contains(l, "AAHfakeTokenForTests") {
				t.Errorf("the token is in the log:\n%s", l)
			}
		})
	}
}

// TestMonitorStops: a 401 stops Run with an error that says why and holds
// no token; a context that ends during a long 429 wait stops it at once.
func TestMonitorStops(t *testing.T) {
	const token = "7012345678:AAHfakeTokenForTests_0123456789-abcd"
	status := atomic.Int64{}
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(int(status.Load()))
		w.Write([]byte(`{"ok":false,"parameters":{"retry_after":3600}}`))
	}))
	defer api.Close()

	status.Store(http.StatusUnauthorized)
	mon := &webhook.Monitor{Client: httpclient.NewTelegram(token), APIURL: api.URL, Metrics: newMetrics(t)}
	err := mon.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "does not accept the token") ||
		strings.Contains(err.Error(), "AAHfakeTokenForTests") {
		t.Errorf("Run on a 401 = %v", err)
	}

	status.Store(http.StatusTooManyRequests)
	mon.Logger = slog.New(slog.NewTextHandler(&logtest.Buffer{}, nil))
	stop := run(t, mon)
	time.Sleep(100 * time.Millisecond) // let it reach the wait; stop bounds how long the return may take
	if err := stop(); err != nil {
		t.Errorf("Run = %v after its context ended during a 429 wait", err)
	}
}

func TestMonitorBadConfig(t *testing.T) {
	client := httpclient.NewTelegram("1:x")
	for name, c := range map[string]struct {
		mon  webhook.Monitor
		want string
	}{
		"no client": {webhook.Monitor{}, "Client is nil"},
		"interval":  {webhook.Monitor{Client: client, Interval: 10 * time.Millisecond}, "below MinInterval"},
		"negative":  {webhook.Monitor{Client: client, Interval: -time.Second}, "below MinInterval"},
		"scheme":    {webhook.Monitor{Client: client, APIURL: "ftp://api.telegram.org"}, "http or https URL"},
		"no host":   {webhook.Monitor{Client: client, APIURL: "https://"}, "http or https URL"},
		"query":     {webhook.Monitor{Client: client, APIURL: "https://api.telegram.org/?x=1"}, "http or https URL"},
		"not a URL": {webhook.Monitor{Client: client, APIURL: "::"}, "http or https URL"},
	} {
		if err := c.mon.Run(context.Background()); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: Run = %v, want an error saying %q", name, err, c.want)
		}
	}
}
