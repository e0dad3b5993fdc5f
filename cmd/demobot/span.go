package main

import (
	"context"
	"crypto/rand"

	"go.opentelemetry.io/otel/trace"
)

// withSpan returns ctx carrying a new sampled span with random IDs: what an
// OpenTelemetry tracer puts in the context of the work it traces. The demo
// sends its spans nowhere (no SDK, no collector); its page shows their IDs
// as exemplars of the durations recorded in their contexts, which a real
// tracer would let you look up.
func withSpan(ctx context.Context) context.Context {
	var traceID trace.TraceID
	var spanID trace.SpanID
	_, _ = rand.Read(traceID[:]) // crypto/rand.Read never fails
	_, _ = rand.Read(spanID[:])
	return trace.ContextWithSpanContext(ctx, trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled,
	}))
}
