package metrics

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"
)

// Indexes of the token types in llmSeries: the optional ones from
// tokenCachedInput on.
const (
	tokenInput = iota
	tokenOutput
	tokenCachedInput
	tokenReasoning
	tokenCacheCreationInput
	tokenTypes
)

var tokenTypeNames = [tokenTypes]string{TokenInput, TokenOutput, TokenCachedInput, TokenReasoning, TokenCacheCreationInput}

// Indexes of the reasons of genapp_llm_usage_rejected_total in llmSeries.
const (
	rejectNegative = iota
	rejectTooLarge
	rejectNotInteger
	rejectNotANumber
	rejectOther
	rejectReasons
)

var rejectReasonNames = [rejectReasons]string{LLMRejectNegative, LLMRejectTooLarge, LLMRejectNotInteger, LLMRejectNotANumber, "other"}

// llmSeriesPerKey is the most series one key makes in one family.
const llmSeriesPerKey = max(tokenTypes, rejectReasons)

// llmKey is the shared label values of one set of genapp_llm_* series.
type llmKey struct {
	agent, model, provider, tool, baseURL, fallback string
}

// llmErrorKey selects a genapp_llm_errors_total series.
type llmErrorKey struct {
	llmKey
	name string
}

// llmSeries holds the children of one llmKey, each created on first use:
// an answer that never reported reasoning tokens has no such series, a call
// never streamed no time-to-first-token histogram. price is that of the
// key's model from the key's provider (a host of open-weight models prices
// its names for its own calls only: see LLMPrices), resolved once when the
// key is created; nil when the table has none.
type llmSeries struct {
	requests   lazyChild[prometheus.Counter]
	allTokens  lazyChild[prometheus.Observer]
	ttft       lazyChild[prometheus.Observer]
	tpot       lazyChild[prometheus.Observer]
	tokens     [tokenTypes]lazyChild[prometheus.Counter]
	typeTokens [tokenTypes]lazyChild[prometheus.Observer]
	cost       [tokenTypes]lazyChild[prometheus.Counter]
	unpriced   [tokenTypes]lazyChild[prometheus.Counter]
	rejected   [rejectReasons]lazyChild[prometheus.Counter]
	price      *llmPrice
}

// newLLMKey returns the key of call, with the context's agent, tool and
// fallback where call leaves them unset. Every value is valid UTF-8, and
// one longer than MaxLabelLen is OverflowValue; folded tells whether one
// was.
func (f *families) newLLMKey(ctx context.Context, call LLMCall) (k llmKey, folded bool) {
	c := llmContextOf(ctx)
	if call.Agent == "" {
		call.Agent = c.agent
	}
	if call.Tool == "" {
		call.Tool = c.tool
	}
	k = llmKey{call.Agent, call.Model, call.Provider, call.Tool, call.BaseURL, strconv.FormatBool(call.Fallback || c.fallback)}
	for _, v := range [...]*string{&k.agent, &k.model, &k.provider, &k.tool, &k.baseURL} {
		folded = f.fitLLM(v) || folded
	}
	return k, folded
}

// fitLLM makes *v a label value: OverflowValue when it is too long, with
// its invalid UTF-8 replaced otherwise. It reports whether *v was folded.
func (f *families) fitLLM(v *string) bool {
	if reason := fit(*v, false); reason >= 0 {
		f.warn(foldLLM, reason, len(*v))
		*v = OverflowValue
		return true
	}
	*v = labelValue(*v)
	return false
}

// overflowLLM is the key that new keys are folded into once the cache is
// full: every label, is_fallback included, is OverflowValue.
var overflowLLM = llmKey{OverflowValue, OverflowValue, OverflowValue, OverflowValue, OverflowValue, OverflowValue}

func (k llmKey) labels(extra ...string) []string {
	return append([]string{k.agent, k.model, k.provider, k.tool, k.baseURL, k.fallback}, extra...)
}

// llmKeyLimit is how many keys the cache of the series of calls admits. A
// key, and the overflow key, can make llmSeriesPerKey series in one family:
// one for each token type in genapp_llm_tokens_total, say.
func (f *families) llmKeyLimit() int { return (f.maxSeries - llmSeriesPerKey) / llmSeriesPerKey }

// llmSeries returns the series of call. An observation with a label folded
// counts once in genapp_series_overflow_total{label="llm"}.
func (f *families) llmSeries(ctx context.Context, call LLMCall) *llmSeries {
	k, folded := f.newLLMKey(ctx, call)
	s, ok := f.llm.calls.loadOrCreate(k, f.llmKeyLimit(), f.newLLMSeries)
	if !ok {
		f.warn(foldLLM, limitReached, 0)
		s, folded = f.llm.calls.overflow(overflowLLM, f.newLLMSeries), true
	}
	if folded {
		f.folded[foldLLM].get().Inc()
	}
	return s
}

func (f *families) newLLMSeries(k llmKey) *llmSeries {
	l := k.labels()
	s := &llmSeries{
		requests:  lazyWith(f.llm.requests.WithLabelValues, l...),
		allTokens: lazyWith(f.llm.allTokens.WithLabelValues, l...),
		ttft:      lazyWith(f.llm.ttft.WithLabelValues, l...),
		tpot:      lazyWith(f.llm.tpot.WithLabelValues, l...),
		price:     f.llm.prices.lookup(k.provider, k.model),
	}
	for i, t := range tokenTypeNames {
		s.tokens[i] = lazyWith(f.llm.tokens.WithLabelValues, k.labels(t)...)
		s.typeTokens[i] = lazyWith(f.llm.typeToks.WithLabelValues, k.labels(t)...)
		s.cost[i] = lazyWith(f.llm.cost.WithLabelValues, k.labels(t)...)
		s.unpriced[i] = lazyWith(f.llm.unpriced.WithLabelValues, k.labels(t)...)
	}
	for i, r := range rejectReasonNames {
		s.rejected[i] = lazyWith(f.llm.rejected.WithLabelValues, k.labels(r)...)
	}
	return s
}

// llmErrorCounter returns the genapp_llm_errors_total series of call and
// name, each series one key of its cache.
func (f *families) llmErrorCounter(ctx context.Context, call LLMCall, name string) prometheus.Counter {
	k, folded := f.newLLMKey(ctx, call)
	folded = f.fitLLM(&name) || folded
	c, ok := f.llm.errors.loadOrCreate(llmErrorKey{k, name}, f.maxSeries-1, f.newLLMErrorCounter)
	if !ok {
		f.warn(foldLLM, limitReached, 0)
		c, folded = f.llm.errors.overflow(llmErrorKey{overflowLLM, OverflowValue}, f.newLLMErrorCounter), true
	}
	if folded {
		f.folded[foldLLM].get().Inc()
	}
	return c
}

func (f *families) newLLMErrorCounter(k llmErrorKey) prometheus.Counter {
	return f.llm.errCount.WithLabelValues(k.labels(k.name)...)
}
