package metrics

import (
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

func TestInitValidation(t *testing.T) {
	for _, c := range []struct {
		project, env, wantErr string
	}{
		{"bot", "staging", `env "staging" is not allowed: use one of dev, preprod, prod (a staging or test environment is preprod; unit tests need no Init)`},
		{"bot", "", `env "" is not allowed: use one of dev, preprod, prod`},
		{"bot", "Prod", `env "Prod" is not allowed`},
		{"", "dev", "project name is empty"},
		{"  ", "prod", "project name is empty"},
	} {
		reg := prometheus.NewRegistry()
		m, err := Init(c.project, c.env, WithRegistry(reg))
		if err == nil || !strings.Contains(err.Error(), c.wantErr) {
			t.Errorf("Init(%q, %q) error = %v, want it to contain %q", c.project, c.env, err, c.wantErr)
		}
		if m != nil || Default() != nil {
			t.Errorf("Init(%q, %q) returned or installed an instance despite the error", c.project, c.env)
		}
		if fams, _ := reg.Gather(); len(fams) != 0 {
			t.Errorf("Init(%q, %q) registered %d families despite the error", c.project, c.env, len(fams))
		}
	}
	for _, env := range Envs() {
		if _, err := New("bot", env, WithRegistry(prometheus.NewRegistry())); err != nil {
			t.Errorf("env %q: %v", env, err)
		}
	}
}

// TestInitTwice: a second Init on the same registry reuses the families, so
// the series recorded before survive and keep counting.
func TestInitTwice(t *testing.T) {
	reg := prometheus.NewRegistry()
	first, err := Init("demobot", "dev", WithRegistry(reg))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { defaultMetrics.Store(nil) })
	_ = run(first, "job", func(*Action) error { return nil })

	second, err := Init("demobot", "dev", WithRegistry(reg))
	if err != nil {
		t.Fatalf("second Init: %v", err)
	}
	if Default() != second {
		t.Fatal("second Init did not become the default")
	}
	_ = run(second, "job", func(*Action) error { return nil })
	if got := scrape(t, second).Counter(t, "genapp_action_count_total", L{"name": "job"}); got != 2 {
		t.Fatalf("count = %v, want 2 across both Inits", got)
	}
}

// TestInitOnDefaultRegistry covers the process-wide registry, twice, with Go
// runtime metrics in the same exposition.
func TestInitOnDefaultRegistry(t *testing.T) {
	for range 2 {
		m, err := Init("demobot", "dev")
		if err != nil {
			t.Fatal(err)
		}
		// The process gauges are served as soon as the families are
		// registered: leave the default registry as other tests expect it.
		t.Cleanup(func() { unregisterDefault(m) })
	}
	e := scrape(t, Default())
	if e.Families["go_goroutines"] == nil {
		t.Error("Go runtime metrics missing from the default registry's exposition")
	}
}

// unregisterDefault leaves the default registry as other tests expect it,
// without m's families and process gauges, and the default instance unset.
func unregisterDefault(m *Metrics) {
	prometheus.DefaultRegisterer.Unregister(m.f)
	prometheus.DefaultRegisterer.Unregister(m.process)
	defaultMetrics.Store(nil)
}

// TestRegistrationConflictRegistersNothing: when a foreign collector holds
// one of the names, New fails and leaves no half-registered families behind.
func TestRegistrationConflictRegistersNothing(t *testing.T) {
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGauge(prometheus.GaugeOpts{Name: "genapp_action_size_total", Help: "someone else's"}))
	if _, err := New("demobot", "dev", WithRegistry(reg)); err == nil || !strings.Contains(err.Error(), "genapp_action_size_total") {
		t.Fatalf("err = %v, want a conflict naming genapp_action_size_total", err)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	if len(fams) != 1 {
		t.Fatalf("%d families registered after a failed New, want only the foreign one", len(fams))
	}
}
