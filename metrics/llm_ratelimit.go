package metrics

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"
)

// Values of the limit label of the rate-limit gauges: what a provider's
// rate limit counts, as its x-ratelimit-* headers name it.
const (
	LLMLimitRequests     = "requests"
	LLMLimitTokens       = "tokens"
	LLMLimitInputTokens  = "input_tokens"
	LLMLimitOutputTokens = "output_tokens"
)

// Indexes of the limits in llmRateLimitSeries.
const (
	limitRequests = iota
	limitTokens
	limitInputTokens
	limitOutputTokens
	rateLimits
)

var rateLimitNames = [rateLimits]string{LLMLimitRequests, LLMLimitTokens, LLMLimitInputTokens, LLMLimitOutputTokens}

// RecordLLMRateLimit records in the default instance what a provider's
// answer said of its rate limit. It records nothing when [Init] has not
// been called.
func RecordLLMRateLimit(ctx context.Context, call LLMCall, limit string, remaining, max int64) {
	Default().RecordLLMRateLimit(ctx, call, limit, remaining, max)
}

// RecordLLMRateLimit sets genapp_llm_ratelimit_remaining to remaining and
// genapp_llm_ratelimit_limit to max for limit, one of [LLMLimitRequests],
// [LLMLimitTokens], [LLMLimitInputTokens] and [LLMLimitOutputTokens] (any
// other records nothing): the headroom left before the provider refuses
// calls. A negative remaining or max leaves its gauge as it was, for a
// provider that sends one header without the other.
//
// The gauges are labelled by the provider_name, base_url and model_name of
// call, besides env and app: a provider limits a key per model, whatever
// agent or tool calls it, so call's Agent, Tool and Fallback and the
// context's are not labels here. The label values are bounded as those of
// the other genapp_llm_* families are (see [OverflowValue]). ctx is not
// read: none of its values is a label of these gauges.
func (m *Metrics) RecordLLMRateLimit(ctx context.Context, call LLMCall, limit string, remaining, max int64) {
	if !m.recordsLLM() {
		return
	}
	i := 0
	for i < rateLimits && rateLimitNames[i] != limit {
		i++
	}
	if i == rateLimits {
		return
	}
	s := m.f.llmRateLimitSeries(call)
	if remaining >= 0 {
		s.remaining[i].get().Set(float64(remaining))
	}
	if max >= 0 {
		s.limit[i].get().Set(float64(max))
	}
}

// llmRateLimitKey selects the rate-limit gauges of one model of one
// provider.
type llmRateLimitKey struct {
	provider, baseURL, model string
}

func (k llmRateLimitKey) labels(limit string) []string {
	return []string{k.provider, k.baseURL, k.model, limit}
}

// llmRateLimitSeries holds the gauges of one llmRateLimitKey, each created
// on first use: a provider that reports no token limit has no such series.
type llmRateLimitSeries struct {
	remaining, limit [rateLimits]lazyChild[prometheus.Gauge]
}

// llmRateLimitSeries returns the gauges of call. An observation with a label
// folded counts once in genapp_series_overflow_total{label="llm"}. A key,
// and the overflow key, makes a series for each limit.
func (f *families) llmRateLimitSeries(call LLMCall) *llmRateLimitSeries {
	k := llmRateLimitKey{call.Provider, call.BaseURL, call.Model}
	folded := false
	for _, v := range [...]*string{&k.provider, &k.baseURL, &k.model} {
		folded = f.fitLLM(v) || folded
	}
	s, ok := f.llm.rateLimits.loadOrCreate(k, (f.maxSeries-rateLimits)/rateLimits, f.newLLMRateLimitSeries)
	if !ok {
		f.warn(foldLLM, limitReached, 0)
		s, folded = f.llm.rateLimits.overflow(llmRateLimitKey{OverflowValue, OverflowValue, OverflowValue}, f.newLLMRateLimitSeries), true
	}
	if folded {
		f.folded[foldLLM].get().Inc()
	}
	return s
}

func (f *families) newLLMRateLimitSeries(k llmRateLimitKey) *llmRateLimitSeries {
	s := new(llmRateLimitSeries)
	for i, limit := range rateLimitNames {
		s.remaining[i] = lazyWith(f.llm.remaining.WithLabelValues, k.labels(limit)...)
		s.limit[i] = lazyWith(f.llm.limit.WithLabelValues, k.labels(limit)...)
	}
	return s
}
