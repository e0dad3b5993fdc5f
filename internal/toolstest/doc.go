// Package toolstest finds the external programs that integration tests run
// (promtool, prometheus, the Pushgateway, Alertmanager, VictoriaMetrics) and decides what a test does
// when one is missing: it skips, saying which Debian package provides the
// program, unless the environment variable REQUIRE_PROMETHEUS=1 demands the
// tools (CI sets it), in which case the test fails. PostgreSQL (see
// StartPostgres) is required the same way.
package toolstest
