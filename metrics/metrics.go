package metrics

import (
	"errors"
	"fmt"
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
	handler      http.Handler

	httpRequests   *prometheus.CounterVec
	httpDuration   *prometheus.HistogramVec
	httpSize       *prometheus.HistogramVec
	actionCount    *prometheus.CounterVec
	actionDuration *prometheus.HistogramVec
	actionSize     *prometheus.CounterVec

	actions seriesCache[string, *actionSeries]
	https   seriesCache[exchangeKey, *httpSeries]
}

// Option configures [New] and [Init].
type Option func(*config)

type config struct {
	registerer prometheus.Registerer
	gatherer   prometheus.Gatherer
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
	c := config{registerer: prometheus.DefaultRegisterer, gatherer: prometheus.DefaultGatherer}
	for _, o := range opts {
		o(&c)
	}
	m := &Metrics{project: project, env: env, handler: handlerFor(c.gatherer)}
	if err := m.register(c.registerer); err != nil {
		return nil, err
	}
	return m, nil
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

// Buckets of the histograms, as in llm_common 2.2.0.
var (
	httpDurationBuckets   = []float64{0.1, 0.5, 1, 3, 5, 10, 20, 30, 60, 120, 300, 600, 3600}
	httpSizeBuckets       = []float64{100, 1e3, 5e3, 1e4, 5e4, 1e5, 5e5, 1e6, 5e6, 1e7, 5e7, 1e8, 5e8, 1e9}
	actionDurationBuckets = []float64{0.01, 0.1, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 600, 3600, 43200, 86400}
)

// register creates the six families with app and env as constant labels
// (the exposition carries them like any label, and the hot path hashes two
// label values fewer) and registers them all or none.
func (m *Metrics) register(r prometheus.Registerer) error {
	constLabels := prometheus.Labels{"app": m.project, "env": m.env}
	m.httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "genapp_http_requests_total", Help: "Total number of HTTP requests", ConstLabels: constLabels,
	}, []string{"method", "status", "resource", "app_type"})
	m.httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "genapp_http_request_duration_sec", Help: "HTTP request latency in seconds", ConstLabels: constLabels,
		Buckets: httpDurationBuckets,
	}, []string{"method", "status", "resource", "app_type"})
	m.httpSize = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "genapp_http_request_size_bytes", Help: "HTTP request or response size in bytes", ConstLabels: constLabels,
		Buckets: httpSizeBuckets,
	}, []string{"resource", "status", "method", "direction", "app_type"})
	m.actionCount = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "genapp_action_count_total", Help: "Total action requests", ConstLabels: constLabels,
	}, []string{"name", "status"})
	m.actionDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "genapp_action_duration_sec", Help: "Action request latency", ConstLabels: constLabels,
		Buckets: actionDurationBuckets,
	}, []string{"name"})
	m.actionSize = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "genapp_action_size_total", Help: "Total event size", ConstLabels: constLabels,
	}, []string{"name"})

	g := registration{r: r}
	reuse(&g, &m.httpRequests)
	reuse(&g, &m.httpDuration)
	reuse(&g, &m.httpSize)
	reuse(&g, &m.actionCount)
	reuse(&g, &m.actionDuration)
	reuse(&g, &m.actionSize)
	if g.err != nil {
		for _, c := range g.added {
			r.Unregister(c)
		}
		return g.err
	}
	return nil
}

// registration registers a group of collectors all or none.
type registration struct {
	r     prometheus.Registerer
	added []prometheus.Collector
	err   error
}

// reuse registers *c, or when an identical family is already registered
// (a second Init) replaces *c by the registered one.
func reuse[C prometheus.Collector](g *registration, c *C) {
	if g.err != nil {
		return
	}
	err := g.r.Register(*c)
	if err == nil {
		g.added = append(g.added, *c)
		return
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			*c = existing
			return
		}
	}
	g.err = fmt.Errorf("metrics: registering genapp families: %w", err)
}
