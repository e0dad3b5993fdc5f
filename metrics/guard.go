package metrics

import (
	"log/slog"
	"sync/atomic"
)

// DefaultMaxSeries is the default limit of series per genapp_* family.
const DefaultMaxSeries = 2000

// OverflowValue is the action name or HTTP resource that new values are
// folded into once their families hold the maximum number of series: a bug
// or hostile input that makes names or paths up at will then costs one
// series, not one per value. genapp_series_overflow_total{label="name"} and
// {label="resource"} count the folded observations, and a warning is logged
// the first time each label folds.
const OverflowValue = "{overflow}"

// guard bounds the caches of action names and HTTP exchanges. A new name can
// create two series in genapp_action_count_total (ok and error) and a new
// exchange two in genapp_http_request_size_bytes (in and out), so each cache
// admits maxSeries/2 keys: then no family holds more than maxSeries series,
// plus those of the overflow value.
type guard struct {
	maxKeys int
	logger  *slog.Logger
	warned  [len(foldLabels)]atomic.Bool
}

const (
	foldName = iota
	foldResource
	foldLLM
)

var foldLabels = [...]string{foldName: "name", foldResource: "resource", foldLLM: "llm"}

// fold counts one observation folded into OverflowValue and warns once per
// label.
func (f *families) fold(label int) {
	f.overflow.WithLabelValues(foldLabels[label]).Inc()
	if f.warned[label].CompareAndSwap(false, true) {
		f.logger.Warn("metrics: series limit reached, new values are folded into "+OverflowValue,
			"label", foldLabels[label], "max_series_per_family", 2*f.maxKeys)
	}
}
