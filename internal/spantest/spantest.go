package spantest

import (
	"context"
	"fmt"
	"strings"

	"go.opentelemetry.io/otel/trace"
)

// IDs of the span Context puts in a context.
const (
	TraceID = "0af7651916cd43dd8448eb211c80319c"
	SpanID  = "b7ad6b7169203331"
)

// Exemplar is how the OpenMetrics exposition shows the exemplar of the span
// of Context.
const Exemplar = `# {trace_id="` + TraceID + `",span_id="` + SpanID + `"}`

// Context returns ctx carrying a sampled span with the given hex IDs (use
// TraceID and SpanID unless a test needs several spans). It panics on an
// ID that is not valid hex of the right length: a mistake in the test.
func Context(ctx context.Context, traceID, spanID string) context.Context {
	tid, err := trace.TraceIDFromHex(traceID)
	if err != nil {
		panic(fmt.Sprintf("spantest: trace ID %q: %v", traceID, err))
	}
	sid, err := trace.SpanIDFromHex(spanID)
	if err != nil {
		panic(fmt.Sprintf("spantest: span ID %q: %v", spanID, err))
	}
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
	return trace.ContextWithSpanContext(ctx, sc)
}

// Lines returns the lines of an exposition that start with prefix and
// contain every one of parts, without their line ends.
func Lines(page, prefix string, parts ...string) []string {
	var out []string
	for line := range strings.Lines(page) {
		if !strings.HasPrefix(line, prefix) {
			continue
		}
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(line, p)
		}
		if ok {
			out = append(out, strings.TrimSpace(line))
		}
	}
	return out
}
