// Package toolstest finds the external programs that integration tests run
// (promtool, prometheus, prometheus-pushgateway) and decides what a test does
// when one is missing: it skips, saying which Debian package provides the
// program, unless the environment variable REQUIRE_PROMETHEUS=1 demands the
// tools (CI sets it), in which case the test fails.
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
	"prometheus":             "prometheus",
	"promtool":               "prometheus",
	"prometheus-pushgateway": "prometheus-pushgateway",
}

// Require returns the path of the program name found on PATH. When it is
// missing, the test is skipped with the apt-get command that installs it, or
// fails when REQUIRE_PROMETHEUS=1.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err == nil {
		return path
	}
	pkg := debianPackages[name]
	if pkg == "" {
		pkg = name
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("%s not found on PATH and %s=1: apt-get install %s (%v)", name, RequireEnv, pkg, err)
	} else {
		t.Skipf("%s not found on PATH: apt-get install %s to run this test (set %s=1 to fail instead of skipping)", name, pkg, RequireEnv)
	}
	return ""
}
