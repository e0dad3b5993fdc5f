package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The genapp_llm_* families: names, help strings and buckets in one place.
// llm_common 2.6 documents the names, types and labels of the first five;
// its help strings and buckets are not published, so those below are this
// module's choice, one edit away from correction. The others are this
// module's extension.
const (
	llmRequestsName  = "genapp_llm_requests_total"
	llmRequestsHelp  = "Total number of LLM requests"
	llmTokensName    = "genapp_llm_tokens_total"
	llmTokensHelp    = "Total number of LLM tokens by token type"
	llmAllTokensName = "genapp_llm_request_all_tokens"
	llmAllTokensHelp = "Tokens of one LLM request, input and output summed"
	llmTypeTokName   = "genapp_llm_request_tokens"
	llmTypeTokHelp   = "Tokens of one LLM request by token type"
	llmErrorsName    = "genapp_llm_errors_total"
	llmErrorsHelp    = "Total number of LLM domain errors (a reply that failed validation, a refusal, a truncated answer) by name"
	llmTTFTName      = "genapp_llm_time_to_first_token_sec"
	llmTTFTHelp      = "Seconds from sending a streamed LLM request until its first output arrived"
	llmTPOTName      = "genapp_llm_time_per_output_token_sec"
	llmTPOTHelp      = "Seconds per output token of a streamed LLM answer after its first output"
	llmCostName      = "genapp_llm_cost_usd_total"
	llmCostHelp      = "Dollars spent on LLM tokens by token type, the types disjoint: their sum is the spend"
	llmUnpricedName  = "genapp_llm_unpriced_tokens_total"
	llmUnpricedHelp  = "LLM tokens by token type of models the price table has no price for"
	llmRejectedName  = "genapp_llm_usage_rejected_total"
	llmRejectedHelp  = "LLM answers whose reported usage was not recorded, by the reason it was rejected"
	llmPriceInfoName = "genapp_llm_price_table_info"
	llmPriceInfoHelp = "The price table genapp_llm_cost_usd_total is computed with: its source and the date of its prices"
	llmRemainingName = "genapp_llm_ratelimit_remaining"
	llmRemainingHelp = "What the provider's rate limit last said is left of the limit in its window, by limit"
	llmLimitName     = "genapp_llm_ratelimit_limit"
	llmLimitHelp     = "The provider's rate limit in its window, as it last said, by limit"
)

var (
	// llmTokenBuckets are the powers of 4 from 1 to 16M, as OpenTelemetry's
	// GenAI conventions use for gen_ai.client.token.usage.
	llmTokenBuckets = prometheus.ExponentialBuckets(1, 4, 13)
	// llmTTFTBuckets span a local model's first token to a slow reasoning
	// model's.
	llmTTFTBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120}
	// llmTPOTBuckets are OpenTelemetry's for
	// gen_ai.server.time_per_output_token, from 0.01 to 2.5 s, extended down
	// to 1 ms for providers that stream a thousand tokens a second.
	llmTPOTBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.5, 1, 2.5}
)

// llmLabels are the labels every genapp_llm_* family shares, besides the
// constant env and app, in the order of llmKey.values. The rate-limit
// gauges have only those of llmRateLimitLabels.
var llmLabels = []string{"agent_name", "model_name", "provider_name", "tool_name", "base_url", "is_fallback"}

// llmRateLimitLabels are the labels of the rate-limit gauges, in the order
// of llmRateLimitKey.labels: a provider's limits are per model and key, not
// per agent or tool.
var llmRateLimitLabels = []string{"provider_name", "base_url", "model_name", "limit"}

// llmFamilies are the genapp_llm_* families with the caches of their
// children, and the price table the cost is computed with.
type llmFamilies struct {
	requests  *prometheus.CounterVec
	tokens    *prometheus.CounterVec
	allTokens *prometheus.HistogramVec
	typeToks  *prometheus.HistogramVec
	errCount  *prometheus.CounterVec
	ttft      *prometheus.HistogramVec
	tpot      *prometheus.HistogramVec
	cost      *prometheus.CounterVec
	unpriced  *prometheus.CounterVec
	rejected  *prometheus.CounterVec
	remaining *prometheus.GaugeVec
	limit     *prometheus.GaugeVec

	prices    *LLMPrices
	priceInfo prometheus.Metric // genapp_llm_price_table_info of prices

	calls      seriesCache[llmKey, *llmSeries]
	errors     seriesCache[llmErrorKey, prometheus.Counter]
	rateLimits seriesCache[llmRateLimitKey, *llmRateLimitSeries]
}

func newLLMFamilies(constLabels prometheus.Labels, h histograms, prices *LLMPrices) llmFamilies {
	with := func(extra string) []string { return append(append([]string(nil), llmLabels...), extra) }
	return llmFamilies{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: llmRequestsName, Help: llmRequestsHelp, ConstLabels: constLabels,
		}, llmLabels),
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: llmTokensName, Help: llmTokensHelp, ConstLabels: constLabels,
		}, with("token_type")),
		allTokens: h.newVec(prometheus.HistogramOpts{
			Name: llmAllTokensName, Help: llmAllTokensHelp, ConstLabels: constLabels, Buckets: llmTokenBuckets,
		}, llmLabels),
		typeToks: h.newVec(prometheus.HistogramOpts{
			Name: llmTypeTokName, Help: llmTypeTokHelp, ConstLabels: constLabels, Buckets: llmTokenBuckets,
		}, with("token_type")),
		errCount: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: llmErrorsName, Help: llmErrorsHelp, ConstLabels: constLabels,
		}, with("name")),
		ttft: h.newVec(prometheus.HistogramOpts{
			Name: llmTTFTName, Help: llmTTFTHelp, ConstLabels: constLabels, Buckets: llmTTFTBuckets,
		}, llmLabels),
		tpot: h.newVec(prometheus.HistogramOpts{
			Name: llmTPOTName, Help: llmTPOTHelp, ConstLabels: constLabels, Buckets: llmTPOTBuckets,
		}, llmLabels),
		cost: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: llmCostName, Help: llmCostHelp, ConstLabels: constLabels,
		}, with("token_type")),
		unpriced: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: llmUnpricedName, Help: llmUnpricedHelp, ConstLabels: constLabels,
		}, with("token_type")),
		rejected: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: llmRejectedName, Help: llmRejectedHelp, ConstLabels: constLabels,
		}, with("reason")),
		remaining: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: llmRemainingName, Help: llmRemainingHelp, ConstLabels: constLabels,
		}, llmRateLimitLabels),
		limit: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: llmLimitName, Help: llmLimitHelp, ConstLabels: constLabels,
		}, llmRateLimitLabels),
		prices: prices,
		priceInfo: prometheus.MustNewConstMetric(
			prometheus.NewDesc(llmPriceInfoName, llmPriceInfoHelp, []string{"source", "updated"}, constLabels),
			prometheus.GaugeValue, 1, prices.source, prices.updated),
	}
}

func (l *llmFamilies) vecs() []prometheus.Collector {
	return []prometheus.Collector{l.requests, l.tokens, l.allTokens, l.typeToks, l.errCount, l.ttft, l.tpot,
		l.cost, l.unpriced, l.rejected, l.remaining, l.limit}
}

// Describe implements prometheus.Collector.
func (l *llmFamilies) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, l.vecs()...)
	ch <- l.priceInfo.Desc()
}

// Collect implements prometheus.Collector.
func (l *llmFamilies) Collect(ch chan<- prometheus.Metric) {
	collect(ch, l.vecs()...)
	ch <- l.priceInfo
}
