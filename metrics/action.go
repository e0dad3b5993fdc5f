package metrics

import (
	"context"
	"math"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Action values of the status label.
const (
	StatusOK    = "ok"
	StatusError = "error"
)

// actionFamilies are the genapp_action_* families, with the names, help
// strings, labels and buckets of llm_common: genapp_action_count_total
// without error_name in the [LLMCommon22] mode.
type actionFamilies struct {
	count     *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	size      *prometheus.CounterVec
	exemplars *exemplarIndex // of duration; nil unless WithExemplars
}

var actionDurationBuckets = []float64{0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 600, 3600, 43200, 86400}

func newActionFamilies(constLabels prometheus.Labels, h histograms, exemplars *exemplarIndex, compat Compatibility) actionFamilies {
	countLabels := []string{"name", "status", "error_name"}
	if compat == LLMCommon22 {
		countLabels = countLabels[:2]
	}
	return actionFamilies{
		count: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "genapp_action_count_total", Help: "Total action requests", ConstLabels: constLabels,
		}, countLabels),
		duration: h.newVec(prometheus.HistogramOpts{
			Name: "genapp_action_duration_sec", Help: "Action request latency", ConstLabels: constLabels,
			Buckets: actionDurationBuckets,
		}, []string{"name"}),
		size: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "genapp_action_size_total", Help: "Total event size", ConstLabels: constLabels,
		}, []string{"name"}),
		exemplars: exemplars,
	}
}

// Describe implements prometheus.Collector.
func (a *actionFamilies) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, a.count, a.duration, a.size)
}

// Collect implements prometheus.Collector.
func (a *actionFamilies) Collect(ch chan<- prometheus.Metric) {
	collect(ch, a.count, a.size)
	a.exemplars.collect(a.duration, ch)
}

// actionSeries holds the children of one action name. The status and size
// series are created on first use: like llm_common, a name that never failed
// has no status="error" series and one that never reported a size has no
// genapp_action_size_total series.
type actionSeries struct {
	f        *families
	name     string // the key in f.actions: the name as given, or OverflowValue
	duration prometheus.Observer
	traces   *exemplarSlots // nil unless WithExemplars
	ok       lazyChild[prometheus.Counter]
	failed   lazyChild[prometheus.Counter] // LLMCommon22 only: no error_name
	size     lazyChild[prometheus.Counter]
}

func (m *Metrics) actionSeries(name string) *actionSeries {
	reason := fit(name, true)
	if reason < 0 {
		s, ok := m.f.actions.loadOrCreate(name, m.f.maxKeys, m.f.newActionSeries)
		if ok {
			return s
		}
		reason = limitReached
	}
	m.f.fold(foldName, reason, len(name))
	return m.f.actions.overflow(OverflowValue, m.f.newActionSeries)
}

func (f *families) newActionSeries(name string) *actionSeries {
	v := labelValue(name)
	s := &actionSeries{
		f:        f,
		name:     name,
		duration: f.action.duration.WithLabelValues(v),
		size:     lazyWith(f.action.size.WithLabelValues, v),
	}
	s.traces = f.action.exemplars.slotsFor(s.duration, actionDurationBuckets)
	if f.compat == LLMCommon22 {
		s.ok = lazyWith(f.action.count.WithLabelValues, v, StatusOK)
		s.failed = lazyWith(f.action.count.WithLabelValues, v, StatusError)
	} else {
		s.ok = lazyWith(f.action.count.WithLabelValues, v, StatusOK, "")
	}
	return s
}

// failureKey selects a genapp_action_count_total series with status error.
type failureKey struct{ name, errorName string }

// failure returns the counter of s failing with errorName.
func (s *actionSeries) failure(errorName string) prometheus.Counter {
	if s.f.compat == LLMCommon22 {
		return s.failed.get()
	}
	f := s.f
	reason := fit(errorName, false)
	if reason >= 0 {
		f.fold(foldErrorName, reason, len(errorName))
		errorName = OverflowValue
	}
	if c, ok := f.failures.loadOrCreate(failureKey{s.name, errorName}, f.maxKeys, f.newFailure); ok {
		return c
	}
	f.fold(foldErrorName, limitReached, len(errorName))
	return f.failures.overflow(failureKey{OverflowValue, OverflowValue}, f.newFailure)
}

func (f *families) newFailure(k failureKey) prometheus.Counter {
	return f.action.count.WithLabelValues(labelValue(k.name), StatusError, labelValue(k.errorName))
}

// lazyChild is a child of a family, created by create on first use.
type lazyChild[T any] struct {
	create func() T
	p      atomic.Pointer[T]
}

func (l *lazyChild[T]) get() T {
	if p := l.p.Load(); p != nil {
		return *p
	}
	// Concurrent first uses get the same child from the vec; the last store
	// wins and all stores are equal.
	v := l.create()
	l.p.Store(&v)
	return v
}

func lazyWith[T any](with func(...string) T, labels ...string) lazyChild[T] {
	return lazyChild[T]{create: func() T { return with(labels...) }}
}

// Action is one tracked run of a code section, the analogue of the tracker
// that llm_common's action_tracking context manager yields. Make it with
// [Track] and finish it with a deferred [Action.End], in two lines:
//
//	func refresh(ctx context.Context) (err error) {
//		a := metrics.Track("refresh_task")
//		defer a.End(&err)
//		...
//	}
//
// (defer metrics.Track("refresh_task").End(&err) does not compile: an
// Action is a value, so that tracking allocates nothing, and its methods
// need its address.) For a whole function, [Wrap] and [WrapValue] do both
// lines. An Action is used by one goroutine and ended once.
type Action struct {
	series *actionSeries
	ctx    context.Context // of TrackContext: its span, if any, becomes the exemplar
	start  time.Duration   // on the monotonic clock
	size   int64
	failed bool
}

// Track starts tracking the action name in the default instance; see
// [Action] for its use. It records nothing when [Init] has not been called.
// name must be 1 to [MaxLabelLen] bytes, else the action is recorded under
// [OverflowValue].
func Track(name string) Action { return Default().Track(name) }

// Track starts tracking the action name in m; see the package-level [Track].
func (m *Metrics) Track(name string) Action {
	if m == nil {
		return Action{}
	}
	return Action{series: m.actionSeries(name), start: now()}
}

// TrackContext is [Track] for an action that runs in ctx: with
// [WithExemplars], when ctx carries an OpenTelemetry span, the action's
// duration carries an exemplar with the span's trace_id and span_id. It
// records exactly what Track records, and nothing more when ctx has no span.
func TrackContext(ctx context.Context, name string) Action {
	return Default().TrackContext(ctx, name)
}

// TrackContext starts tracking the action name, which runs in ctx, in m;
// see the package-level [TrackContext].
func (m *Metrics) TrackContext(ctx context.Context, name string) Action {
	if m == nil {
		return Action{}
	}
	return Action{series: m.actionSeries(name), ctx: ctx, start: now()}
}

// Size adds n to the action's genapp_action_size_total when it ends: the
// number of items, tokens or bytes the action handled. Negative n is ignored:
// the family is a counter. A total past the largest int64 stays there.
func (a *Action) Size(n int) {
	if n > 0 {
		a.size += min(int64(n), math.MaxInt64-a.size)
	}
}

// Fail marks the action failed: it ends with status "error" even when no
// error is returned, and error_name [ErrorNameFailed] then.
func (a *Action) Fail() { a.failed = true }

// End records the action: its duration, its size, and its status: "error"
// when *errp is non-nil, when [Action.Fail] was called or when the code
// panics, "ok" otherwise. errp may be nil.
//
// The error_name label says why an action failed, never with the error's
// text: "" when it succeeded; else, in this order, [ErrorNamePanic], the name
// an error in the chain of *errp gives itself (see [NamedError]),
// [ErrorNameDeadline], [ErrorNameCanceled], [ErrorNameTimeout],
// [ErrorNameOther] for any other error, and [ErrorNameFailed] for a
// [Action.Fail] without an error.
//
// End must be deferred directly (defer a.End(&err)) so that it sees a panic;
// it records the panic and lets it continue unchanged. It never changes *errp.
// Called from a deferred closure instead (defer func() { a.End(&err) }()),
// End cannot see a panic, which Go shows only to the deferred function
// itself, and records it by *errp and [Action.Fail] alone: "ok" unless the
// closure sets one of them.
func (a *Action) End(errp *error) {
	if a.series == nil {
		return
	}
	if r := recover(); r != nil {
		a.record(ErrorNamePanic)
		panic(r)
	}
	switch {
	case errp != nil && *errp != nil:
		a.record(errorName(*errp))
	case a.failed:
		a.record(ErrorNameFailed)
	default:
		a.record("")
	}
}

// record records the action, failed with errorName unless it is "".
func (a *Action) record(errorName string) {
	s := a.series
	a.series = nil // a second End records nothing
	d := (now() - a.start).Seconds()
	s.duration.Observe(d)
	s.traces.observe(a.ctx, d)
	if a.size > 0 {
		s.size.get().Add(float64(a.size))
	}
	if errorName != "" {
		s.failure(errorName).Inc()
	} else {
		s.ok.get().Inc()
	}
}

// Wrap returns fn tracked as the action name in the default instance, the
// analogue of llm_common's action_tracking_decorator. The default is looked
// up at each call, so functions may be wrapped before [Init] runs. Each call
// is tracked in the context it is given, as [TrackContext] tracks.
func Wrap(name string, fn func(context.Context) error) func(context.Context) error {
	return wrap(Default, name, fn)
}

// Wrap returns fn tracked as the action name in m.
func (m *Metrics) Wrap(name string, fn func(context.Context) error) func(context.Context) error {
	return wrap(func() *Metrics { return m }, name, fn)
}

// WrapValue is [Wrap] for functions that return a value and an error.
func WrapValue[T any](name string, fn func(context.Context) (T, error)) func(context.Context) (T, error) {
	return wrapValue(Default, name, fn)
}

// WrapValueIn is [WrapValue] recording in m: the counterpart of
// [Metrics.Wrap], since a method cannot have type parameters.
func WrapValueIn[T any](m *Metrics, name string, fn func(context.Context) (T, error)) func(context.Context) (T, error) {
	return wrapValue(func() *Metrics { return m }, name, fn)
}

func wrap(instance func() *Metrics, name string, fn func(context.Context) error) func(context.Context) error {
	tracked := wrapValue(instance, name, func(ctx context.Context) (struct{}, error) { return struct{}{}, fn(ctx) })
	return func(ctx context.Context) error {
		_, err := tracked(ctx)
		return err
	}
}

func wrapValue[T any](instance func() *Metrics, name string, fn func(context.Context) (T, error)) func(context.Context) (T, error) {
	return func(ctx context.Context) (v T, err error) {
		a := instance().TrackContext(ctx, name)
		defer a.End(&err)
		return fn(ctx)
	}
}
