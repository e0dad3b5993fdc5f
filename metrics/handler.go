package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Handler serves the default instance's registry in the Prometheus text
// format or OpenMetrics, as the scraper asks, gzip-compressed when it accepts
// gzip: the /prometheus endpoint, the analogue of llm_common's
// fastapi_endpoint_for_prometheus. Before [Init] it serves the process-wide
// default registry, so it works, without genapp_* families, in any case.
func Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		Default().Handler().ServeHTTP(w, r)
	})
}

var defaultHandler = handlerFor(prometheus.DefaultGatherer)

// Handler serves m's registry; see the package-level [Handler].
func (m *Metrics) Handler() http.Handler {
	if m == nil {
		return defaultHandler
	}
	return m.handler
}

func handlerFor(g prometheus.Gatherer) http.Handler {
	return promhttp.HandlerFor(g, promhttp.HandlerOpts{EnableOpenMetrics: true})
}
