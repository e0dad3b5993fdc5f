package main

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/genapp-go/genapp/internal/prometheustest"
	"github.com/genapp-go/genapp/internal/toolstest"
)

// TestPrometheus scrapes two demo processes, telebot with long polling and
// tgbotapi with a webhook, with a real Prometheus server (1 s scrapes), and
// asks it, through its query API, what a dashboard asks: the request rate of
// each handler, the error ratio of each handler, the p95 latency of each
// handler, and the Bot API call rate by method. Each answer must be
// non-empty, with the labels of the right process.
//
// It skips when the prometheus binary is missing (apt-get install
// prometheus), and fails instead when REQUIRE_PROMETHEUS=1, as in CI.
func TestPrometheus(t *testing.T) {
	t.Parallel()
	toolstest.Require(t, "prometheus") // before starting anything
	polling := startProcess(t, "-framework", frameworkTelebot, "-mode", modePolling, "-project", "demobot_polling", "-metrics-addr", "127.0.0.1:0")
	webhook := startProcess(t, "-framework", frameworkTgbotapi, "-mode", modeWebhook, "-project", "demobot_webhook", "-metrics-addr", "127.0.0.1:0", "-webhook-listen", "127.0.0.1:0")
	prom := prometheustest.Start(t, prometheustest.Config{Jobs: []prometheustest.Job{{
		Name:        "demobot",
		Targets:     []string{hostPort(t, polling.metricsURL), hostPort(t, webhook.metricsURL)},
		MetricsPath: "/prometheus",
	}}})
	apps := []string{"demobot_polling", "demobot_webhook"}
	const timeout = 20 * time.Second

	// Every handler has a request rate, in both processes.
	q := &waiter{t: t, prom: prom, deadline: time.Now().Add(timeout)}
	q.wait(`sum by (app, env, job, name) (rate(genapp_action_count_total{name=~".+_handler"}[15s]))`, func(v model.Vector) error {
		for _, app := range apps {
			if got := values(v, "app", app, "name"); !containsAll(got, handlerNames) {
				return fmt.Errorf("%s: handlers %v, want %v", app, got, handlerNames)
			}
		}
		return labelsAre(v, map[string]string{"env": "dev", "job": "demobot"})
	})
	// The handlers that fail on purpose have an error ratio of 1, the menu
	// buttons one between 0 and 1. The others fail only when the fake Bot
	// API refuses a send (one every failEvery, whichever handler sends
	// next): /start, which the users send most, mostly succeeds.
	q.wait(`sum by (app, name) (rate(genapp_action_count_total{name=~".+_handler", status="error"}[15s]))
		/ sum by (app, name) (rate(genapp_action_count_total{name=~".+_handler"}[15s])) >= 0`, func(v model.Vector) error {
		for _, app := range apps {
			ratios := map[string]float64{}
			for _, s := range v {
				if string(s.Metric["app"]) == app {
					ratios[string(s.Metric["name"])] = float64(s.Value)
				}
			}
			if ratios["fail_handler"] != 1 || ratios["panic_handler"] != 1 {
				return fmt.Errorf("%s: error ratios %v, want 1 for fail_handler and panic_handler", app, ratios)
			}
			if r, ok := ratios["start_handler"]; ok && r >= 0.5 {
				return fmt.Errorf("%s: start_handler error ratio %v, want below 0.5 (only refused sends)", app, r)
			}
		}
		return nil
	})
	// p95 latency of /slow, which takes 0.2 to 1.5 s: between the 0.1 and 2 s
	// buckets.
	q.wait(`histogram_quantile(0.95, sum by (app, le, name) (rate(genapp_action_duration_sec_bucket{name=~".+_handler"}[15s]))) >= 0`, func(v model.Vector) error {
		for _, app := range apps {
			p95 := sampleOf(v, map[string]string{"app": app, "name": "slow_handler"})
			if p95 == nil {
				return fmt.Errorf("%s: no p95 for slow_handler", app)
			}
			if p95.Value < 0.1 || p95.Value > 2 {
				return fmt.Errorf("%s: slow_handler p95 %vs, want 0.1 to 2 s", app, p95.Value)
			}
		}
		return nil
	})
	// Bot API calls by method: getUpdates only when polling, webhook
	// requests (app_api) only with a webhook.
	q.wait(`sum by (app, resource) (rate(genapp_http_requests_total{app_type="telegram_api"}[15s]))`, func(v model.Vector) error {
		polled, hooked := values(v, "app", apps[0], "resource"), values(v, "app", apps[1], "resource")
		if !containsAll(polled, []string{"getUpdates", "sendMessage", "answerCallbackQuery", "editMessageText"}) {
			return fmt.Errorf("polling bot called %v", polled)
		}
		if !containsAll(hooked, []string{"sendMessage", "answerCallbackQuery", "editMessageText"}) || slices.Contains(hooked, "getUpdates") {
			return fmt.Errorf("webhook bot called %v", hooked)
		}
		return nil
	})
	// Bot health: flood waits by method in both (the Bot API client
	// records them); updates by type, their lag and the handlers in flight
	// where the adapter records them (tgbotapimetrics, the webhook bot); the
	// webhook's backlog and last error from the webhook monitor.
	q.wait(`sum by (app, method) (rate(genapp_telegram_flood_wait_sec_count[15s]))`, func(v model.Vector) error {
		for _, app := range apps {
			if got := values(v, "app", app, "method"); !slices.Equal(got, []string{"editMessageText"}) {
				return fmt.Errorf("%s: flood waits of %v, want editMessageText", app, got)
			}
		}
		return nil
	})
	q.wait(`sum by (app, type) (rate(genapp_telegram_updates_total[15s]))`, func(v model.Vector) error {
		if got := values(v, "app", apps[1], "type"); !slices.Equal(got, []string{"callback_query", "message", "my_chat_member"}) {
			return fmt.Errorf("update types %v, want callback_query, message and my_chat_member (a simulated user blocks the bot every 10 s)", got)
		}
		return nil
	})
	q.wait(`histogram_quantile(0.5, sum by (app, le) (rate(genapp_telegram_update_lag_sec_bucket{type="message"}[15s])))`, func(v model.Vector) error {
		// Fresh messages wait under a second (their date is truncated to
		// the second): the median is below 1 s, whatever the backlog.
		if s := sampleOf(v, map[string]string{"app": apps[1]}); s == nil || s.Value >= 1 {
			return fmt.Errorf("median lag %v, want under 1 s", v)
		}
		return nil
	})
	q.wait(`{__name__=~"genapp_telegram_(handlers_in_flight|webhook_pending_updates|webhook_last_error_age_sec)"}`, func(v model.Vector) error {
		for _, name := range []string{"genapp_telegram_handlers_in_flight", "genapp_telegram_webhook_pending_updates", "genapp_telegram_webhook_last_error_age_sec"} {
			if sampleOf(v, map[string]string{"__name__": name, "app": apps[1]}) == nil {
				return fmt.Errorf("no %s of %s", name, apps[1])
			}
		}
		return nil
	})
	q.wait(`sum by (app, resource, status) (rate(genapp_http_requests_total{app_type="app_api"}[15s]))`, func(v model.Vector) error {
		if s := sampleOf(v, map[string]string{"app": apps[1], "resource": "telegram/webhook", "status": "200"}); s == nil || len(v) != 1 {
			return fmt.Errorf("want webhook requests of the webhook bot only, got %v", v)
		}
		return nil
	})
}

// hostPort returns the host:port of a URL.
func hostPort(t *testing.T, rawURL string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// waiter evaluates queries until their results pass a check. Its deadline
// is shared by every query.
type waiter struct {
	t        *testing.T
	prom     *prometheustest.Server
	deadline time.Time
}

// wait evaluates expr every prometheustest.Interval until check accepts the
// result, and fails the test with the last result when the deadline passes.
func (w *waiter) wait(expr string, check func(model.Vector) error) {
	w.t.Helper()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		v, err := w.prom.Query(ctx, expr)
		cancel()
		if err == nil && len(v) == 0 {
			err = fmt.Errorf("empty result")
		}
		if err == nil {
			if err = check(v); err == nil {
				return
			}
		}
		if time.Now().After(w.deadline) {
			w.t.Errorf("%s\n%v\nresult: %v", expr, err, v)
			return
		}
		time.Sleep(prometheustest.Interval)
	}
}

// values returns the sorted distinct values of label in the samples of v
// whose label by has the value is.
func values(v model.Vector, by, is, label string) []string {
	var out []string
	for _, s := range v {
		if string(s.Metric[model.LabelName(by)]) == is {
			if val := string(s.Metric[model.LabelName(label)]); !slices.Contains(out, val) {
				out = append(out, val)
			}
		}
	}
	slices.Sort(out)
	return out
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		if !slices.Contains(have, w) {
			return false
		}
	}
	return true
}

// labelsAre checks that every sample of v has the labels want.
func labelsAre(v model.Vector, want map[string]string) error {
	for _, s := range v {
		if sampleOf(model.Vector{s}, want) == nil {
			return fmt.Errorf("sample %v lacks labels %v", s.Metric, want)
		}
	}
	return nil
}

// sampleOf returns the first sample of v with the labels want, or nil.
func sampleOf(v model.Vector, want map[string]string) *model.Sample {
	for _, s := range v {
		ok := true
		for k, val := range want {
			ok = ok && string(s.Metric[model.LabelName(k)]) == val
		}
		if ok {
			return s
		}
	}
	return nil
}
