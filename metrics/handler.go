package metrics

import (
	"net/http"
	"slices"
	"strings"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// Handler serves the default instance's registry in the Prometheus text
// format or OpenMetrics, as the scraper asks, gzip-compressed when it accepts
// gzip: the /prometheus endpoint, the analogue of llm_common's
// fastapi_endpoint_for_prometheus. Before [Init] it serves the process-wide
// default registry, so it works, without genapp_* families, in any case.
//
// The OpenMetrics it serves is strictly valid: OpenMetrics names a
// counter's family without the _total suffix, so a family of another type
// with that name would be a second family of the same name, which strict
// parsers reject. The Go collector of the default registry has one, the
// gauge go_memstats_alloc_bytes beside the counter
// go_memstats_alloc_bytes_total; such a family is left out of OpenMetrics
// (go_memstats_heap_alloc_bytes has the same value) and kept in the
// Prometheus text format.
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

// handlerFor serves g, leaving out of OpenMetrics the families that clash
// with a counter's there (see [Handler]).
func handlerFor(g prometheus.Gatherer) http.Handler {
	formats := expfmt.DefaultOpenMetricsAcceptedFormats()
	opts := promhttp.HandlerOpts{EnableOpenMetrics: true, AcceptedFormats: formats}
	text := promhttp.HandlerFor(g, opts)
	openMetrics := promhttp.HandlerFor(openMetricsGatherer{g}, opts)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if expfmt.NegotiateAccept(r.Header, formats...).FormatType() == expfmt.TypeOpenMetrics {
			openMetrics.ServeHTTP(w, r)
			return
		}
		text.ServeHTTP(w, r)
	})
}

// openMetricsGatherer gathers for OpenMetrics: it leaves out every family,
// other than a counter, named as a counter's OpenMetrics family is (its
// name without _total).
type openMetricsGatherer struct{ prometheus.Gatherer }

// Gather implements prometheus.Gatherer.
func (g openMetricsGatherer) Gather() ([]*dto.MetricFamily, error) {
	mfs, err := g.Gatherer.Gather()
	counters := make(map[string]bool)
	for _, mf := range mfs {
		if mf.GetType() == dto.MetricType_COUNTER {
			counters[strings.TrimSuffix(mf.GetName(), "_total")] = true
		}
	}
	return slices.DeleteFunc(mfs, func(mf *dto.MetricFamily) bool {
		return mf.GetType() != dto.MetricType_COUNTER && counters[mf.GetName()]
	}), err
}
