package metrics

import (
	"context"
	"math"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// WithExemplars links durations to traces: when the context of a tracked
// action ([TrackContext], [Wrap]), of a request served by [Middleware] or of
// an exchange given to [RecordHTTPContext] (the transports of package
// httpclient give theirs) carries a sampled OpenTelemetry span, its observation in
// genapp_action_duration_sec or genapp_http_request_duration_sec carries an
// exemplar with the span's trace_id and span_id. Each classic bucket of a
// series shows the last exemplar that fell in it, so the slow buckets keep
// pointing at slow traces; with [WithNativeHistograms], the native form
// carries the same exemplars.
//
// Exemplars reach a scraper that asks for OpenMetrics or protobuf, as a
// Prometheus server started with --enable-feature=exemplar-storage does; the
// classic text format has no room for them. The span is read with
// go.opentelemetry.io/otel/trace's SpanContextFromContext: any tracer that
// puts an OpenTelemetry span in the context works, no SDK is needed here.
// Without a span in the context nothing is added and nothing allocated; with
// one, an observation allocates once.
//
// Off by default. Every instance on one registry must use the same setting:
// [New] fails on a registry that holds the families made with another.
func WithExemplars() Option {
	return func(c *config) { c.exemplars = true }
}

// Exemplars are kept here rather than given to client_golang's
// ObserveWithExemplar, which builds the exemplar's protobuf message, a label
// map and two hex strings (a dozen allocations) for every observation,
// although a scrape shows only the last one of each bucket. Here an
// observation stores the span's IDs in one small struct, and the message is
// built at scrape time.

// spanExemplar is one observation with the span it was made in.
type spanExemplar struct {
	traceID trace.TraceID
	spanID  trace.SpanID
	value   float64
	at      time.Time
}

func (e *spanExemplar) message() *dto.Exemplar {
	return &dto.Exemplar{
		Label: []*dto.LabelPair{
			{Name: new("trace_id"), Value: new(e.traceID.String())},
			{Name: new("span_id"), Value: new(e.spanID.String())},
		},
		Value:     new(e.value),
		Timestamp: timestamppb.New(e.at),
	}
}

// exemplarSlots holds the last exemplar of each classic bucket of one
// histogram series.
type exemplarSlots struct {
	bounds []float64                      // the classic upper bounds, ascending
	last   []atomic.Pointer[spanExemplar] // one per bound, then +Inf
}

// observe stores v as the exemplar of its bucket when ctx carries a sampled
// span.
// It does nothing on a nil s (exemplars are off) or a nil ctx.
func (s *exemplarSlots) observe(ctx context.Context, v float64) {
	if s == nil || ctx == nil {
		return
	}
	// An unsampled span is not recorded by its tracer: an exemplar would
	// point at a trace that does not exist.
	sc := trace.SpanContextFromContext(ctx)
	if !sc.IsValid() || !sc.IsSampled() {
		return
	}
	s.last[sort.SearchFloat64s(s.bounds, v)].Store(&spanExemplar{traceID: sc.TraceID(), spanID: sc.SpanID(), value: v, at: time.Now()})
}

// exemplarIndex finds the exemplars of the histogram series collected from a
// family: the series that client_golang collects is the very child the
// exemplars were observed beside.
type exemplarIndex struct {
	slots sync.Map // prometheus.Metric (a histogram child) -> *exemplarSlots
}

// slotsFor returns the exemplars of child, a series of a histogram family
// with buckets bounds, or nil when exemplars are off (x is nil). Children
// are made under the lock of a series cache, rarely: two keys of a cache
// that share one child (their label values made valid alike) share its
// exemplars too.
func (x *exemplarIndex) slotsFor(child prometheus.Observer, bounds []float64) *exemplarSlots {
	if x == nil {
		return nil
	}
	key, ok := child.(prometheus.Metric)
	if !ok {
		return nil
	}
	if s, ok := x.slots.Load(key); ok {
		return s.(*exemplarSlots)
	}
	s, _ := x.slots.LoadOrStore(key, &exemplarSlots{bounds: bounds, last: make([]atomic.Pointer[spanExemplar], len(bounds)+1)})
	return s.(*exemplarSlots)
}

// collect collects family into ch, each series with its exemplars: as
// they are when exemplars are off (x is nil).
func (x *exemplarIndex) collect(family prometheus.Collector, ch chan<- prometheus.Metric) {
	if x == nil {
		family.Collect(ch)
		return
	}
	series := make(chan prometheus.Metric)
	go func() {
		family.Collect(series)
		close(series)
	}()
	for m := range series {
		if s, ok := x.slots.Load(m); ok {
			m = withExemplars{Metric: m, slots: s.(*exemplarSlots)}
		}
		ch <- m
	}
}

// withExemplars is a histogram series shown with its exemplars.
type withExemplars struct {
	prometheus.Metric
	slots *exemplarSlots
}

// Write implements prometheus.Metric: the series as client_golang writes
// it, with the exemplar of each bucket that has one, as client_golang
// places them (an exemplar of +Inf adds that bucket, otherwise implicit),
// and all of them in the native form when there is one.
func (w withExemplars) Write(out *dto.Metric) error {
	if err := w.Metric.Write(out); err != nil {
		return err
	}
	h := out.GetHistogram()
	if h == nil || len(h.GetBucket()) != len(w.slots.bounds) {
		return nil // not the classic series the slots were made for
	}
	for i := range w.slots.last {
		e := w.slots.last[i].Load()
		if e == nil {
			continue
		}
		m := e.message()
		if i < len(w.slots.bounds) {
			h.Bucket[i].Exemplar = m
		} else {
			h.Bucket = append(h.Bucket, &dto.Bucket{CumulativeCount: new(h.GetSampleCount()), UpperBound: new(math.Inf(1)), Exemplar: m})
		}
		if h.Schema != nil {
			h.Exemplars = append(h.Exemplars, m)
		}
	}
	return nil
}
