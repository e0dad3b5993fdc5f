// Package promtest scrapes a real /prometheus endpoint in tests and reads
// samples out of the parsed exposition, so that tests assert on exactly what
// Prometheus would see.
package promtest
