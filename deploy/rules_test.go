// Tests of the operations kit in deploy/: the Prometheus rules are checked
// and unit-tested with promtool, and every PromQL expression of the rules
// and of the Grafana dashboard is evaluated by a real Prometheus that
// scraped an instrumented target.
package deploy

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/genapp-go/genapp/internal/toolstest"
)

const (
	rulesFile     = "prometheus/rules.yml"
	rulesTestFile = "prometheus/test/rules_test.yml"
)

// TestPromtoolCheckRules proves rules.yml is valid (syntax, PromQL, no
// duplicate rules) with the command docs/operations.md gives, run from the
// repository's root: every file of deploy/prometheus is a rule file, the
// unit tests are elsewhere.
func TestPromtoolCheckRules(t *testing.T) {
	promtool := toolstest.Require(t, "promtool")
	check := exec.Command("sh", "-c", `"$PROMTOOL" check rules deploy/prometheus/*.yml`)
	check.Dir = ".."
	check.Env = append(os.Environ(), "PROMTOOL="+promtool)
	out, err := check.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool check rules deploy/prometheus/*.yml: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "Checking deploy/prometheus/rules.yml\n") {
		t.Errorf("promtool check rules deploy/prometheus/*.yml did not check rules.yml:\n%s", out)
	}
}

// TestPromtoolTestRules runs the unit tests in rules_test.yml: each alert
// fires, with its labels and annotations, on the synthetic series meant to
// fire it, and stays silent on the others.
func TestPromtoolTestRules(t *testing.T) {
	promtool := toolstest.Require(t, "promtool")
	runPromtool(t, promtool, "test", "rules", rulesTestFile)
}

func runPromtool(t *testing.T, promtool string, args ...string) {
	t.Helper()
	out, err := exec.Command(promtool, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	if !strings.Contains(string(out), "SUCCESS") {
		t.Fatalf("promtool %s did not report SUCCESS:\n%s", strings.Join(args, " "), out)
	}
}
