// Package toolstest finds and starts the external programs that
// integration tests run: promtool, prometheus, the Pushgateway,
// Alertmanager, VictoriaMetrics, PostgreSQL and chromium, each server on a
// loopback port with its data in a temporary directory, stopped when the
// test ends, and the strict OpenMetrics parser of Debian's
// python3-prometheus-client.
// A test whose program is missing skips, saying which Debian package
// provides it, unless the environment variable REQUIRE_PROMETHEUS=1
// demands the tools (CI sets it): then it fails.
package toolstest
