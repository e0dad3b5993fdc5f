package metrics

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// Envs returns the values allowed for the env label, in the order error
// messages name them. The slice is the caller's: changing it changes nothing
// here.
func Envs() []string { return slices.Clone(envs) }

var envs = []string{"dev", "preprod", "prod"}

// Metrics holds the genapp_* families of one project and environment.
//
// All methods are safe for concurrent use. A nil *Metrics is valid and records
// nothing, which is what the package-level functions use before [Init].
// [Track], [Wrap], [RecordHTTP], [Middleware] and [Handler] use the default
// instance; the methods of the same name use m. The counterpart of the
// generic [WrapValue] is [WrapValueIn], as methods cannot have type
// parameters. The packages of this module outside metrics record in the
// default instance too, or in the one given to their WithMetrics option
// ([WithMetrics] for the router adapters).
//
// A *Metrics is not a prometheus.Collector: its families are registered by
// [New] in the registry of [WithRegistry] (or the default one), and [Metrics.Handler]
// serves that registry.
type Metrics struct {
	project, env string
	gatherer     prometheus.Gatherer
	handler      http.Handler
	f            *families
	process      *processGauges // nil in the LLMCommon22 mode
}

// families is the one collector registered for an app and env: the
// genapp_* families of its [Compatibility], in groups, with the caches of
// their children. Registering them as one collector makes registration all
// or none, and lets a second Init on the same registry find and share them
// (through AlreadyRegisteredError), so that counts and series limits hold
// per family, not per instance.
type families struct {
	http     httpFamilies      // http.go
	action   actionFamilies    // action.go
	llm      llmFamilies       // llm_families.go
	telegram *telegramFamilies // telegram.go
	audience *audienceFamilies // telegram_audience.go
	pools    *sqlPools         // sqlpool.go

	compat     Compatibility
	histograms histograms
	exemplars  *exemplarIndex // nil: WithExemplars is off

	actions  seriesCache[string, *actionSeries]
	failures seriesCache[failureKey, prometheus.Counter] // genapp_action_count_total{status="error"} in 2.6
	https    seriesCache[exchangeKey, *httpSeries]
	guard    // guard.go, with genapp_series_overflow_total
}

// Option configures [New] and [Init]: [WithRegistry], [WithMaxSeries],
// [WithLogger], [WithCompatibility], [WithNativeHistograms],
// [WithExemplars], [WithLLMPrices] and [WithActiveUsers]. The other functions of this package that take options have
// option types of their own, so that an option given to the wrong function
// does not compile: [MiddlewareOption] for [Middleware], [ServeOption] for
// [Serve].
type Option func(*config)

type config struct {
	registerer  prometheus.Registerer
	gatherer    prometheus.Gatherer
	maxSeries   int
	logger      *slog.Logger
	compat      Compatibility
	histograms  histograms
	exemplars   bool
	prices      *LLMPrices         // nil: the embedded table
	activeUsers *activeUsersConfig // nil: WithActiveUsers is off
	errs        []error            // what the options found wrong, returned by New
}

// WithMaxSeries bounds every genapp_* family to at most n series (default
// [DefaultMaxSeries]), those of [OverflowValue] included. An action name or an
// HTTP exchange may take two series in one family (status ok and error,
// direction in and out), so (n-2)/2 names and (n-2)/2 exchanges are kept
// as they are: WithMaxSeries(2000) keeps 999 of each. n must be at least 4.
func WithMaxSeries(n int) Option {
	return func(c *config) {
		if n < minSeries {
			c.errs = append(c.errs, fmt.Errorf("metrics: WithMaxSeries(%d): the limit must be at least %d, room for one value and the overflow in each family", n, minSeries))
			return
		}
		c.maxSeries = n
	}
}

// WithLogger sets where the one-time warnings about folded values go
// (default, and when l is nil, slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(c *config) { c.logger = l }
}

// WithRegistry registers the families in reg and serves reg from
// [Metrics.Handler], instead of the process-wide default registry. reg must
// not be nil.
func WithRegistry(reg *prometheus.Registry) Option {
	return func(c *config) {
		if reg == nil {
			c.errs = append(c.errs, errors.New("metrics: WithRegistry(nil): give a *prometheus.Registry, or leave the option out to use the process-wide default registry"))
			return
		}
		c.registerer, c.gatherer = reg, reg
	}
}

var defaultMetrics atomic.Pointer[Metrics]

// Default returns the instance made by the last successful [Init], or nil
// when Init has not been called.
func Default() *Metrics { return defaultMetrics.Load() }

// Init builds the genapp_* families for project in env and makes them the
// process default used by the package-level functions. It is the analogue
// of llm_common's build_prometheus_metrics. env is one of dev, preprod and
// prod, as in llm_common, whose dashboards and alerts select on it: a
// staging or test environment is preprod. Unit tests need no Init: until
// then everything works and records nothing.
//
// Calling Init again is safe: on the same registry with the same project and
// env the families already registered are reused, so nothing is counted twice
// and nothing panics. With another project or env the new pair's families
// join the first's, whose series stay, and the genapp_process_* gauges,
// which describe the one process, move to the new pair.
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
	if err := errors.Join(c.errs...); err != nil {
		return nil, err
	}
	if c.logger == nil {
		c.logger = slog.Default()
	}
	if c.prices == nil {
		var err error
		if c.prices, err = embeddedLLMPrices(); err != nil {
			return nil, err
		}
	}
	made := newFamilies(prometheus.Labels{"app": project, "env": env}, c)
	f, registered, err := register(c.registerer, made, "genapp families")
	if err != nil {
		return nil, err
	}
	if !registered {
		if err := f.sameShape(made); err != nil {
			return nil, err
		}
	}
	m := &Metrics{project: project, env: env, gatherer: c.gatherer, handler: handlerFor(c.gatherer), f: f}
	if f.compat != LLMCommon22 {
		if m.process, err = registerProcessGauges(c.registerer, project, env); err != nil {
			if registered { // all or none; families found registered are another instance's too
				c.registerer.Unregister(f)
			}
			return nil, err
		}
	}
	return m, nil
}

// register registers c in reg and reports true, or returns the collector of
// c's type already registered there with the same Descs, which an instance
// made before registered, and false.
func register[C prometheus.Collector](reg prometheus.Registerer, c C, what string) (C, bool, error) {
	err := reg.Register(c)
	if err == nil {
		return c, true, nil
	}
	var are prometheus.AlreadyRegisteredError
	if errors.As(err, &are) {
		if existing, ok := are.ExistingCollector.(C); ok {
			return existing, false, nil
		}
	}
	var none C
	return none, false, fmt.Errorf("metrics: registering %s: %w", what, err)
}

func validate(project, env string) error {
	if strings.TrimSpace(project) == "" {
		return errors.New("metrics: project name is empty: it becomes the app label, give the service's name")
	}
	if !utf8.ValidString(project) {
		return fmt.Errorf("metrics: project name %q is not valid UTF-8", project)
	}
	if !slices.Contains(envs, env) {
		return fmt.Errorf("metrics: env %q is not allowed: use one of %s (a staging or test environment is preprod; unit tests need no Init)", env, strings.Join(envs, ", "))
	}
	if len(project) > MaxLabelLen {
		return fmt.Errorf("metrics: project name of %d bytes: it becomes the app label, at most MaxLabelLen (%d) bytes", len(project), MaxLabelLen)
	}
	return nil
}

// Project returns the value of the app label.
func (m *Metrics) Project() string { return m.project }

// Env returns the value of the env label.
func (m *Metrics) Env() string { return m.env }

// Gatherer returns the registry the families are registered in: the one
// given to [WithRegistry], else the process-wide default.
func (m *Metrics) Gatherer() prometheus.Gatherer { return m.gatherer }

// newFamilies makes the families of every group with app and env as
// constant labels: the exposition carries them like any label, and the hot
// path hashes two label values fewer.
func newFamilies(constLabels prometheus.Labels, c config) *families {
	var exemplars *exemplarIndex
	if c.exemplars {
		exemplars = new(exemplarIndex)
	}
	h := c.histograms
	f := &families{
		compat:     c.compat,
		histograms: h,
		exemplars:  exemplars,
		http:       newHTTPFamilies(constLabels, h, exemplars),
		action:     newActionFamilies(constLabels, h, exemplars, c.compat),
		llm:        newLLMFamilies(constLabels, h, c.prices),
		telegram:   newTelegramFamilies(constLabels, h),
		audience:   newAudienceFamilies(constLabels, activeUsersOf(c)),
		pools:      newSQLPools(constLabels),
	}
	f.initGuard(constLabels, c.maxSeries, c.logger)
	return f
}

// sameShape returns an error when g, the families an option set would make,
// differ from f, those registered, in what the registration cannot see:
// the Descs of histograms, exemplars and price tables are the same either way.
func (f *families) sameShape(g *families) error {
	switch {
	case f.histograms != g.histograms:
		return fmt.Errorf("metrics: the registry holds genapp families made with native histogram factor %v, not %v (0: WithNativeHistograms off): give every instance on one registry the same options", f.histograms.nativeFactor, g.histograms.nativeFactor)
	case (f.exemplars == nil) != (g.exemplars == nil):
		return fmt.Errorf("metrics: the registry holds genapp families made with WithExemplars %s: give every instance on one registry the same options", onOff(f.exemplars != nil))
	case activeUsersPrecision(f) != activeUsersPrecision(g):
		return fmt.Errorf("metrics: the registry holds genapp families with WithActiveUsers at precision %d, not %d (0: off): give every instance on one registry the same options", activeUsersPrecision(f), activeUsersPrecision(g))
	case f.llm.prices != g.llm.prices:
		return fmt.Errorf("metrics: the registry holds genapp families that price LLM tokens with the table %s of %s, not %s of %s: give every instance on one registry the same WithLLMPrices",
			f.llm.prices.source, f.llm.prices.updated, g.llm.prices.source, g.llm.prices.updated)
	}
	return nil
}

// activeUsersOf returns the configuration of the active-users sketch, nil
// when it is off: without WithActiveUsers, or in the LLMCommon22 mode.
func activeUsersOf(c config) *activeUsersConfig {
	if c.compat == LLMCommon22 {
		return nil
	}
	return c.activeUsers
}

// activeUsersPrecision returns the precision of f's sketch, 0 without one.
func activeUsersPrecision(f *families) int {
	if f.audience.users == nil {
		return 0
	}
	return int(f.audience.users.p)
}

func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}

// groups returns the family groups f exposes, each a collector: in the
// [LLMCommon22] mode, those of llm_common 2.2.0 alone.
func (f *families) groups() []prometheus.Collector {
	groups := []prometheus.Collector{&f.http, &f.action, f.overflow}
	if f.compat == LLMCommon22 {
		return groups
	}
	return append(groups, &f.llm, f.telegram, f.audience, f.pools)
}

// Describe implements prometheus.Collector.
func (f *families) Describe(ch chan<- *prometheus.Desc) { describe(ch, f.groups()...) }

// Collect implements prometheus.Collector.
func (f *families) Collect(ch chan<- prometheus.Metric) { collect(ch, f.groups()...) }

// describe sends the Descs of collectors to ch.
func describe(ch chan<- *prometheus.Desc, collectors ...prometheus.Collector) {
	for _, c := range collectors {
		c.Describe(ch)
	}
}

// collect sends the series of collectors to ch.
func collect(ch chan<- prometheus.Metric, collectors ...prometheus.Collector) {
	for _, c := range collectors {
		c.Collect(ch)
	}
}
