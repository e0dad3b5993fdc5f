package toolstest

import (
	"os"
	"os/exec"
	"testing"
)

// RequireEnv is the environment variable that turns a missing tool from a
// skip into a failure when set to "1".
const RequireEnv = "REQUIRE_PROMETHEUS"

// debianPackages names the Debian package that installs each tool.
var debianPackages = map[string]string{
	"prometheus":       "prometheus",
	"promtool":         "prometheus",
	"pushgateway":      "prometheus-pushgateway",
	"alertmanager":     "prometheus-alertmanager",
	"victoria-metrics": "victoria-metrics",
}

// debianNames are the names Debian gives the programs it renames.
var debianNames = map[string]string{
	"pushgateway":  "prometheus-pushgateway",
	"alertmanager": "prometheus-alertmanager",
}

// Require returns the path of the program name (its upstream name, such as
// pushgateway) found on PATH under that name or the one Debian gives it
// (prometheus-pushgateway). When it is missing, the test is skipped with
// the apt-get command that installs it, or fails when REQUIRE_PROMETHEUS=1.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil && debianNames[name] != "" {
		path, err = exec.LookPath(debianNames[name])
	}
	if err == nil {
		return path
	}
	found := name
	if debianNames[name] != "" {
		found = name + " (or " + debianNames[name] + ")"
	}
	pkg := debianPackages[name]
	if pkg == "" {
		pkg = name
	}
	missing(t, found, pkg, err)
	return ""
}

// missing skips t because program is not installed, saying which Debian
// package installs it, or fails t when REQUIRE_PROMETHEUS=1.
func missing(t testing.TB, program, pkg string, err error) {
	t.Helper()
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s not found on PATH and %s=1: apt-get install %s (%v)", program, RequireEnv, pkg, err)
	} else {
		t.Skipf("%s not found on PATH: apt-get install %s to run this test (set %s=1 to fail instead of skipping)", program, pkg, RequireEnv)
	}
}
