// Package spantest makes contexts that carry an OpenTelemetry span, as a
// tracer would, for tests of the exemplars that link durations to traces.
// No SDK: a span context is all the instrumentation reads.
package spantest
