package metrics

import (
	"log/slog"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultMaxSeries is the default limit of series per genapp_* family.
const DefaultMaxSeries = 2000

// MaxLabelLen bounds the length in bytes of every label value this package
// records, whoever supplies it: action names, HTTP resources and app_type
// values longer than this (and empty action names) are folded into
// [OverflowValue]. It leaves room for any route pattern or action name
// written by hand (telegram.MaxNameLen is 100) and keeps a full scrape small.
const MaxLabelLen = 128

// OverflowValue is the label value that observations are folded into when
// recording them as they are would let whoever supplies the values make
// series at will:
//
//   - an action name or HTTP resource or app_type longer than [MaxLabelLen],
//     or an empty action name, is recorded with that one label folded;
//   - once a family holds the most series [WithMaxSeries] allows, an action
//     with a new name is recorded under name="{overflow}", and an HTTP
//     exchange with a new combination of method, status, resource and
//     app_type under "{overflow}" in all four labels: statuses, methods and
//     app_type values are as bounded as resources;
//   - an LLM call (see [LLMCall]) with a label value longer than
//     [MaxLabelLen] is recorded with that label folded, and once the
//     genapp_llm_* families are full, a call with a new combination of
//     labels under "{overflow}" in all six shared labels (a new error name
//     of genapp_llm_errors_total, in those and name);
//   - a failed action's error name (see [NamedError]) longer than
//     [MaxLabelLen] is recorded as error_name="{overflow}", and once
//     genapp_action_count_total holds as many failure series as it may, a
//     failure with a new pair of name and error name under "{overflow}" in
//     both;
//   - a Bot API method of genapp_telegram_flood_wait_sec (see
//     [Metrics.RecordTelegramFloodWait]) that is empty or longer than
//     [MaxLabelLen], or new once the family is full, is recorded as
//     method="{overflow}".
//
// genapp_series_overflow_total counts each folded observation once, by the
// label that did not fit: label="name" for actions; for HTTP exchanges
// label="resource" when the resource was too long or the series limit was
// reached, else label="app_type"; label="llm" for LLM calls; label="error_name"
// for error names. A warning is
// logged the first time each label folds for each reason.
const OverflowValue = "{overflow}"

// guard bounds the caches of action names, failures and HTTP exchanges. A
// name takes one series in genapp_action_count_total with status ok, and
// each pair of name and error name one with status error (two caches of
// maxKeys keys each, and their overflow keys); an exchange takes two in
// genapp_http_request_size_bytes (in and out), and so does the overflow
// exchange: with maxKeys = (maxSeries-2)/2, no family holds more than
// maxSeries series.
type guard struct {
	maxSeries, maxKeys int
	logger             *slog.Logger
	overflow           *prometheus.CounterVec                         // genapp_series_overflow_total
	folded             [len(foldLabels)]lazyChild[prometheus.Counter] // its series, by label
	warned             [len(foldLabels)][len(foldReasons)]atomic.Bool
}

// minSeries is the smallest limit: room for one value and the overflow.
const minSeries = 4

// initGuard sets the limits of f's guard and where it warns, and makes
// genapp_series_overflow_total, where it counts.
func (f *families) initGuard(constLabels prometheus.Labels, maxSeries int, logger *slog.Logger) {
	f.maxSeries, f.maxKeys, f.logger = maxSeries, (maxSeries-2)/2, logger
	f.overflow = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "genapp_series_overflow_total",
		Help: "Observations whose action name or error name, HTTP labels, LLM labels or Telegram method were folded into " + OverflowValue +
			" because they were too long or their families reached their series limit",
		ConstLabels: constLabels,
	}, []string{"label"})
	for i, label := range foldLabels {
		f.folded[i] = lazyWith(f.overflow.WithLabelValues, label)
	}
}

// The labels that fold, as genapp_series_overflow_total names them.
const (
	foldName = iota
	foldResource
	foldAppType
	foldLLM
	foldErrorName
	foldMethod
)

var foldLabels = [...]string{foldName: "name", foldResource: "resource", foldAppType: "app_type", foldLLM: "llm", foldErrorName: "error_name", foldMethod: "method"}

// Why a value folds, as the warning says it.
const (
	limitReached = iota
	valueTooLong
	valueEmpty
)

var foldReasons = [...]string{
	limitReached: "series limit reached",
	valueTooLong: "label value longer than MaxLabelLen",
	valueEmpty:   "empty label value",
}

// fit returns the reason v cannot be recorded as it is, or -1.
func fit(v string, emptyFolds bool) int {
	switch {
	case len(v) > MaxLabelLen:
		return valueTooLong
	case v == "" && emptyFolds:
		return valueEmpty
	}
	return -1
}

// fold counts one observation folded into OverflowValue under label, and
// warns once per label and reason.
func (f *families) fold(label, reason, valueLen int) {
	f.folded[label].get().Inc()
	f.warn(label, reason, valueLen)
}

// warn logs the first fold of label for reason.
func (f *families) warn(label, reason, valueLen int) {
	if f.warned[label][reason].CompareAndSwap(false, true) {
		f.logger.Warn("metrics: "+foldReasons[reason]+", values are folded into "+OverflowValue,
			"label", foldLabels[label], "value_bytes", valueLen,
			"max_label_bytes", MaxLabelLen, "max_series_per_family", f.maxSeries)
	}
}

// labelValue is v as a label value: valid UTF-8 (client_golang panics on
// anything else), with invalid bytes replaced, and at most MaxLabelLen bytes
// even when the replacements made it longer.
func labelValue(v string) string {
	v = strings.ToValidUTF8(v, "\uFFFD")
	if len(v) <= MaxLabelLen {
		return v
	}
	n := MaxLabelLen
	for n > 0 && !utf8.RuneStart(v[n]) {
		n--
	}
	return v[:n]
}
