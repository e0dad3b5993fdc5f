package metrics

import (
	"github.com/prometheus/client_golang/prometheus"
)

// The genapp_llm_* families: names, help strings and buckets in one place.
// llm_common 2.6 documents the names, types and labels; its help strings and
// buckets are not published, so those below are this module's choice, one
// edit away from correction.
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
)

var (
	// llmTokenBuckets are the powers of 4 from 1 to 16M, as OpenTelemetry's
	// GenAI conventions use for gen_ai.client.token.usage.
	llmTokenBuckets = prometheus.ExponentialBuckets(1, 4, 13)
	// llmTTFTBuckets span a local model's first token to a slow reasoning
	// model's.
	llmTTFTBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120}
)

// llmLabels are the labels every genapp_llm_* family shares, besides the
// constant env and app, in the order of llmKey.values.
var llmLabels = []string{"agent_name", "model_name", "provider_name", "tool_name", "base_url", "is_fallback"}

// llmFamilies are the genapp_llm_* families with the caches of their
// children.
type llmFamilies struct {
	requests  *prometheus.CounterVec
	tokens    *prometheus.CounterVec
	allTokens *prometheus.HistogramVec
	typeToks  *prometheus.HistogramVec
	errCount  *prometheus.CounterVec
	ttft      *prometheus.HistogramVec

	calls  seriesCache[llmKey, *llmSeries]
	errors seriesCache[llmErrorKey, prometheus.Counter]
}

func newLLMFamilies(constLabels prometheus.Labels, h histograms) llmFamilies {
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
	}
}

func (l *llmFamilies) collectors() []prometheus.Collector {
	return []prometheus.Collector{l.requests, l.tokens, l.allTokens, l.typeToks, l.errCount, l.ttft}
}
