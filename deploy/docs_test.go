package deploy

import (
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// alertRow is a row of the alerts table of docs/operations.md: the alert
// and its severity.
var alertRow = regexp.MustCompile("(?m)^\\| `(Genapp[A-Za-z0-9]+)` \\| ([a-z]+) \\|")

// alertName is a word that names an alert of this kit.
var alertName = regexp.MustCompile(`\bGenapp[A-Z][A-Za-z0-9]*\b`)

// TestAlertsDocumented: the alerts table of docs/operations.md lists every
// alert of rules.yml, in its order, with its severity, and nothing else;
// RUNBOOK.md has a section for each; no page of docs/, the README or the
// runbook names an alert that rules.yml does not have.
func TestAlertsDocumented(t *testing.T) {
	var f ruleFile
	decodeFile(t, rulesFile, &f)
	var rules []string
	severity := map[string]string{}
	for _, g := range f.Groups {
		for _, r := range g.Rules {
			if r.Alert != "" {
				rules = append(rules, r.Alert)
				severity[r.Alert] = r.Labels["severity"]
			}
		}
	}
	if len(rules) == 0 {
		t.Fatalf("%s: no alerts found", rulesFile)
	}

	ops := readFile(t, "../docs/operations.md")
	var table []string
	for _, m := range alertRow.FindAllStringSubmatch(ops, -1) {
		table = append(table, m[1])
		if m[2] != severity[m[1]] {
			t.Errorf("docs/operations.md: %s has severity %q, rules.yml %q", m[1], m[2], severity[m[1]])
		}
	}
	if !slices.Equal(table, rules) {
		t.Errorf("the alerts table of docs/operations.md lists\n%s\nrules.yml has\n%s", strings.Join(table, "\n"), strings.Join(rules, "\n"))
	}

	runbook := readFile(t, "RUNBOOK.md")
	for _, a := range rules {
		if !strings.Contains(runbook, "\n## "+a+"\n") {
			t.Errorf("RUNBOOK.md has no section ## %s", a)
		}
	}
	pages, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range append(pages, "../README.md", "RUNBOOK.md") {
		for _, name := range alertName.FindAllString(readFile(t, page), -1) {
			if !slices.Contains(rules, name) {
				t.Errorf("%s names the alert %s, which rules.yml does not have", page, name)
			}
		}
	}
}

func readFile(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
