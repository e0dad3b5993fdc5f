package metrics_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// webOnlyDeps are the import path prefixes that only a server secured by a
// web configuration file needs, through metrics/webconfig: package metrics
// must not import them, so that a program that records one counter does
// not link them.
var webOnlyDeps = []string{
	"github.com/prometheus/exporter-toolkit",
	"github.com/golang-jwt",
	"golang.org/x/oauth2",
	"github.com/coreos/go-systemd",
	"github.com/mdlayher",
	"golang.org/x/crypto/bcrypt",
	"go.yaml.in/yaml",
	"gopkg.in/yaml",
}

// TestDependencies: no package that package metrics imports, directly or
// not, is one of webOnlyDeps. A failure names each and its importers.
func TestDependencies(t *testing.T) {
	// go test puts the bin directory of its GOROOT first on the PATH.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go tool on the PATH to list the dependencies with: %v", err)
	}
	out, err := exec.Command(goTool, "list", "-deps", "-f", `{{.ImportPath}} {{join .Imports " "}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	importers := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		pkg, imports, _ := strings.Cut(strings.TrimSpace(line), " ")
		for _, imp := range strings.Fields(imports) {
			importers[imp] = append(importers[imp], pkg)
		}
	}
	if importers["github.com/prometheus/client_golang/prometheus"] == nil {
		t.Fatalf("go list did not list the dependencies of package metrics:\n%s", out)
	}
	var bad []string
	for pkg, by := range importers {
		if slices.ContainsFunc(webOnlyDeps, func(prefix string) bool { return strings.HasPrefix(pkg, prefix) }) {
			bad = append(bad, pkg+" (imported by "+strings.Join(by, ", ")+")")
		}
	}
	if len(bad) > 0 {
		slices.Sort(bad)
		t.Errorf("package metrics depends on packages only metrics/webconfig may import:\n%s", strings.Join(bad, "\n"))
	}
}
