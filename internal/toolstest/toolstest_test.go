package toolstest

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// recorder is a testing.TB that records Skipf and Fatalf instead of stopping
// the goroutine, so that Require's decision can be inspected.
type recorder struct {
	testing.TB
	skipped, failed string
}

func (r *recorder) Helper() {}
func (r *recorder) Skipf(format string, args ...any) {
	r.skipped = fmt.Sprintf(format, args...)
}
func (r *recorder) Fatalf(format string, args ...any) {
	r.failed = fmt.Sprintf(format, args...)
}

func TestRequire(t *testing.T) {
	dir := t.TempDir()
	tool := filepath.Join(dir, "promtool")
	if err := os.WriteFile(tool, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}

	t.Run("found", func(t *testing.T) {
		t.Setenv("PATH", dir)
		t.Setenv(RequireEnv, "1")
		r := &recorder{TB: t}
		if got := Require(r, "promtool"); got != tool || r.skipped != "" || r.failed != "" {
			t.Fatalf("Require = %q, skipped %q, failed %q; want %q and neither", got, r.skipped, r.failed, tool)
		}
	})
	for _, tc := range []struct{ name, program string }{
		{"pushgateway", "pushgateway"},
		{"pushgateway", "prometheus-pushgateway"},
		{"alertmanager", "alertmanager"},
		{"alertmanager", "prometheus-alertmanager"},
		{"victoria-metrics", "victoria-metrics"},
	} {
		t.Run(tc.name+" as "+tc.program, func(t *testing.T) {
			dir := t.TempDir()
			program := filepath.Join(dir, tc.program)
			if err := os.WriteFile(program, []byte("#!/bin/sh\n"), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", dir)
			r := &recorder{TB: t}
			if got := Require(r, tc.name); got != program || r.skipped != "" || r.failed != "" {
				t.Fatalf("Require = %q, skipped %q, failed %q; want %q and neither", got, r.skipped, r.failed, program)
			}
		})
	}
	for _, tc := range []struct{ name, found, pkg string }{
		{"pushgateway", "pushgateway (or prometheus-pushgateway) not found", "apt-get install prometheus-pushgateway "},
		{"alertmanager", "alertmanager (or prometheus-alertmanager) not found", "apt-get install prometheus-alertmanager "},
		{"victoria-metrics", "victoria-metrics not found", "apt-get install victoria-metrics "},
	} {
		t.Run("missing "+tc.name+" skips", func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv(RequireEnv, "")
			r := &recorder{TB: t}
			Require(r, tc.name)
			if r.failed != "" || !strings.Contains(r.skipped, tc.found) || !strings.Contains(r.skipped, tc.pkg) {
				t.Fatalf("skipped %q, failed %q; want a skip naming the package", r.skipped, r.failed)
			}
		})
	}
	t.Run("missing fails when required", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		t.Setenv(RequireEnv, "1")
		r := &recorder{TB: t}
		Require(r, "promtool")
		if r.skipped != "" || !strings.Contains(r.failed, "apt-get install prometheus ") {
			t.Fatalf("skipped %q, failed %q; want a failure naming the package", r.skipped, r.failed)
		}
	})
}

// TestParseOpenMetrics: the parser reads a valid exposition's families,
// counters under their name without _total, and rejects the clash of a
// gauge and a counter's family that OpenMetrics forbids.
func TestParseOpenMetrics(t *testing.T) {
	valid := "# TYPE a_bytes gauge\na_bytes 3\n# TYPE b counter\nb_total 2\n# TYPE c histogram\nc_bucket{le=\"1\"} 1\nc_bucket{le=\"+Inf\"} 2\nc_count 2\nc_sum 3\n# EOF\n"
	got := ParseOpenMetrics(t, valid)
	want := map[string]OpenMetricsFamily{"a_bytes": {"gauge", 1}, "b": {"counter", 1}, "c": {"histogram", 4}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("ParseOpenMetrics = %v, want %v", got, want)
	}
	clash := "# TYPE a_bytes gauge\na_bytes 3\n# TYPE a_bytes counter\na_bytes_total 2\n# EOF\n"
	r := &recorder{TB: t}
	if got := ParseOpenMetrics(r, clash); got != nil || !strings.Contains(r.failed, "ValueError") {
		t.Errorf("ParseOpenMetrics of a gauge and a counter named a_bytes = %v, failed %q; want nil and the parser's error", got, r.failed)
	}
}
