package metrics

import (
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/statuspage"
)

// StatusPage serves a live status page of the default instance for people
// to read: handlers with their rate, error ratio and 95th percentile
// duration; Bot API calls by method and failed calls by reason; updates by
// type with their lag, and handlers in flight; LLM requests, tokens,
// dollars and time to first token by model; HTTP calls by service
// (app_type). Before [Init] it shows the process-wide default registry.
//
// The page is served at the directory the handler is mounted on (GET "/"
// or "/ops/" of an [http.ServeMux]), with its script, style sheet and icon
// beside it (status.js, status.css, status.svg); its script reads the
// exposition from "prometheus" relative to the page, so mount it where
// that path is [Handler], as [WithStatusPage] does. The tables are filled
// in at request time and readable without script; with script they
// refresh every 5 s and chart recent rates. Each table shows at most its
// 50 busiest rows. Everything is embedded and served with a
// Content-Security-Policy that allows nothing from elsewhere: the page
// makes no request but to its own server.
func StatusPage() http.Handler {
	return statuspage.Handler(func() (prometheus.Gatherer, string) { return Default().statusSource() }, statusMetricsPath)
}

// StatusPage serves m's status page; see the package-level [StatusPage].
func (m *Metrics) StatusPage() http.Handler {
	return statuspage.Handler(m.statusSource, statusMetricsPath)
}

// statusMetricsPath is MetricsPath relative to the status page's directory.
var statusMetricsPath = strings.TrimPrefix(MetricsPath, "/")

// statusSource returns the registry the status page shows and its title.
func (m *Metrics) statusSource() (prometheus.Gatherer, string) {
	if m == nil {
		return prometheus.DefaultGatherer, "genapp status"
	}
	return m.gatherer, m.project + " (" + m.env + ") status"
}

// WithStatusPage serves [StatusPage] at GET /, under the same TLS and
// authentication as /prometheus.
func WithStatusPage() ServeOption {
	return func(sc *serveConfig) { sc.statusPage = true }
}
