package metrics

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// Envs lists the values allowed for the env label, in the order they are
// named in error messages.
var Envs = []string{"dev", "preprod", "prod"}

// Metrics holds the six genapp_* families of one project and environment.
//
// All methods are safe for concurrent use. A nil *Metrics is valid and records
// nothing, which is what the package-level functions use before [Init].
type Metrics struct {
	project, env string
	gatherer     prometheus.Gatherer
	handler      http.Handler
	*families
}

// families is the one collector registered for an app and env: the seven
// families (and the genapp_llm_* ones) with the caches of their children. Registering them as one
// collector makes registration all or none, and lets a second Init on the
// same registry find and share them (through AlreadyRegisteredError), so that
// counts and series limits hold per family, not per instance.
type families struct {
	httpRequests   *prometheus.CounterVec
	httpDuration   *prometheus.HistogramVec
	httpSize       *prometheus.HistogramVec
	actionCount    *prometheus.CounterVec
	actionDuration *prometheus.HistogramVec
	actionSize     *prometheus.CounterVec
	overflow       *prometheus.CounterVec
	llm            llmFamilies

	actions seriesCache[string, *actionSeries]
	https   seriesCache[exchangeKey, *httpSeries]
	guard
}

// Option configures [New] and [Init].
type Option func(*config)

type config struct {
	registerer prometheus.Registerer
	gatherer   prometheus.Gatherer
	maxSeries  int
	logger     *slog.Logger
}

// WithMaxSeries bounds every genapp_* family to at most n series (default
// [DefaultMaxSeries]); see [OverflowValue]. n below 2 is raised to 2.
func WithMaxSeries(n int) Option {
	return func(c *config) { c.maxSeries = max(n, 2) }
}

// WithLogger sets where the one-time series limit warnings go (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithRegistry registers the families in reg and serves reg from
// [Metrics.Handler], instead of the process-wide default registry.
func WithRegistry(reg *prometheus.Registry) Option {
	return func(c *config) { c.registerer, c.gatherer = reg, reg }
}

var defaultMetrics atomic.Pointer[Metrics]

// Default returns the instance made by the last successful [Init], or nil
// when Init has not been called.
func Default() *Metrics { return defaultMetrics.Load() }

// Init builds the genapp_* families for project in env (one of dev, preprod,
// prod) and makes them the process default used by the package-level
// functions. It is the analogue of llm_common's build_prometheus_metrics.
//
// Calling Init again is safe: on the same registry with the same project and
// env the families already registered are reused, so nothing is counted twice
// and nothing panics.
func Init(project, env string, opts ...Option) (*Metrics, error) {
	m, err := New(project, env, opts...)
	if err != nil {
		return nil, err
	}
	defaultMetrics.Store(m)
	return m, nil
}

// New is like [Init] but does not touch the process default. Libraries and
// tests use it with [WithRegistry].
func New(project, env string, opts ...Option) (*Metrics, error) {
	if err := validate(project, env); err != nil {
		return nil, err
	}
	c := config{registerer: prometheus.DefaultRegisterer, gatherer: prometheus.DefaultGatherer, maxSeries: DefaultMaxSeries}
	for _, o := range opts {
		o(&c)
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	f := newFamilies(prometheus.Labels{"app": project, "env": env})
	f.maxKeys, f.logger = c.maxSeries/2, c.logger
	if err := c.registerer.Register(f); err != nil {
		var are prometheus.AlreadyRegisteredError
		existing, ok := (*families)(nil), false
		if errors.As(err, &are) {
			existing, ok = are.ExistingCollector.(*families)
		}
		if !ok {
			return nil, fmt.Errorf("metrics: registering genapp families: %w", err)
		}
		f = existing
	}
	return &Metrics{project: project, env: env, gatherer: c.gatherer, handler: handlerFor(c.gatherer), families: f}, nil
}

func validate(project, env string) error {
	if strings.TrimSpace(project) == "" {
		return errors.New("metrics: project name is empty: it becomes the app label, give the service's name")
	}
	if !utf8.ValidString(project) {
		return fmt.Errorf("metrics: project name %q is not valid UTF-8", project)
	}
	for _, e := range Envs {
		if env == e {
			return nil
		}
	}
	return fmt.Errorf("metrics: env %q is not allowed: use one of %s", env, strings.Join(Envs, ", "))
}

// Project returns the value of the app label.
func (m *Metrics) Project() string { return m.project }

// Env returns the value of the env label.
func (m *Metrics) Env() string { return m.env }

// Gatherer returns the registry the families are registered in: the one
// given to [WithRegistry], else the process-wide default.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.gatherer }

// Buckets of the histograms, as in llm_common 2.2.0.
var (
	httpDurationBuckets   = []float64{0.1, 0.5, 1, 3, 5, 10, 20, 30, 60, 120, 300, 600, 3600}
	httpSizeBuckets       = []float64{100, 1e3, 5e3, 1e4, 5e4, 1e5, 5e5, 1e6, 5e6, 1e7, 5e7, 1e8, 5e8, 1e9}
	actionDurationBuckets = []float64{0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 600, 3600, 43200, 86400}
)

// newFamilies creates the families with app and env as constant labels: the
// exposition carries them like any label, and the hot path hashes two label
// values fewer.
func newFamilies(constLabels prometheus.Labels) *families {
	return &families{
		httpRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "genapp_http_requests_total", Help: "Total number of HTTP requests", ConstLabels: constLabels,
		}, []string{"method", "status", "resource", "app_type"}),
		httpDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "genapp_http_request_duration_sec", Help: "HTTP request latency in seconds", ConstLabels: constLabels,
			Buckets: httpDurationBuckets,
		}, []string{"method", "status", "resource", "app_type"}),
		httpSize: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "genapp_http_request_size_bytes", Help: "HTTP request or response size in bytes", ConstLabels: constLabels,
			Buckets: httpSizeBuckets,
		}, []string{"resource", "status", "method", "direction", "app_type"}),
		actionCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "genapp_action_count_total", Help: "Total action requests", ConstLabels: constLabels,
		}, []string{"name", "status"}),
		actionDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "genapp_action_duration_sec", Help: "Action request latency", ConstLabels: constLabels,
			Buckets: actionDurationBuckets,
		}, []string{"name"}),
		actionSize: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "genapp_action_size_total", Help: "Total event size", ConstLabels: constLabels,
		}, []string{"name"}),
		overflow: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "genapp_series_overflow_total",
			Help: "Observations whose action name or HTTP resource was folded into " + OverflowValue +
				" because its families reached their series limit",
			ConstLabels: constLabels,
		}, []string{"label"}),
		llm: newLLMFamilies(constLabels),
	}
}

func (f *families) collectors() []prometheus.Collector {
	return append([]prometheus.Collector{f.httpRequests, f.httpDuration, f.httpSize, f.actionCount, f.actionDuration, f.actionSize, f.overflow},
		f.llm.collectors()...)
}

// Describe implements prometheus.Collector.
func (f *families) Describe(ch chan<- *prometheus.Desc) {
	for _, c := range f.collectors() {
		c.Describe(ch)
	}
}

// Collect implements prometheus.Collector.
func (f *families) Collect(ch chan<- prometheus.Metric) {
	for _, c := range f.collectors() {
		c.Collect(ch)
	}
}
