package prometheustest

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/genapp-go/genapp/internal/toolstest"
)

// TestStartScrapeQuery runs a real Prometheus against an in-process target
// and reads the scraped value back through Query and Targets. Prometheus
// 2.x hands new targets to its scrapers at most every 5s, so the first
// sample takes about 6s to appear.
func TestStartScrapeQuery(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "promserver_test_total", Help: "test"})
	reg.MustRegister(c)
	c.Add(42)
	target := httptest.NewServer(promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	defer target.Close()

	srv := Start(t, Config{Jobs: []Job{{Name: "unit", Targets: []string{strings.TrimPrefix(target.URL, "http://")}}}})
	vec := srv.WaitVector(t, `promserver_test_total{job="unit"}`, 10*time.Second)
	if len(vec) != 1 || vec[0].Value != 42 {
		t.Fatalf("promserver_test_total = %v, want one sample of 42", vec)
	}

	ctx := context.Background()
	targets, err := srv.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(targets) != 1 || targets[0].Health != "up" || targets[0].Labels["job"] != "unit" {
		t.Fatalf("targets = %+v, want the one unit target up", targets)
	}
	if _, err := srv.Query(ctx, `sum(`); err == nil || !strings.Contains(err.Error(), "bad_data") {
		t.Fatalf("Query of a syntax error: err = %v, want bad_data", err)
	}
	if _, err := srv.Query(ctx, `1`); err == nil || !strings.Contains(err.Error(), "scalar") {
		t.Fatalf("Query of a scalar: err = %v, want a not-a-vector error", err)
	}
	if _, err := srv.Eventually(`absent_metric_name`, time.Second); err == nil || !strings.Contains(err.Error(), "empty result") {
		t.Fatalf("Eventually of a missing series: err = %v, want empty result", err)
	}
}

// TestWaitRules: once WaitRules returns, every group has recorded at an
// instant after since, in every group (two, evaluated independently).
func TestWaitRules(t *testing.T) {
	rules := filepath.Join(t.TempDir(), "rules.yml")
	text := "groups:\n" +
		"  - name: a\n    rules:\n      - record: evaluated_at_a\n        expr: vector(time())\n" +
		"  - name: b\n    rules:\n      - record: evaluated_at_b\n        expr: vector(time())\n"
	if err := os.WriteFile(rules, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	srv := Start(t, Config{RuleFiles: []string{rules}})
	for range 2 {
		since := time.Now()
		srv.WaitRules(t, since, 10*time.Second)
		for _, name := range []string{"evaluated_at_a", "evaluated_at_b"} {
			vec, err := srv.Query(context.Background(), name)
			if err != nil {
				t.Fatal(err)
			}
			if len(vec) != 1 || float64(vec[0].Value) <= float64(since.UnixMilli())/1000 {
				t.Errorf("%s = %v after WaitRules(%v), want an evaluation after it", name, vec, since.Unix())
			}
		}
	}
}

// TestEventuallySlowAnswer: an answer that takes longer than the wait, as
// on a loaded machine, still decides the error: "empty result", not a
// deadline.
func TestEventuallySlowAnswer(t *testing.T) {
	const wait = 100 * time.Millisecond
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * wait)
		_, _ = w.Write([]byte(`{"status":"success","data":{"resultType":"vector","result":[]}}`))
	}))
	defer api.Close()
	srv := &Server{URL: api.URL}
	if _, err := srv.Eventually(`absent_metric_name`, wait); err == nil || !strings.Contains(err.Error(), "empty result") {
		t.Fatalf("Eventually: err = %v, want empty result", err)
	}
}

func TestConfigRejectsJobWithoutTargets(t *testing.T) {
	if _, err := configText(Config{Jobs: []Job{{Name: "x"}}}); err == nil {
		t.Fatal("configText accepted a job without targets")
	}
}

// TestConfigAlertingRemoteWrite: Alertmanagers and RemoteWrite become the
// alerting and remote_write sections promtool accepts, the route prefix of
// an Alertmanager URL its path_prefix; an Alertmanager that is not an http
// URL is refused.
func TestConfigAlertingRemoteWrite(t *testing.T) {
	text, err := configText(Config{
		Jobs:          []Job{{Name: "x", Targets: []string{"127.0.0.1:1"}}},
		Alertmanagers: []string{"http://127.0.0.1:9093/abc"},
		RemoteWrite:   []string{"http://127.0.0.1:8428/def/api/v1/write"},
	})
	if err != nil {
		t.Fatal(err)
	}
	var cfg struct {
		Alerting struct {
			Alertmanagers []struct {
				PathPrefix    string `json:"path_prefix"`
				StaticConfigs []struct {
					Targets []string `json:"targets"`
				} `json:"static_configs"`
			} `json:"alertmanagers"`
		} `json:"alerting"`
		RemoteWrite []struct {
			URL         string `json:"url"`
			QueueConfig struct {
				BatchSendDeadline string `json:"batch_send_deadline"`
			} `json:"queue_config"`
		} `json:"remote_write"`
	}
	if err := json.Unmarshal(text, &cfg); err != nil {
		t.Fatal(err)
	}
	am, rw := cfg.Alerting.Alertmanagers, cfg.RemoteWrite
	if len(am) != 1 || am[0].PathPrefix != "/abc" || len(am[0].StaticConfigs) != 1 || am[0].StaticConfigs[0].Targets[0] != "127.0.0.1:9093" {
		t.Errorf("alertmanagers %+v", am)
	}
	if len(rw) != 1 || rw[0].URL != "http://127.0.0.1:8428/def/api/v1/write" || rw[0].QueueConfig.BatchSendDeadline != Interval.String() {
		t.Errorf("remote_write %+v", rw)
	}
	promtool := toolstest.Require(t, "promtool")
	file := filepath.Join(t.TempDir(), "prometheus.yml")
	if err := os.WriteFile(file, text, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "config", file).CombinedOutput(); err != nil {
		t.Fatalf("promtool check config: %v\n%s", err, out)
	}
	if _, err := configText(Config{Alertmanagers: []string{"127.0.0.1:9093"}}); err == nil {
		t.Error("configText accepted an Alertmanager without a scheme")
	}
}
