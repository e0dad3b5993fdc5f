package deploy

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/prometheustest"
	"github.com/genapp-go/genapp/internal/toolstest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/push"
)

const dashboardFile = "grafana/genapp-bot.json"

// scrapeTarget is the instrumented process the live test scrapes.
type scrapeTarget struct {
	Addr        string // host:port
	MetricsPath string
	App, Env    string // its app and env labels
}

// TestExpressionsReturnData has a real Prometheus scrape the demo bot, scrape a Pushgateway holding one pushed task run, and evaluate
// the rules; then every PromQL expression of the dashboard (panels and
// template variables) and of rules.yml (recording rules, their recorded
// series, and the query of each alert without its threshold) must return
// at least one sample that is not NaN: a panel or rule that shows nothing
// fails the test.
func TestExpressionsReturnData(t *testing.T) {
	t.Parallel()
	exprs := dashboardExprs(t)
	exprs = append(exprs, ruleExprs(t)...)
	// With native histograms on, the demo's histograms have both forms; a
	// Prometheus without the native-histograms feature reads the classic
	// one, which every expression must still find.
	for name, args := range map[string][]string{"classic": nil, "native-histograms": {"-native-histograms"}} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			checkExpressions(t, exprs, args)
		})
	}
}

// checkExpressions runs the demo bot with args and checks that every
// expression returns data from what Prometheus scraped of it.
func checkExpressions(t *testing.T, exprs []expression, args []string) {
	target := startDemoBot(t, args...)
	gateway := toolstest.StartPushgateway(t)
	pushTaskRun(t, gateway, target)
	gatewayURL, err := url.Parse(gateway)
	if err != nil {
		t.Fatal(err)
	}

	srv := prometheustest.Start(t, prometheustest.Config{
		Jobs: []prometheustest.Job{
			{Name: "genapp", Targets: []string{target.Addr}, MetricsPath: target.MetricsPath},
			{Name: "pushgateway", Targets: []string{gatewayURL.Host}, MetricsPath: gatewayURL.Path + "/metrics", HonorLabels: true},
		},
		RuleFiles: []string{rulesFile},
	})
	srv.WaitVector(t, `up{job="genapp"} == 1`, 20*time.Second)

	vars := map[string]string{
		"$app":             target.App,
		"$env":             target.Env,
		"$__rate_interval": "15s",
		"$__range":         "1h",
		"$__interval":      "1s",
	}
	// Rules and scrapes need a few seconds to produce every series, so each
	// expression is retried, within a total budget, after which the rest are
	// queried once: a broken query costs its own time, not everyone's.
	deadline := time.Now().Add(40 * time.Second)
	for _, e := range exprs {
		q, err := substitute(e.expr, vars)
		if err != nil {
			t.Errorf("%s: %v", e.source, err)
			continue
		}
		wait := min(10*time.Second, max(0, time.Until(deadline)))
		if err := waitForData(srv, q, wait); err != nil {
			t.Errorf("%s: %v\n  query: %s", e.source, err, q)
		}
	}
	if !t.Failed() {
		t.Logf("all %d expressions returned data", len(exprs))
	}
}

// expression is a PromQL expression and where it comes from.
type expression struct {
	source, expr string
}

// dashboardExprs returns the query of every panel target and of every
// query template variable of the dashboard (label_values(m, l) becomes
// group by (l) (m)). It fails the test when a panel has no query.
func dashboardExprs(t *testing.T) []expression {
	t.Helper()
	raw, err := os.ReadFile(dashboardFile)
	if err != nil {
		t.Fatal(err)
	}
	type panel struct {
		Title   string `json:"title"`
		Type    string `json:"type"`
		Targets []struct {
			RefID string `json:"refId"`
			Expr  string `json:"expr"`
		} `json:"targets"`
		Panels []json.RawMessage `json:"panels"`
	}
	var d struct {
		Panels     []json.RawMessage `json:"panels"`
		Templating struct {
			List []struct {
				Name       string `json:"name"`
				Type       string `json:"type"`
				Definition string `json:"definition"`
			} `json:"list"`
		} `json:"templating"`
	}
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatalf("%s: %v", dashboardFile, err)
	}
	var out []expression
	labelValues := regexp.MustCompile(`^label_values\((.+),\s*(\w+)\)$`)
	for _, v := range d.Templating.List {
		if v.Type != "query" {
			continue
		}
		m := labelValues.FindStringSubmatch(v.Definition)
		if m == nil {
			t.Errorf("variable %s: query %q is not label_values(metric, label)", v.Name, v.Definition)
			continue
		}
		out = append(out, expression{"variable " + v.Name, fmt.Sprintf("group by (%s) (%s)", m[2], m[1])})
	}
	var walk func(raws []json.RawMessage)
	walk = func(raws []json.RawMessage) {
		for _, r := range raws {
			var p panel
			if err := json.Unmarshal(r, &p); err != nil {
				t.Fatalf("%s: %v", dashboardFile, err)
			}
			walk(p.Panels)
			if p.Type == "row" {
				continue
			}
			if len(p.Targets) == 0 {
				t.Errorf("panel %q has no query", p.Title)
			}
			for _, tg := range p.Targets {
				out = append(out, expression{fmt.Sprintf("panel %q query %s", p.Title, tg.RefID), tg.Expr})
			}
		}
	}
	walk(d.Panels)
	return out
}

// threshold matches the comparison with a number that ends an alert
// expression.
var threshold = regexp.MustCompile(`(?s)^(.*\S)\s*(>|<|==|!=|>=|<=)\s*[0-9.]+\s*$`)

// ruleExprs returns the expression of every recording rule and the series
// it records, and the query of every alert with its final threshold
// removed: the query must find data, whether or not the alert fires.
func ruleExprs(t *testing.T) []expression {
	t.Helper()
	var f ruleFile
	decodeFile(t, rulesFile, &f)
	var out []expression
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			switch {
			case r.Record != "":
				out = append(out,
					expression{"recording rule " + r.Record, r.Expr},
					expression{"recorded series " + r.Record, r.Record})
			case r.Alert != "":
				m := threshold.FindStringSubmatch(strings.TrimSpace(r.Expr))
				if m == nil {
					t.Errorf("alert %s: expression does not end in a comparison with a number: %s", r.Alert, r.Expr)
					continue
				}
				out = append(out, expression{"alert " + r.Alert + " (query without its threshold)", m[1]})
			}
		}
	}
	if len(out) == 0 {
		t.Fatalf("%s: no rules found", rulesFile)
	}
	return out
}

// substitute replaces Grafana variables, longest name first, and rejects
// an expression that still names one.
func substitute(expr string, vars map[string]string) (string, error) {
	names := make([]string, 0, len(vars))
	for k := range vars {
		names = append(names, k)
	}
	for len(names) > 0 {
		longest := 0
		for i, n := range names {
			if len(n) > len(names[longest]) {
				longest = i
			}
		}
		expr = strings.ReplaceAll(expr, names[longest], vars[names[longest]])
		names = append(names[:longest], names[longest+1:]...)
	}
	if i := strings.Index(expr, "$"); i >= 0 {
		return "", fmt.Errorf("unknown variable at %q", expr[i:])
	}
	return expr, nil
}

// waitForData queries expr every second until it returns a sample that is
// not NaN, at least once and for at most wait.
func waitForData(srv *prometheustest.Server, expr string, wait time.Duration) error {
	end := time.Now().Add(wait)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		vec, err := srv.Query(ctx, expr)
		cancel()
		if err == nil {
			for _, s := range vec {
				if !math.IsNaN(float64(s.Value)) {
					return nil
				}
			}
			err = fmt.Errorf("no data: %d samples, none a number", len(vec))
		}
		if time.Now().Add(prometheustest.Interval).After(end) {
			return err
		}
		time.Sleep(prometheustest.Interval)
	}
}

// startDemoBot runs cmd/demobot offline (fake Bot API, simulated users, a
// periodic task, auth calls, flood control) with its metrics server on a
// free loopback port and the flags args, until the test ends.
func startDemoBot(t *testing.T, args ...string) scrapeTarget {
	t.Helper()
	// tgbotapi in webhook mode shows every family: its adapter (tgbotapimetrics)
	// records the genapp_telegram_* update families, and the webhook
	// monitor the webhook gauges.
	p := startDemoProcess(t, append([]string{"-framework", "tgbotapi", "-mode", "webhook", "-webhook-listen", "127.0.0.1:0",
		"-metrics-addr", "127.0.0.1:0", "-duration", "3m", "-project", "demobot", "-env", "dev"}, args...)...)
	u, err := url.Parse(waitLine(t, p, metricsLine))
	if err != nil {
		t.Fatal(err)
	}
	return scrapeTarget{Addr: u.Host, MetricsPath: u.Path, App: "demobot", Env: "dev"}
}

// pushTaskRun pushes one successful run of a task process of the target's
// app to the Pushgateway, as a cron job would.
func pushTaskRun(t *testing.T, gateway string, target scrapeTarget) {
	t.Helper()
	m, err := metrics.New(target.App, target.Env, metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	a := m.Track("report_task")
	a.End(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := push.Push(ctx, gateway, target.App+"_report", m, push.WithInstance("cron-1")); err != nil {
		t.Fatal(err)
	}
}

// maxOrMin matches a max or min aggregation and its by clause, if any
// (not max_over_time and min_over_time, which keep every series).
var maxOrMin = regexp.MustCompile(`\b(max|min)\s*(?:by\s*\(([^)]*)\))?\s*\(`)

// TestMaxMinPerBot: a max or min over the replicas (of a gauge that every
// replica of a bot reports alike, such as the webhook backlog Telegram keeps
// per bot) must keep the bot, app and env: without them, a dashboard showing
// several bots, or a rule, would report one bot's value for all of them.
func TestMaxMinPerBot(t *testing.T) {
	for _, e := range append(dashboardExprs(t), ruleExprs(t)...) {
		for _, m := range maxOrMin.FindAllStringSubmatch(e.expr, -1) {
			by := strings.Split(strings.ReplaceAll(m[2], " ", ""), ",")
			if !slices.Contains(by, "app") || !slices.Contains(by, "env") {
				t.Errorf("%s: %s aggregates over app and env; want %s by (app, env, ...): %s", e.source, m[1], m[1], e.expr)
			}
		}
	}
}
