// Package prometheustest runs a real Prometheus server for integration
// tests: on a free loopback port, with a generated configuration (scrape
// jobs, rule files, Alertmanagers, remote write and feature flags, 1 s
// scrape and rule evaluation intervals) and a temporary data directory,
// stopped when the test ends. Tests query it through its HTTP API (queries,
// exemplars, targets), so they assert on what Prometheus itself scraped and
// evaluated.
package prometheustest
