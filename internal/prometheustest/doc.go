// Package prometheustest runs a real Prometheus server for integration tests: on
// a free loopback port, with a generated configuration (1s scrape and rule
// evaluation intervals) and a temporary data directory, stopped when the test
// ends. Tests query it through its HTTP API, so they assert on what
// Prometheus itself scraped and evaluated.
package prometheustest
