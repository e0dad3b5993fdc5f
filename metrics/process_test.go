package metrics

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/genapp-go/genapp/internal/promtest"
)

// fakeProc writes a /proc with pid 4242 as self: its stat, and its status
// unless status is "".
func fakeProc(t *testing.T, status string) string {
	t.Helper()
	root := t.TempDir()
	dir := filepath.Join(root, "4242")
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	// minflt 1500, majflt 7, utime 250 and stime 50 ticks (USER_HZ 100),
	// 9 threads, rss 2000 pages.
	stat := "4242 (demo bot) S 1 4242 4242 0 -1 4194304 1500 0 7 0 250 50 0 0 20 0 9 0 640533 3133440 2000 " +
		"18446744073709551615 1 1 1 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0 1 1 1 1 1 1 1 0\n"
	files := map[string]string{"stat": stat}
	if status != "" {
		files["status"] = status
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("4242", filepath.Join(root, "self")); err != nil {
		t.Fatal(err)
	}
	return root
}

func processFamiliesOf(t *testing.T, m *Metrics) map[string]*dto.MetricFamily {
	t.Helper()
	got := map[string]*dto.MetricFamily{}
	for name, f := range scrape(t, m).Families {
		if strings.HasPrefix(name, "genapp_process_") {
			got[name] = f
		}
	}
	return got
}

// TestProcessGauges reads a known /proc and checks each gauge's type, labels
// and exact value.
func TestProcessGauges(t *testing.T) {
	m := newTest(t)
	m.process.procRoot = fakeProc(t, "Name:\tdemo bot\nvoluntary_ctxt_switches:\t11\nnonvoluntary_ctxt_switches:\t3\n")
	want := map[string]float64{
		"genapp_process_resident_memory_bytes":              float64(2000 * os.Getpagesize()),
		"genapp_process_threads":                            9,
		"genapp_process_cpu_seconds_total":                  3,
		"genapp_process_soft_page_faults_total":             1500,
		"genapp_process_hard_page_faults_total":             7,
		"genapp_process_voluntary_context_switches_total":   11,
		"genapp_process_involuntary_context_switches_total": 3,
	}
	got := processFamiliesOf(t, m)
	if len(got) != len(want) {
		t.Errorf("%d genapp_process_* families, want %d", len(got), len(want))
	}
	for name, v := range want {
		f := got[name]
		if f.GetType() != dto.MetricType_GAUGE || len(f.GetMetric()) != 1 {
			t.Errorf("%s: type %v with %d series, want one gauge", name, f.GetType(), len(f.GetMetric()))
			continue
		}
		s := f.GetMetric()[0]
		if l := labelMap(s); len(l) != 2 || l["env"] != "dev" || l["app"] != "demobot" {
			t.Errorf("%s labels %v, want env and app", name, l)
		}
		if s.GetGauge().GetValue() != v {
			t.Errorf("%s = %v, want %v", name, s.GetGauge().GetValue(), v)
		}
	}
}

// TestProcessGaugesAbsent: without a readable /proc the gauges are absent,
// not zero, and the rest of the page is served; without status only the
// context switches are.
func TestProcessGaugesAbsent(t *testing.T) {
	m := newTest(t)
	a := m.Track("start_handler")
	a.End(nil)
	m.process.procRoot = t.TempDir()
	if got := processFamiliesOf(t, m); len(got) != 0 {
		t.Errorf("families without /proc: %v", got)
	}
	if c := scrape(t, m).Counter(t, "genapp_action_count_total", L{"name": "start_handler"}); c != 1 {
		t.Errorf("action count without /proc = %v, want 1", c)
	}
	m.process.procRoot = fakeProc(t, "")
	got := processFamiliesOf(t, m)
	if len(got) != 5 || got["genapp_process_voluntary_context_switches_total"] != nil {
		t.Errorf("without status: %d families, want the 5 read from stat", len(got))
	}
}

// TestProcessGaugesFollowInit: a second Init on the registry with another
// project or env moves the process gauges to the new pair, leaving one
// series of each, while the first pair's counts stay; Init with the same
// pair again leaves them there. Scraped from the package-level Handler.
func TestProcessGaugesFollowInit(t *testing.T) {
	reg := prometheus.NewRegistry()
	t.Cleanup(func() { defaultMetrics.Store(nil) })
	first, err := Init("demobot", "dev", WithRegistry(reg))
	if err != nil {
		t.Fatal(err)
	}
	first.process.procRoot = fakeProc(t, "")
	a := first.Track("start_handler")
	a.End(nil)
	for _, pair := range [][2]string{{"demobot", "prod"}, {"otherbot", "prod"}, {"otherbot", "prod"}} {
		if _, err := Init(pair[0], pair[1], WithRegistry(reg)); err != nil {
			t.Fatal(err)
		}
		e := promtest.Scrape(t, Handler())
		threads := e.Find("genapp_process_threads", L{"app": pair[0], "env": pair[1]})
		if e.Series("genapp_process_threads") != 1 || len(threads) != 1 || threads[0].GetGauge().GetValue() != 9 {
			t.Errorf("after Init(%q, %q): genapp_process_threads = %v, want one series of that pair, 9", pair[0], pair[1], threads)
		}
		if got := e.Counter(t, "genapp_action_count_total", L{"app": "demobot", "env": "dev", "name": "start_handler"}); got != 1 {
			t.Errorf("after Init(%q, %q): the first pair's start_handler count = %v, want 1", pair[0], pair[1], got)
		}
	}
}

// TestProcessGaugesConflictRegistersNothing: when a foreign collector holds
// a genapp_process_* name, New fails naming it and leaves no families
// behind.
func TestProcessGaugesConflictRegistersNothing(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "genapp_process_threads", Help: "someone else's"}))
	if _, err := New("demobot", "dev", WithRegistry(reg)); err == nil || !strings.Contains(err.Error(), "genapp_process_threads") {
		t.Fatalf("err = %v, want a conflict naming genapp_process_threads", err)
	}
	if fams, err := reg.Gather(); err != nil || len(fams) != 1 || fams[0].GetName() != "genapp_process_threads" {
		t.Fatalf("after a failed New the registry gathers %v, %v; want only the foreign gauge", fams, err)
	}
}
