// Package benchtest is the loop of the benchmarks of HTTP handlers: one
// request after another, on a writer that keeps nothing and a body that
// rewinds, so that what is measured is the handler and what wraps it.
package benchtest
