package httpclient

import (
	"net/http"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

// config is what the options set. The zero value is not used: see newConfig.
type config struct {
	appType  string
	resource func(*http.Request) string
	metrics  *metrics.Metrics
	fixed    bool // metrics was set by WithMetrics: do not look up the default

	readers     []newReader // WithReader's, then the LLM usage reader's
	llmProvider string
	llmUsage    *bool // nil: read usage when appType is metrics.AppTypeLLM

	base     http.RoundTripper
	timeout  time.Duration
	insecure bool
}

func newConfig(appType string, resource func(*http.Request) string, opts []Option) *config {
	c := &config{appType: appType, resource: resource}
	for _, o := range opts {
		o.apply(c)
	}
	c.readers = c.withLLMReader(c.readers)
	return c
}

// Option configures [New] and the presets [NewLLM], [NewAuth] and
// [NewTelegram]: [WithBase], [WithTimeout], [WithInsecureSkipVerify], and
// every [TransportOption]. Where the exchanges are recorded (registry, series
// limit) is set on the instance, with metrics.New's options, and the instance
// is given here with [WithMetrics]:
//
//	m, err := metrics.New("bot", "prod", metrics.WithRegistry(reg), metrics.WithMaxSeries(500))
//	...
//	client := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithTimeout(time.Minute))
type Option interface {
	apply(*config)
}

// TransportOption configures what is recorded: [WithAppType], [WithResource],
// [WithMetrics], [WithReader], [WithLLMUsage] and [WithLLMProvider]. It is
// accepted by [NewTransport] as well as by [New] and the presets; options
// that configure the client itself ([WithBase], [WithTimeout],
// [WithInsecureSkipVerify]) are plain Options, so that passing them to
// NewTransport does not compile.
type TransportOption interface {
	Option
	transportOption()
}

type clientOption func(*config)

func (o clientOption) apply(c *config) { o(c) }

type transportOption func(*config)

func (o transportOption) apply(c *config) { o(c) }
func (transportOption) transportOption()  {}

// WithAppType sets the app_type label. The presets set metrics.AppTypeLLM,
// metrics.AppTypeAuth and metrics.AppTypeTelegram; [New] and [NewTransport]
// default to "http_api". An empty appType keeps the default.
func WithAppType(appType string) TransportOption {
	return transportOption(func(c *config) {
		if appType != "" {
			c.appType = appType
		}
	})
}

// WithResource sets the function that names the resource label of a request.
// Its result must be low-cardinality and free of secrets: never return the raw
// path of a URL that carries ids or tokens. The default is
// [metrics.CleanResource] of the URL path; [NewTelegram] uses
// [TelegramResource]. A nil fn keeps the default.
func WithResource(fn func(*http.Request) string) TransportOption {
	return transportOption(func(c *config) {
		if fn != nil {
			c.resource = fn
		}
	})
}

// WithMetrics records into m instead of the process default looked up per
// request with [metrics.Default]. A nil m records nothing, as a nil
// *metrics.Metrics does everywhere.
func WithMetrics(m *metrics.Metrics) TransportOption {
	return transportOption(func(c *config) { c.metrics, c.fixed = m, true })
}

// WithBase sets the transport the instrumented one forwards to. The default
// is [http.DefaultTransport], shared as a plain http.Client shares it. A nil
// base keeps the default.
func WithBase(base http.RoundTripper) Option {
	return clientOption(func(c *config) {
		if base != nil {
			c.base = base
		}
	})
}

// WithTimeout sets the client's [http.Client.Timeout]: the limit on the whole
// exchange, reading of the response body included. A streamed LLM answer
// that outlasts it is cut off; bound such calls with a context deadline
// instead. Zero or negative means no timeout, the default.
func WithTimeout(d time.Duration) Option {
	return clientOption(func(c *config) { c.timeout = max(d, 0) })
}

// WithInsecureSkipVerify turns off TLS certificate verification, the analogue
// of llm_common's LLMHttpClient(verify=False), for internal services with
// self-signed certificates. It applies to a clone of the base transport, which
// must then be an *http.Transport (the default is): with any other base, every
// request fails with an error that says so, and is recorded with status "0".
func WithInsecureSkipVerify() Option {
	return clientOption(func(c *config) { c.insecure = true })
}
