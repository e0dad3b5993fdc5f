package deploy

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/genapp-go/genapp/internal/proctest"
	"github.com/genapp-go/genapp/internal/prometheustest"
	"github.com/genapp-go/genapp/internal/toolstest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// replicaCount is how many demo bots serve the one webhook URL.
const replicaCount = 3

// handlerCount is the sum over every replica of the handler runs: what the
// handler panels add up, and what must equal the updates delivered.
const handlerCount = `sum(genapp_action_count_total{job="genapp", name=~".+_handler"})`

// TestReplicas runs the shape a bot takes once one process is not enough:
// replicaCount demo bots in webhook mode behind a round-robin reverse
// proxy, fed by one fake Bot API that delivers every update to the proxy
// and redelivers it on a non-2xx answer, as Telegram does; one real
// Prometheus scrapes each replica (job genapp, 1 s) and remote-writes to
// VictoriaMetrics.
//
// Each replica is started with the same -webhook-secret, so that any of
// them accepts any update, and each calls setWebhook with the same URL and
// secret. The handler runs over the replicas add up to the updates
// delivered, exactly, in total and per handler. Then the replica that is
// handling an update (stuck in its sendMessage) is killed: the proxy answers
// 502, the update stays pending, and the next delivery hands it to another
// replica. Nothing is lost: the sum of each replica's last count (the dead
// one's series are stale, so a plain sum dips) still equals the updates
// delivered; up shows the dead replica, and every dashboard and rule
// expression returns data, aggregated over the replicas (no instance
// label). Last, every dashboard expression gives the same answer from
// VictoriaMetrics as from Prometheus (see compareStores).
func TestReplicas(t *testing.T) {
	t.Parallel()
	toolstest.Require(t, "prometheus")
	toolstest.Require(t, "victoria-metrics")
	start := time.Now()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	api := telegramtest.NewServer(telegramtest.WithBotUsername("genapp_demo_bot"))
	defer api.Close()
	lb := &roundRobin{}
	proxy := httptest.NewServer(lb)
	defer proxy.Close()
	const secret = "replicas_share_this-secret"
	hookURL := proxy.URL + "/telegram/webhook"

	var replicas []*proctest.Process
	var targets []string
	for range replicaCount {
		p := startDemoProcess(t, "-token", api.Token, "-api-url", api.URL, "-mode", "webhook",
			"-webhook-url", hookURL, "-webhook-secret", secret, "-webhook-listen", "127.0.0.1:0", "-webhook-info-interval", "1s",
			"-metrics-addr", "127.0.0.1:0", "-project", "demobot", "-env", "dev")
		hook := waitLine(t, p, webhookLine)
		metricsURL, err := url.Parse(waitLine(t, p, metricsLine))
		if err != nil {
			t.Fatal(err)
		}
		lb.add(&url.URL{Scheme: "http", Host: hook})
		replicas = append(replicas, p)
		targets = append(targets, metricsURL.Host)
	}
	vm := toolstest.StartVictoriaMetrics(t)
	prom := prometheustest.Start(t, prometheustest.Config{
		Jobs:        []prometheustest.Job{{Name: "genapp", Targets: targets, MetricsPath: "/prometheus"}},
		RuleFiles:   []string{rulesFile},
		RemoteWrite: []string{vm + "/api/v1/write"},
	})

	// Every replica registered the same webhook; the fake API holds one.
	waitUntil(t, 20*time.Second, "three setWebhook calls", func() bool { return countCalls(api, "setWebhook", http.StatusOK) == replicaCount })
	if got := api.WebhookURL(); got != hookURL {
		t.Fatalf("webhook URL %q, want the proxy's %q", got, hookURL)
	}
	users := newUsers(api)

	// Phase 1: every replica up. Deliveries are one at a time, so the proxy
	// hands each replica the same share.
	users.converse(3, func() {
		api.Inject("editMessageText", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1})
	})
	if failed := deliverAll(ctx, t, api); failed != 0 {
		t.Fatalf("%d deliveries failed with every replica up: does each accept the shared secret?", failed)
	}
	delivered := users.sent
	waitValue(t, prom, handlerCount, float64(delivered))
	perReplica := prom.WaitVector(t, `sum by (instance) (genapp_action_count_total{job="genapp", name=~".+_handler"})`, 10*time.Second)
	for _, s := range perReplica {
		if want := float64(delivered / replicaCount); float64(s.Value) != want || len(perReplica) != replicaCount {
			t.Errorf("handler runs per replica: %v; want %v on each of %d (round robin)", perReplica, want, replicaCount)
			break
		}
	}

	// Phase 2: the replica that gets the next update is killed while its
	// handler waits for sendMessage.
	victim := lb.next()
	api.Inject("sendMessage", telegramtest.Fault{Delay: time.Minute})
	users.say(1001, "/start", "start_handler", false)
	firstTry := make(chan error, 1)
	go func() { firstTry <- api.Deliver(ctx) }()
	waitUntil(t, 10*time.Second, "a sendMessage in flight", func() bool { return inFlight(api, "sendMessage") })
	if got := lb.busy(); !slices.Equal(got, []int{victim}) {
		t.Fatalf("replicas with an update in flight: %v, want only %d", got, victim)
	}
	killed := time.Now()
	if err := replicas[victim].Cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	if err := <-firstTry; err == nil || !strings.Contains(err.Error(), "502") || api.Pending() != 1 {
		t.Fatalf("delivery to the killed replica: %v, %d pending; want a 502 and the update kept", err, api.Pending())
	}
	users.converse(3, nil)
	redeliveries := deliverAll(ctx, t, api)
	delivered = users.sent
	deadInstance := targets[victim]

	// No update lost, none counted twice: the dead replica's last scraped
	// count plus the live ones' equals what was delivered.
	waitValue(t, prom, `sum(last_over_time(genapp_action_count_total{job="genapp", name=~".+_handler"}[10m]))`, float64(delivered))
	checkPerHandler(t, prom, users.handlers)
	plain := waitValue(t, prom, `count(up{job="genapp"} == 1)`, replicaCount-1)
	down := prom.WaitVector(t, `up{job="genapp"} == 0`, 10*time.Second)
	if len(down) != 1 || string(down[0].Metric["instance"]) != deadInstance {
		t.Errorf("up == 0: %v, want the killed replica %s only", down, deadInstance)
	}
	sumNow := prom.WaitVector(t, handlerCount, 10*time.Second)
	t.Logf("%d replicas, %d updates delivered (%d redeliveries after the kill); handler runs: %v in the live replicas' current series, %d counting the killed one's last scrape; up==1 on %v replicas %v after the kill",
		replicaCount, delivered, redeliveries, sumNow[0].Value, delivered, plain, time.Since(killed).Round(time.Second))

	// Who the bot reaches: a user blocks the bot and comes back, and a
	// reply is refused as Telegram refuses one to a user who blocked it.
	for _, status := range []string{"kicked", "member"} {
		api.SendUpdate(map[string]any{"my_chat_member": map[string]any{
			"chat": map[string]any{"id": 1002, "type": "private", "first_name": "User"}, "date": time.Now().Unix(),
			"from":            map[string]any{"id": 1002, "is_bot": false, "first_name": "User"},
			"old_chat_member": map[string]any{"status": "member", "user": api.Bot()},
			"new_chat_member": map[string]any{"status": status, "user": api.Bot()},
		}})
	}
	for _, refusal := range []telegramtest.Fault{
		{Status: http.StatusForbidden, Description: "Forbidden: bot was blocked by the user"},
		{Status: http.StatusBadRequest, Description: "Bad Request: chat not found"},
	} {
		api.Inject("sendMessage", refusal)
		users.say(1003, "/start", "start_handler", false)
		deliverAll(ctx, t, api) // the proxy still tries the killed replica: redelivered
	}
	waitValue(t, prom, `sum(genapp_telegram_bot_status_changes_total{job="genapp", chat_type="private"})`, 2)
	waitValue(t, prom, `sum(genapp_telegram_api_errors_total{job="genapp", reason=~"blocked_by_user|chat_not_found"})`, 2)
	// Two scrapes of each, so that increase and rate have data.
	prom.WaitVector(t, `min(count_over_time(genapp_telegram_bot_status_changes_total{job="genapp"}[1m])) >= 2`, 10*time.Second)
	prom.WaitVector(t, `min(count_over_time(genapp_telegram_api_errors_total{job="genapp", reason="chat_not_found"}[1m])) >= 2`, 10*time.Second)

	// The rules have recorded what the scrapes brought.
	prom.WaitRules(t, time.Now(), 10*time.Second)

	// Every panel and rule has data, aggregated over the replicas.
	at := time.Now()
	exprs := replicaExprs(t)
	checkAggregated(t, prom, exprs, at)
	compareStores(t, prom, &prometheustest.Server{URL: vm}, exprs, at)
	t.Logf("whole run %v", time.Since(start).Round(time.Second))
}

// roundRobin is a reverse proxy that hands each request to the next
// replica in turn, whether it is alive or not (a load balancer without
// health checks: the worst case), and knows which replicas have a request
// in flight.
type roundRobin struct {
	mu       sync.Mutex
	replicas []*httputil.ReverseProxy
	inFlight []int
	n        int
}

func (rr *roundRobin) add(u *url.URL) {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	rr.replicas = append(rr.replicas, httputil.NewSingleHostReverseProxy(u))
	rr.inFlight = append(rr.inFlight, 0)
}

// next is the replica the next request goes to.
func (rr *roundRobin) next() int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	return rr.n % len(rr.replicas)
}

// busy lists the replicas with a request in flight.
func (rr *roundRobin) busy() []int {
	rr.mu.Lock()
	defer rr.mu.Unlock()
	var out []int
	for i, n := range rr.inFlight {
		if n > 0 {
			out = append(out, i)
		}
	}
	return out
}

func (rr *roundRobin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rr.mu.Lock()
	if len(rr.replicas) == 0 {
		rr.mu.Unlock()
		http.Error(w, "no replica yet", http.StatusServiceUnavailable)
		return
	}
	i := rr.n % len(rr.replicas)
	rr.n++
	rr.inFlight[i]++
	proxy := rr.replicas[i]
	rr.mu.Unlock()
	defer func() {
		rr.mu.Lock()
		rr.inFlight[i]--
		rr.mu.Unlock()
	}()
	proxy.ServeHTTP(w, r) // 502 Bad Gateway when the replica is gone
}

// users plays Telegram users and keeps count of what they sent.
type users struct {
	api      *telegramtest.Server
	sent     int
	rounds   int
	handlers map[string]int // handler runs each update makes
}

func newUsers(api *telegramtest.Server) *users {
	return &users{api: api, handlers: map[string]int{}}
}

// say queues text, or a press of the menu button with payload text when
// press is set, from chat, which handler handles.
func (u *users) say(chat int64, text, handler string, press bool) {
	if press {
		u.api.PressButton(chat, "\fmenu|"+text) // telebot's callback data
	} else {
		u.api.SendText(chat, text)
	}
	u.sent++
	u.handlers[handler]++
}

// converse queues rounds of a conversation that runs every handler of the
// demo, /ask included, in three chats: 17 updates a round, so that with
// round-robin delivery each update of a round lands on another replica
// than in the round before, and each replica answers /ask four times in
// six rounds, enough for every kind of LLM answer of the demo's schedule. beforePress, if set, runs before the first
// button press is queued (the updates are not delivered yet: a fault it
// injects hits that press's edit, the first edit delivered).
func (u *users) converse(rounds int, beforePress func()) {
	for range rounds {
		// A press edits the last message of its chat, the one the press
		// of the round before edited: pressing another item each round
		// changes its text whatever replica edits it (the same text twice
		// is a 400 "message is not modified").
		item := []string{"weather", "news"}[u.rounds%2]
		u.rounds++
		for _, chat := range []int64{1001, 1002, 1003} {
			u.say(chat, "/menu", "menu_handler", false)
			if beforePress != nil {
				beforePress()
				beforePress = nil
			}
			u.say(chat, item, "menu_callback_handler", true)
			u.say(chat, "/fail", "fail_handler", false)
			u.say(chat, "hello bot", "text_handler", false)
		}
		u.say(1001, "/ask how many replicas?", "ask_handler", false)
		u.say(1002, "/ask what does it cost?", "ask_handler", false)
		u.say(1002, "/start", "start_handler", false)
		u.say(1003, "/panic", "panic_handler", false)
		u.say(1003, "/start", "start_handler", false)
	}
}

// deliverAll delivers the pending updates, as Telegram does: one at a
// time, and an update whose delivery failed again, until none is pending.
// It returns how many deliveries failed.
func deliverAll(ctx context.Context, t *testing.T, api *telegramtest.Server) (failed int) {
	t.Helper()
	for range 1000 {
		if api.Pending() == 0 {
			return failed
		}
		if err := api.Deliver(ctx); err != nil {
			failed++
		}
	}
	t.Fatalf("%d updates still pending after 1000 deliveries (%d failed)", api.Pending(), failed)
	return failed
}

// checkPerHandler: each handler ran, over every replica, as many times as
// updates for it were delivered.
func checkPerHandler(t *testing.T, prom *prometheustest.Server, want map[string]int) {
	t.Helper()
	expr := `sum by (name) (last_over_time(genapp_action_count_total{job="genapp", name=~".+_handler"}[10m]))`
	got := map[string]int{}
	for _, s := range prom.WaitVector(t, expr, 10*time.Second) {
		got[string(s.Metric["name"])] = int(s.Value)
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("%s\n got %v\nwant %v", expr, got, want)
	}
}

// waitValue waits, at most 20 s, until expr is one sample of value want, and
// returns it.
func waitValue(t *testing.T, prom *prometheustest.Server, expr string, want float64) float64 {
	t.Helper()
	var last model.Vector
	var err error
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(prometheustest.Interval / 2) {
		qctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		last, err = prom.Query(qctx, expr)
		cancel()
		if err == nil && len(last) == 1 && float64(last[0].Value) == want {
			return want
		}
	}
	t.Fatalf("%s = %v (%v), want %v", expr, last, err, want)
	return 0
}

// waitUntil polls cond, at most timeout.
func waitUntil(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v", what, timeout)
		}
	}
}

// countCalls counts the calls of method answered with status.
func countCalls(api *telegramtest.Server, method string, status int) int {
	n := 0
	for _, c := range api.Calls() {
		if c.Method == method && c.Status == status {
			n++
		}
	}
	return n
}

// inFlight reports whether a call of method is waiting for its answer.
func inFlight(api *telegramtest.Server, method string) bool {
	return slices.ContainsFunc(api.Calls(), func(c telegramtest.Call) bool { return c.Method == method && c.Status == 0 })
}

// replicaVars are the Grafana variables of the replica tests: a rate
// interval that spans the whole conversation, so that no panel is empty
// for want of recent traffic.
var replicaVars = map[string]string{
	"$app":             "demobot",
	"$env":             "dev",
	"$__rate_interval": "1m",
	"$__range":         "5m",
	"$__interval":      "1s",
}

// replicaExprs are the dashboard's and the rules' expressions, but those
// of pushed tasks: a Pushgateway is no part of this shape
// (TestExpressionsReturnData covers them).
func replicaExprs(t *testing.T) []expression {
	t.Helper()
	var out []expression
	for _, e := range append(dashboardExprs(t), ruleExprs(t)...) {
		if strings.Contains(e.expr, "push_time_seconds") || strings.Contains(e.expr, "pushed_task") {
			continue
		}
		q, err := substitute(e.expr, replicaVars)
		if err != nil {
			t.Fatalf("%s: %v", e.source, err)
		}
		out = append(out, expression{e.source, q})
	}
	return out
}

// checkAggregated: every expression has data at the instant at, and each of
// its samples adds up the replicas (no instance label), but the alerts on
// targets, which are per instance by design.
func checkAggregated(t *testing.T, prom *prometheustest.Server, exprs []expression, at time.Time) {
	t.Helper()
	for _, e := range exprs {
		qctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		vec, err := prom.QueryAt(qctx, e.expr, at)
		cancel()
		if err != nil {
			t.Errorf("%s: %v", e.source, err)
			continue
		}
		if !slices.ContainsFunc(vec, func(s *model.Sample) bool { return !math.IsNaN(float64(s.Value)) }) {
			t.Errorf("%s: no data: %v\n  query: %s", e.source, vec, e.expr)
		}
		for _, s := range vec {
			if _, ok := s.Metric["instance"]; ok && !strings.Contains(e.expr, "up{") {
				t.Errorf("%s: sample %v is per replica, not aggregated\n  query: %s", e.source, s.Metric, e.expr)
				break
			}
		}
	}
}

// compareStores evaluates every dashboard expression at the instant at on
// Prometheus and on VictoriaMetrics, which Prometheus remote-wrote the same
// samples to, and compares the answers. The two query engines differ in
// ways the comparison allows for, and only those:
//
//   - VictoriaMetrics leaves NaN samples out of a result; Prometheus keeps
//     them (a p95 of a resource with no call in the window, 0/0). The label
//     sets must be the same once Prometheus's NaN samples are dropped.
//   - rate and increase: Prometheus extrapolates the change between the
//     first and last samples in the window to the window's edges, and never
//     counts the first sample of a series; VictoriaMetrics takes the change
//     since the last sample before the window (from 0 for a series born in
//     it) and divides by the time its samples span. For series younger than
//     the window, as here, the two differ by a factor of several
//     (measured: 0.22 against 1.17 calls/s). So a panel of rates or
//     increases is compared on its data: the same expression with
//     last_over_time instead, the counters it is computed from, must be
//     equal.
//   - Ratios and ages are compared as they are: the differences above
//     mostly cancel out, leaving the shift of the first sample of each
//     series, within 5% (measured: at most 2%).
//   - A quantile is known to the resolution of its histogram's buckets
//     only: histogram_quantile interpolates inside the bucket it falls in,
//     and one observation more or less in a sparse bucket moves it far
//     (measured: a p95 of 0.058 s against 0.037 s, both in the bucket
//     0.01-0.1 s), or into the next bucket (measured: a p95 of 0.075 s
//     against 0.05 s, the bound between two buckets, where the rates above
//     counted one observation more). Both answers must fall in the same
//     bucket or in two that are next to each other.
func compareStores(t *testing.T, prom, vm *prometheustest.Server, exprs []expression, at time.Time) {
	t.Helper()
	// Remote write runs behind the scrapes, in shards that each send their
	// own series: wait until VictoriaMetrics has the last sample up to at of
	// every series Prometheus has, not just of some (the handler runs could
	// arrive while the outbound calls of the same scrape were still queued).
	const latest = `last_over_time({job="genapp"}[10m])`
	want, err := prom.QueryAt(context.Background(), latest, at)
	if err != nil || len(want) == 0 {
		t.Fatalf("%s: %v %v", latest, want, err)
	}
	want = withoutNaN(want)
	var diff string
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(prometheustest.Interval) {
		got, err := vm.QueryAt(context.Background(), latest, at)
		if err == nil {
			diff = diffVectors(want, withoutNaN(got), relative(1e-12))
		} else {
			diff = err.Error()
		}
		if diff == "" || time.Now().After(deadline) {
			break
		}
	}
	if diff != "" {
		t.Fatalf("VictoriaMetrics never received every sample Prometheus scraped up to %v: %s", at, diff)
	}
	compared := 0
	for _, e := range exprs {
		if !strings.HasPrefix(e.source, "panel") && !strings.HasPrefix(e.source, "variable") {
			continue
		}
		expr, same := e.expr, relative(0.05)
		if !scaleFree(expr) {
			expr, same = rangeRate.ReplaceAllString(expr, "last_over_time($2)"), relative(1e-9)
		}
		p, perr := prom.QueryAt(context.Background(), expr, at)
		v, verr := vm.QueryAt(context.Background(), expr, at)
		if perr != nil || verr != nil {
			t.Errorf("%s: Prometheus: %v, VictoriaMetrics: %v\n  query: %s", e.source, perr, verr, expr)
			continue
		}
		if m := bucketSeries.FindStringSubmatch(expr); m != nil {
			bounds := bucketBounds(t, prom, m[1], at)
			p, v = toBuckets(p, bounds), toBuckets(v, bounds)
			same = func(want, got float64) bool { return math.Abs(got-want) <= 1 }
		}
		if diff := diffVectors(withoutNaN(p), v, same); diff != "" {
			t.Errorf("%s: Prometheus and VictoriaMetrics differ: %s\n  query: %s\n  Prometheus: %v\n  VictoriaMetrics: %v", e.source, diff, expr, p, v)
		}
		compared++
	}
	t.Logf("%d dashboard expressions give the same answer from VictoriaMetrics as from Prometheus", compared)
}

// rangeRate matches rate(selector[window]) and increase(selector[window]).
var rangeRate = regexp.MustCompile(`\b(rate|increase)\(([^()\[]+\[[^\]]+\])\)`)

// scaleFree reports whether expr is a ratio, a quantile, an age or a plain
// selection, whose value does not scale with how a store computes rates.
func scaleFree(expr string) bool {
	return strings.HasPrefix(expr, "histogram_quantile(") || strings.Contains(expr, ") / ") ||
		strings.HasPrefix(expr, "time() -") || !rangeRate.MatchString(expr)
}

// bucketSeries matches the bucket series a histogram_quantile reads.
var bucketSeries = regexp.MustCompile(`^histogram_quantile\(.*\b(\w+_bucket)\{`)

// bucketBounds returns the upper bounds (le) of the buckets of the
// histogram whose bucket series is name, in ascending order.
func bucketBounds(t *testing.T, prom *prometheustest.Server, name string, at time.Time) []float64 {
	t.Helper()
	vec, err := prom.QueryAt(context.Background(), "group by (le) ("+name+")", at)
	if err != nil || len(vec) == 0 {
		t.Fatalf("buckets of %s: %v %v", name, vec, err)
	}
	var bounds []float64
	for _, s := range vec {
		le, err := strconv.ParseFloat(string(s.Metric["le"]), 64)
		if err != nil {
			t.Fatalf("%s: le %q: %v", name, s.Metric["le"], err)
		}
		bounds = append(bounds, le)
	}
	slices.Sort(bounds)
	return bounds
}

// toBuckets replaces each value of v by the index of the bucket it falls
// in.
func toBuckets(v model.Vector, bounds []float64) model.Vector {
	out := make(model.Vector, 0, len(v))
	for _, s := range v {
		b := *s
		if !math.IsNaN(float64(s.Value)) {
			i, _ := slices.BinarySearch(bounds, float64(s.Value)) // the first bound >= the value
			b.Value = model.SampleValue(min(i, len(bounds)-1))
		}
		out = append(out, &b)
	}
	return out
}

func withoutNaN(v model.Vector) model.Vector {
	var out model.Vector
	for _, s := range v {
		if !math.IsNaN(float64(s.Value)) {
			out = append(out, s)
		}
	}
	return out
}

// relative says whether two values are within the relative tolerance of
// each other.
func relative(tolerance float64) func(want, got float64) bool {
	return func(want, got float64) bool {
		return math.Abs(got-want) <= tolerance*math.Max(math.Abs(want), math.Abs(got))
	}
}

// diffVectors describes how b differs from a: a label set one has and the
// other lacks, or values that are not the same.
func diffVectors(a, b model.Vector, same func(want, got float64) bool) string {
	values := map[string]float64{}
	for _, s := range a {
		values[s.Metric.String()] = float64(s.Value)
	}
	var diffs []string
	for _, s := range b {
		key := s.Metric.String()
		want, ok := values[key]
		delete(values, key)
		switch got := float64(s.Value); {
		case !ok:
			diffs = append(diffs, "only VictoriaMetrics has "+key)
		case !same(want, got):
			diffs = append(diffs, fmt.Sprintf("%s: %v against %v", key, want, got))
		}
	}
	for key := range values {
		diffs = append(diffs, "only Prometheus has "+key)
	}
	slices.Sort(diffs)
	return strings.Join(diffs, "; ")
}
