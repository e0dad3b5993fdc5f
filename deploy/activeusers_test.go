package deploy

import (
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/prometheustest"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/internal/toolstest"
	"github.com/genapp-go/genapp/metrics"
)

// precision of the sketches of the test: promtool's engine refuses a query
// that loads more than 10,000 samples, and max_over_time over an hour of
// 3 x 2^p registers sampled every 5 minutes loads 3 x 13 x 2^p.
const precision = 7

// sketch returns the registers a process exposes after users from to to
// wrote to the bot, read from its exposition, by register.
func sketch(t *testing.T, from, to int64) []float64 {
	t.Helper()
	m, err := metrics.New("bot", "prod", metrics.WithRegistry(prometheus.NewRegistry()),
		metrics.WithActiveUsers(metrics.ActiveUsersKey([]byte("the same key on every replica")), metrics.ActiveUsersPrecision(precision)))
	if err != nil {
		t.Fatal(err)
	}
	for id := from; id <= to; id++ {
		u := m.StartTelegramUpdate("message", time.Time{})
		u.RecordUser(id)
		u.End()
	}
	regs := make([]float64, 1<<precision)
	for _, s := range promtest.Scrape(t, m.Handler()).Find("genapp_telegram_active_users_sketch", nil) {
		for _, l := range s.GetLabel() {
			if l.GetName() == "register" {
				j, err := strconv.Atoi(l.GetValue())
				if err != nil {
					t.Fatal(err)
				}
				regs[j] = s.GetGauge().GetValue()
			}
		}
	}
	return regs
}

func union(sketches ...[]float64) []float64 {
	u := slices.Clone(sketches[0])
	for _, s := range sketches[1:] {
		for j, v := range s {
			u[j] = max(u[j], v)
		}
	}
	return u
}

// TestActiveUsersRules runs the active-users rules of rules.yml in promtool
// on the registers of real sketches: three replicas whose users overlap
// (1-600, 301-900, 601-1200), then the first restarts after an hour and
// sees users 1201-1800. The 1h estimate is the union of the last hour, not
// the sum; the 24h, 7d and 30d estimates keep what the restarted replica
// had exposed before. Each expected value is metrics.EstimateActiveUsers of
// the register-wise max, to within 0.01 user. The samples are 5 minutes
// apart, the rules evaluated every minute.
func TestActiveUsersRules(t *testing.T) {
	promtool := toolstest.Require(t, "promtool")
	r1, r2, r3 := sketch(t, 1, 600), sketch(t, 301, 900), sketch(t, 601, 1200)
	restarted := sketch(t, 1201, 1800)

	var series strings.Builder
	for j := range r1 {
		for i, values := range []string{
			fmt.Sprintf("%v+0x11 %v+0x24", r1[j], restarted[j]), // restart at 60m
			fmt.Sprintf("%v+0x36", r2[j]),
			fmt.Sprintf("%v+0x36", r3[j]),
		} {
			fmt.Fprintf(&series, "      - series: 'genapp_telegram_active_users_sketch{job=\"bot\",instance=\"bot-%d:9100\",app=\"bot\",env=\"prod\",register=\"%d\"}'\n        values: '%s'\n", i, j, values)
		}
	}
	all := metrics.EstimateActiveUsers(union(r1, r2, r3, restarted))
	cases := []struct {
		rule, at string
		want     float64
	}{
		{"1h", "50m", metrics.EstimateActiveUsers(union(r1, r2, r3))},
		{"24h", "50m", metrics.EstimateActiveUsers(union(r1, r2, r3))},
		{"1h", "100m", all},
		{"1h", "3h", metrics.EstimateActiveUsers(union(r2, r3, restarted))},
		{"24h", "3h", all},
		{"7d", "3h", all},
		{"30d", "3h", all},
	}
	if bound := 3 * 1.04 / math.Sqrt(1<<precision); math.Abs(cases[0].want-1200) > 1200*bound {
		t.Fatalf("the union of the three replicas estimates %.0f users, want 1200 within %.0f%%", cases[0].want, 100*bound)
	}
	var tests strings.Builder
	for _, c := range cases {
		fmt.Fprintf(&tests, "      - expr: 'abs(genapp:telegram_active_users:%s - %.6f) < bool 0.01'\n        eval_time: %s\n        exp_samples:\n          - labels: '{app=\"bot\",env=\"prod\"}'\n            value: 1\n", c.rule, c.want, c.at)
	}
	abs, err := filepath.Abs(rulesFile)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "activeusers_test.yml")
	test := fmt.Sprintf("rule_files:\n  - %s\nevaluation_interval: 1m\ntests:\n  - interval: 5m\n    input_series:\n%s    promql_expr_test:\n%s", abs, series.String(), tests.String())
	if err := os.WriteFile(file, []byte(test), 0o600); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, promtool, "test", "rules", file)
	t.Logf("estimates: 3 replicas %.0f (1200 users), after the restart %.0f (1800), last hour %.0f (1500)", cases[0].want, all, cases[3].want)
}

// TestActiveUsersReplicas: three offline demo bots with -users 600 (the
// same users 1 to 600 write to each, besides the three scripted ones),
// scraped by a real Prometheus with the repository's rules. The 1h
// estimate is that of 603 users, not 1809, within three standard errors;
// the failed sends by reason and the blocks are there, summed over the
// replicas.
func TestActiveUsersReplicas(t *testing.T) {
	t.Parallel()
	toolstest.Require(t, "prometheus")
	var targets []string
	for range 3 {
		p := startDemoProcess(t, "-users", "600", "-metrics-addr", "127.0.0.1:0", "-project", "demobot", "-env", "dev")
		u, err := url.Parse(waitLine(t, p, metricsLine))
		if err != nil {
			t.Fatal(err)
		}
		targets = append(targets, u.Host)
	}
	prom := prometheustest.Start(t, prometheustest.Config{
		Jobs:      []prometheustest.Job{{Name: "genapp", Targets: targets, MetricsPath: "/prometheus"}},
		RuleFiles: []string{rulesFile},
	})
	const users = 603
	bound := 3 * 1.04 / math.Sqrt(1<<metrics.DefaultActiveUsersPrecision)
	var got float64
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(time.Second) {
		vec := prom.WaitVector(t, `genapp:telegram_active_users:1h{app="demobot", env="dev"}`, 30*time.Second)
		if got = float64(vec[0].Value); math.Abs(got-users) <= users*bound {
			break
		}
	}
	if math.Abs(got-users) > users*bound {
		t.Fatalf("genapp:telegram_active_users:1h = %.0f, want %d within %.1f%% (the union of the replicas, not the sum)", got, users, 100*bound)
	}
	for _, expr := range []string{
		`sum by (reason) (genapp_telegram_api_errors_total{job="genapp", reason=~"blocked_by_user|chat_not_found|message_not_modified"})`,
		`sum by (status) (genapp_telegram_bot_status_changes_total{job="genapp", chat_type="private", status=~"kicked|member"})`,
	} {
		vec := prom.WaitVector(t, expr, 30*time.Second)
		for deadline := time.Now().Add(20 * time.Second); len(vec) < 2 && time.Now().Before(deadline); {
			time.Sleep(time.Second)
			vec = prom.WaitVector(t, expr, 30*time.Second)
		}
		if len(vec) < 2 {
			t.Errorf("%s: %v, want every value", expr, vec)
		}
	}
	t.Logf("3 replicas of 603 users each, the same: genapp:telegram_active_users:1h = %.0f", got)
}
