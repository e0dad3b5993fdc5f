package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/genapp-go/genapp/internal/prometheustest"
	"github.com/genapp-go/genapp/internal/toolstest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// TestAlertmanager runs the alerting path end to end: the demo bot (long
// polling a fake Bot API the test drives), a real Prometheus scraping it
// with the rules of rules.yml (time-scaled, see fastRules), and a real
// Alertmanager that delivers to a webhook receiver in the test, as it
// would to a pager.
//
// The fault is Telegram's flood control: every sendMessage is answered 429.
// The handlers that send fail, so GenappTelegramFloodControl and
// GenappHandlerErrorRatioHigh fire, and the receiver gets each with the
// labels and annotations a pager shows, the runbook link among them. Once
// the fault is cleared, both resolve, and the receiver is told.
func TestAlertmanager(t *testing.T) {
	t.Parallel()
	toolstest.Require(t, "prometheus")
	toolstest.Require(t, "alertmanager")
	start := time.Now()

	pager := &receiver{}
	hook := httptest.NewServer(pager)
	defer hook.Close()
	am := toolstest.StartAlertmanager(t, fmt.Sprintf(`route:
  receiver: pager
  group_by: [alertname, app, env]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: pager
    webhook_configs:
      - url: %s/alerts
        send_resolved: true
`, hook.URL))

	api := telegramtest.NewServer(telegramtest.WithBotUsername("genapp_demo_bot"))
	defer api.Close()
	bot := startDemoProcess(t, "-token", api.Token, "-api-url", api.URL, "-metrics-addr", "127.0.0.1:0", "-project", "demobot", "-env", "prod")
	target, err := urlHost(waitLine(t, bot, metricsLine))
	if err != nil {
		t.Fatal(err)
	}
	prom := prometheustest.Start(t, prometheustest.Config{
		Jobs:          []prometheustest.Job{{Name: "genapp", Targets: []string{target}, MetricsPath: "/prometheus"}},
		RuleFiles:     []string{fastRules(t)},
		Alertmanagers: []string{am},
	})

	// A user talks to the bot until the test ends.
	ctx, stop := context.WithCancel(context.Background())
	var users sync.WaitGroup
	defer users.Wait()
	defer stop()
	users.Go(func() {
		for i := 0; sleepCtx(ctx, 200*time.Millisecond); i++ {
			api.SendText(1001, []string{"/start", "/menu", "hello bot"}[i%3])
		}
	})
	prom.WaitVector(t, `app_env:genapp_handler_error_ratio:rate5m{app="demobot"} == 0`, 30*time.Second)

	faulted := time.Now()
	api.Inject("sendMessage", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1, Times: -1})
	fired := map[string]notice{}
	for _, name := range []string{"GenappTelegramFloodControl", "GenappHandlerErrorRatioHigh"} {
		fired[name] = pager.wait(t, name, "firing", 60*time.Second)
	}
	toFire := time.Since(faulted)
	checkPage(t, fired["GenappTelegramFloodControl"], map[string]string{
		"alertname": "GenappTelegramFloodControl", "severity": "warning", "app": "demobot", "env": "prod", "resource": "sendMessage",
	}, "demobot (prod): Telegram Bot API flood control on sendMessage")
	checkPage(t, fired["GenappHandlerErrorRatioHigh"], map[string]string{
		"alertname": "GenappHandlerErrorRatioHigh", "severity": "warning", "app": "demobot", "env": "prod",
	}, "demobot (prod): ")

	cleared := time.Now()
	api.ClearFaults()
	for _, name := range []string{"GenappTelegramFloodControl", "GenappHandlerErrorRatioHigh"} {
		resolved := pager.wait(t, name, "resolved", 60*time.Second)
		if resolved.EndsAt.Before(resolved.StartsAt) || !resolved.StartsAt.Equal(fired[name].StartsAt) {
			t.Errorf("%s resolved: starts %v, ends %v; want the firing alert's start (%v), ended after it", name, resolved.StartsAt, resolved.EndsAt, fired[name].StartsAt)
		}
	}
	t.Logf("fault to both alerts at the receiver %v, fault cleared to both resolved %v (5m windows as %s, for: as %s; scrape and evaluation every %v); whole run %v",
		toFire.Round(100*time.Millisecond), time.Since(cleared).Round(100*time.Millisecond), fastWindow, fastFor, prometheustest.Interval, time.Since(start).Round(time.Second))
}

// notice is one alert of a notification, as Alertmanager's webhook sends
// it.
type notice struct {
	Status       string            `json:"status"`
	Labels       map[string]string `json:"labels"`
	Annotations  map[string]string `json:"annotations"`
	StartsAt     time.Time         `json:"startsAt"`
	EndsAt       time.Time         `json:"endsAt"`
	GeneratorURL string            `json:"generatorURL"`
}

// receiver is a webhook receiver: it keeps every alert Alertmanager posts.
type receiver struct {
	mu      sync.Mutex
	notices []notice
	bad     []string
}

func (rc *receiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var n struct {
		Version string   `json:"version"`
		Status  string   `json:"status"`
		Alerts  []notice `json:"alerts"`
	}
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&n)
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if err != nil || r.URL.Path != "/alerts" || n.Version != "4" {
		rc.bad = append(rc.bad, fmt.Sprintf("%s %s: version %q, %v", r.Method, r.URL.Path, n.Version, err))
		http.Error(w, "bad notification", http.StatusBadRequest)
		return
	}
	rc.notices = append(rc.notices, n.Alerts...)
}

// wait returns the first alert named alertname with status, waiting at most
// timeout for it.
func (rc *receiver) wait(t *testing.T, alertname, status string, timeout time.Duration) notice {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		rc.mu.Lock()
		for _, n := range rc.notices {
			if n.Labels["alertname"] == alertname && n.Status == status {
				rc.mu.Unlock()
				return n
			}
		}
		got := fmt.Sprintf("%+v (refused: %v)", rc.notices, rc.bad)
		rc.mu.Unlock()
		if time.Now().After(deadline) {
			t.Fatalf("no %s %s notification within %v; got %s", status, alertname, timeout, got)
		}
	}
}

// runbookAnchor is a runbook_url of rules.yml, and the section it points to.
var runbookAnchor = regexp.MustCompile(`^https://github\.com/genapp-go/genapp/blob/main/deploy/RUNBOOK\.md#([a-z0-9-]+)$`)

// checkPage checks what a pager shows of n: exactly the labels want, a
// summary starting with summary, a description, and a runbook link to the
// section of RUNBOOK.md about the alert.
func checkPage(t *testing.T, n notice, want map[string]string, summary string) {
	t.Helper()
	if fmt.Sprint(n.Labels) != fmt.Sprint(want) {
		t.Errorf("labels %v, want %v", n.Labels, want)
	}
	if !strings.HasPrefix(n.Annotations["summary"], summary) || n.Annotations["description"] == "" {
		t.Errorf("annotations %v, want a summary starting %q and a description", n.Annotations, summary)
	}
	m := runbookAnchor.FindStringSubmatch(n.Annotations["runbook_url"])
	if m == nil || m[1] != strings.ToLower(want["alertname"]) {
		t.Errorf("runbook_url %q, want the RUNBOOK.md section of %s", n.Annotations["runbook_url"], want["alertname"])
		return
	}
	runbook, err := os.ReadFile("RUNBOOK.md")
	if err != nil {
		t.Fatal(err)
	}
	if !regexp.MustCompile(`(?m)^#+ ` + want["alertname"] + `$`).Match(runbook) {
		t.Errorf("RUNBOOK.md has no section %s for the link %s", want["alertname"], n.Annotations["runbook_url"])
	}
}

// What fastRules makes of the 5 minute windows and of the for: durations.
const (
	fastWindow = "10s"
	fastFor    = "1s"
)

// fastRules writes rules.yml time-scaled for a test that cannot wait
// minutes: every range and offset of 5m becomes fastWindow and every for:
// fastFor, so
// that alerts fire within seconds of a fault and resolve within seconds of
// its end. Nothing else changes.
func fastRules(t *testing.T) string {
	t.Helper()
	// Rules as maps: what is not changed is written back as it was.
	var doc struct {
		Groups []struct {
			Name  string           `yaml:"name"`
			Rules []map[string]any `yaml:"rules"`
		} `yaml:"groups"`
	}
	decodeFile(t, rulesFile, &doc)
	window := regexp.MustCompile(`(\[|offset )5m\b`)
	for _, g := range doc.Groups {
		for _, r := range g.Rules {
			r["expr"] = window.ReplaceAllString(r["expr"].(string), "${1}"+fastWindow)
			if _, ok := r["for"]; ok {
				r["for"] = fastFor
			}
		}
	}
	out, err := yaml.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "rules.yml")
	if err := os.WriteFile(file, out, 0o600); err != nil {
		t.Fatal(err)
	}
	return file
}

// urlHost returns the host:port of a URL.
func urlHost(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", err
	}
	return u.Host, nil
}

// sleepCtx waits for d and reports whether ctx is still alive.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}
