package toolstest

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
)

// debianPython is Debian's python3, the one python3-prometheus-client
// installs its package for; another python3 may come first on PATH.
const debianPython = "/usr/bin/python3"

// openMetricsScript parses its standard input with prometheus_client's
// OpenMetrics parser, which rejects what the specification forbids, and
// prints each family read: name, type and number of samples.
const openMetricsScript = `import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
for f in text_string_to_metric_families(sys.stdin.read()):
    print(f.name, f.type, len(f.samples))
`

// OpenMetricsFamily is a family the strict parser read: its OpenMetrics
// type and its number of samples.
type OpenMetricsFamily struct {
	Type    string
	Samples int
}

// ParseOpenMetrics parses text with the strict OpenMetrics parser of
// Debian's python3-prometheus-client and returns the families it read, by
// OpenMetrics family name (a counter's without _total). t fails with the
// parser's error when text is not valid OpenMetrics. Without the parser
// the test is skipped, or fails when REQUIRE_PROMETHEUS=1.
func ParseOpenMetrics(t testing.TB, text string) map[string]OpenMetricsFamily {
	t.Helper()
	if err := exec.Command(debianPython, "-c", "import prometheus_client.openmetrics.parser").Run(); err != nil {
		missing(t, "the OpenMetrics parser of "+debianPython+" (prometheus_client)", "python3-prometheus-client", err)
		return nil
	}
	cmd := exec.Command(debianPython, "-c", openMetricsScript)
	cmd.Stdin = strings.NewReader(text)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("strict OpenMetrics parser: %v\n%s\nexposition:\n%s", err, stderr.String(), text)
		return nil
	}
	families := map[string]OpenMetricsFamily{}
	for line := range strings.Lines(string(out)) {
		f := strings.Fields(line)
		if len(f) != 3 {
			t.Fatalf("strict OpenMetrics parser printed %q, want name, type and sample count", line)
		}
		n, err := strconv.Atoi(f[2])
		if err != nil {
			t.Fatalf("strict OpenMetrics parser printed %q: %v", line, err)
		}
		families[f[0]] = OpenMetricsFamily{Type: f[1], Samples: n}
	}
	return families
}
