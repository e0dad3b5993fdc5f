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

// newMonitor is NewMonitor(client, opts...), which must succeed.
func newMonitor(t *testing.T, client *http.Client, opts ...webhook.MonitorOption) *webhook.Monitor {
	t.Helper()
	mon, err := webhook.NewMonitor(client, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return mon
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
	stop := run(t, newMonitor(t, client, webhook.WithAPIURL(srv.URL), webhook.WithMetrics(m), webhook.WithInterval(webhook.MinInterval),
		webhook.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))))
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
			stop := run(t, newMonitor(t, httpclient.NewTelegram(token), webhook.WithAPIURL(api.URL+"/"), webhook.WithMetrics(m),
				webhook.WithInterval(time.Hour), webhook.WithLogger(slog.New(slog.NewTextHandler(&logs, nil)))))
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
	opts := []webhook.MonitorOption{webhook.WithAPIURL(api.URL), webhook.WithMetrics(newMetrics(t))}
	err := newMonitor(t, httpclient.NewTelegram(token), opts...).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "does not accept the token") ||
		strings.Contains(err.Error(), "AAHfakeTokenForTests") {
		t.Errorf("Run on a 401 = %v", err)
	}

	status.Store(http.StatusTooManyRequests)
	var logs logtest.Buffer
	stop := run(t, newMonitor(t, httpclient.NewTelegram(token), append(opts, webhook.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))...))
	// Logged: the hour's wait has begun; stop bounds how long the return may take.
	for deadline := time.Now().Add(10 * time.Second); !strings.Contains(logs.String(), "retry_in=1h0m0s") && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if err := stop(); err != nil || !strings.Contains(logs.String(), "retry_in=1h0m0s") {
		t.Errorf("Run = %v after its context ended during a 429 wait; logged\n%s", err, &logs)
	}
}

// TestNewMonitor: a nil client or option, and each bad option, are errors
// that name them (the token in a URL given by mistake masked), and no
// Monitor; Run on a Monitor not made by NewMonitor is an error too.
func TestNewMonitor(t *testing.T) {
	client := httpclient.NewTelegram("1:x")
	for _, tc := range []struct {
		client *http.Client
		opt    webhook.MonitorOption
		want   string
	}{
		{nil, nil, "NewMonitor with a nil *http.Client"},
		{client, nil, "NewMonitor: option 1 of 1 is nil"},
		{client, webhook.WithInterval(10 * time.Millisecond), "WithInterval(10ms): want at least MinInterval (1s)"},
		{client, webhook.WithInterval(-time.Second), "WithInterval(-1s)"},
		{client, webhook.WithInterval(0), "WithInterval(0s)"},
		{client, webhook.WithAPIURL(""), `WithAPIURL(""): want an http or https URL without a query`},
		{client, webhook.WithAPIURL("ftp://api.telegram.org"), `WithAPIURL("ftp://api.telegram.org")`},
		{client, webhook.WithAPIURL("https://"), `WithAPIURL("https://")`},
		{client, webhook.WithAPIURL("https://api.telegram.org/?x=1"), `WithAPIURL("https://api.telegram.org/?x=1")`},
		{client, webhook.WithAPIURL("::"), `WithAPIURL("::")`},
		{client, webhook.WithAPIURL("ftp://api.telegram.org/bot7012345678:AAHfakeTokenForTests_0123456789-abcd"), `WithAPIURL("ftp://api.telegram.org/bot{token}")`},
		{client, webhook.WithLogger(nil), "WithLogger(nil): want a logger"},
	} {
		opts := []webhook.MonitorOption{tc.opt}
		if tc.client == nil {
			opts = nil
		}
		mon, err := webhook.NewMonitor(tc.client, opts...)
		if mon != nil || err == nil || !strings.HasPrefix(err.Error(), "webhook: ") || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "AAHfake") {
			t.Errorf("NewMonitor = %v, %v; want an error saying %q", mon, err, tc.want)
		}
	}
	for _, mon := range []*webhook.Monitor{nil, {}} {
		if err := mon.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "not made by NewMonitor") {
			t.Errorf("Run = %v, want an error saying the Monitor was not made by NewMonitor", err)
		}
	}
}
