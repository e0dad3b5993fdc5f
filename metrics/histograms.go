package metrics

import (
	"fmt"
	"math"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// DefaultNativeHistogramFactor is the bucket factor to give
// [WithNativeHistograms] unless you have a reason to choose another: each
// bucket at most 10% wider than the one below it, 8 buckets per power of
// two, client_golang's recommended trade-off between cost and accuracy.
const DefaultNativeHistogramFactor = 1.1

// The bounds of a native histogram's memory, the same for every genapp_*
// histogram: see WithNativeHistograms.
const (
	nativeMaxBuckets = 160
	nativeMinReset   = time.Hour
)

// WithNativeHistograms makes every genapp_* histogram a native histogram
// too: besides its classic buckets, which stay exactly those of llm_common,
// each series carries exponential buckets whose width grows by at most
// factor from one to the next (use [DefaultNativeHistogramFactor]). factor
// must be greater than 1 and at most 2^16. Without this option the page is
// exactly what it was: native buckets are off by default.
//
// Native buckets reach only a scraper that asks for the protobuf format (a
// Prometheus server with native histograms enabled); the text formats carry
// the classic buckets alone. Which Prometheus versions and scrape settings
// keep which form is in docs/metrics.md: a Prometheus 2.x scraping with
// native histograms enabled keeps only the native form unless told to keep
// the classic one too (scrape_classic_histograms, 2.45 and later), and its
// dashboards then find no _bucket series.
//
// Each series holds at most 160 populated native buckets (a span of about 2^20
// at factor 1.1, such as 1 ms to 17 min), so that no input can make one grow
// without bound. A series that needs more is reset, classic buckets, count
// and sum included, if its last reset is at least an hour old: rate and
// increase read that as the counter reset it is. Within the hour, its native
// resolution is halved instead, as often as needed, and restored at the next
// reset.
//
// Every instance on one registry must use the same setting: [New] fails on a
// registry that holds the families made with another.
func WithNativeHistograms(factor float64) Option {
	return func(c *config) {
		if !(factor > 1 && factor <= math.Exp2(16)) { // also refuses NaN
			c.errs = append(c.errs, fmt.Errorf("metrics: WithNativeHistograms(%v): the bucket factor must be greater than 1 and at most 65536; %v (DefaultNativeHistogramFactor) suits most uses", factor, DefaultNativeHistogramFactor))
			return
		}
		c.histograms.nativeFactor = factor
	}
}

// histograms makes the genapp_* histogram families. Every one of them is
// made by newVec, so that the options that shape histograms reach each
// family, present and future, and the classic buckets stay as given.
type histograms struct {
	nativeFactor float64 // 0: classic buckets only
}

func (h histograms) newVec(opts prometheus.HistogramOpts, labels []string) *prometheus.HistogramVec {
	if h.nativeFactor > 0 {
		opts.NativeHistogramBucketFactor = h.nativeFactor
		opts.NativeHistogramMaxBucketNumber = nativeMaxBuckets
		opts.NativeHistogramMinResetDuration = nativeMinReset
		// Exemplars of the native form are added at collection, from those of
		// WithExemplars: client_golang's own store would go unused.
		opts.NativeHistogramMaxExemplars = -1
	}
	return prometheus.NewHistogramVec(opts, labels)
}
