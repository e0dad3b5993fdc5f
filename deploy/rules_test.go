// Tests of the operations kit in deploy/: the Prometheus rules are checked
// and unit-tested with promtool, and every PromQL expression of the rules
// and of the Grafana dashboard is evaluated by a real Prometheus that
// scraped an instrumented target.
package deploy

import (
	"os/exec"
	"strings"
	"testing"

	"github.com/genapp-go/genapp/internal/toolstest"
)

const (
	rulesFile     = "prometheus/rules.yml"
	rulesTestFile = "prometheus/rules_test.yml"
)

// TestPromtoolCheckRules proves rules.yml is valid: syntax, PromQL, and no
// duplicate rules.
func TestPromtoolCheckRules(t *testing.T) {
	promtool := toolstest.Require(t, "promtool")
	runPromtool(t, promtool, "check", "rules", rulesFile)
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
