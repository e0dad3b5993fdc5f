package metrics

import (
	"context"
	"time"
)

// LLMCall names one call to a language model: the labels that the
// genapp_llm_* families share besides env and app.
//
// Agent, Tool and Fallback left empty (false) are taken from the context
// given with the call (see [WithLLMAgent], [WithLLMTool], [WithLLMFallback]),
// so that the code that knows them need not be the code that records.
type LLMCall struct {
	Agent    string // agent_name: the agent that made the call, "" for none
	Model    string // model_name: the model that answered (else the one requested)
	Provider string // provider_name: "openai", "anthropic", "gemini", ... or the host
	Tool     string // tool_name: the tool the call serves, "" for none
	BaseURL  string // base_url: scheme, host and API path prefix; never a query string or key
	Fallback bool   // is_fallback: the call is a fallback after another model failed
}

// LLMUsage is the token usage of one answer, as its provider reports it.
// Input and Output are all the tokens of each side; CachedInput is the part
// of Input read from the provider's prompt cache, CacheCreationInput the
// part written to it (Anthropic's cache_creation_input_tokens, priced
// apart) and Reasoning the part of Output spent reasoning, 0 when the
// provider reports none. Each count must be between 0 and [MaxLLMTokens]:
// see [Metrics.RecordLLMUsage].
type LLMUsage struct {
	Input, Output          int64
	CachedInput, Reasoning int64
	CacheCreationInput     int64
}

// Values of the token_type label.
const (
	TokenInput              = "input"
	TokenOutput             = "output"
	TokenCachedInput        = "cached_input"
	TokenReasoning          = "reasoning"
	TokenCacheCreationInput = "cache_creation_input"
)

// MaxLLMTokens bounds each count of an [LLMUsage]: ten times the largest
// context window of any current model (Llama 4 Scout's 10M tokens), which
// no answer can exceed. A larger count is a provider's or a parser's
// error, and recording it would make genapp_llm_tokens_total and the cost
// jump by more than a year of real use.
const MaxLLMTokens = 100_000_000

// Values of the reason label of genapp_llm_usage_rejected_total: why the
// usage of an answer was not recorded. [Metrics.RecordLLMUsage] finds the
// first two; a transport that reads usage finds the others before it has
// an [LLMUsage] (see [Metrics.RecordLLMUsageRejected]).
const (
	LLMRejectNegative   = "negative"     // a count below 0
	LLMRejectTooLarge   = "too_large"    // a count above MaxLLMTokens
	LLMRejectNotInteger = "not_integer"  // a count with a fraction, such as 12.5
	LLMRejectNotANumber = "not_a_number" // a count that is a string, true, an object...
)

// RecordLLMRequest counts one call in genapp_llm_requests_total in the
// default instance, the analogue of llm_common's record_llm_request. It
// records nothing when [Init] has not been called.
func RecordLLMRequest(ctx context.Context, call LLMCall) { Default().RecordLLMRequest(ctx, call) }

// RecordLLMRequest counts one call in genapp_llm_requests_total.
func (m *Metrics) RecordLLMRequest(ctx context.Context, call LLMCall) {
	if !m.recordsLLM() {
		return
	}
	m.f.llmSeries(ctx, call).requests.get().Inc()
}

// RecordLLMUsage records the tokens of one answer in the default instance,
// the analogue of llm_common's record_llm_usage. It records nothing when
// [Init] has not been called.
func RecordLLMUsage(ctx context.Context, call LLMCall, u LLMUsage) {
	Default().RecordLLMUsage(ctx, call, u)
}

// RecordLLMUsage records the tokens of one answer: genapp_llm_tokens_total
// and genapp_llm_request_tokens by token type, and
// genapp_llm_request_all_tokens (Input + Output). The cached_input,
// cache_creation_input and reasoning types are recorded only when not 0, so
// that providers that never report them add no series. It prices the
// tokens with the table of [WithLLMPrices] in genapp_llm_cost_usd_total, or
// counts them in genapp_llm_unpriced_tokens_total when the table has no
// price for call.Model from call.Provider (see [LLMPrices]). A call folded into
// [OverflowValue] has lost its model name, and is unpriced.
//
// Usage with a count below 0 or above [MaxLLMTokens] is recorded in
// genapp_llm_usage_rejected_total, with reason [LLMRejectNegative] or
// [LLMRejectTooLarge], and nowhere else: neither its tokens nor its cost.
//
// It does not count the request: see [Metrics.RecordLLMRequest]. It does
// not allocate once the series of call exist.
func (m *Metrics) RecordLLMUsage(ctx context.Context, call LLMCall, u LLMUsage) {
	if !m.recordsLLM() {
		return
	}
	s := m.f.llmSeries(ctx, call)
	counts, reason := u.counts()
	if reason >= 0 {
		s.rejected[reason].get().Inc()
		return
	}
	for i, n := range counts {
		if n == 0 && i >= tokenCachedInput {
			continue
		}
		s.tokens[i].get().Add(float64(n))
		s.typeTokens[i].get().Observe(float64(n))
	}
	s.allTokens.get().Observe(float64(counts[tokenInput] + counts[tokenOutput]))
	if s.price == nil {
		for i, n := range counts {
			if n != 0 || i < tokenCachedInput {
				s.unpriced[i].get().Add(float64(n))
			}
		}
		return
	}
	for i, c := range s.price.costs(counts) {
		if s.price.priced[i] && (counts[i] != 0 || i < tokenCachedInput) {
			s.cost[i].get().Add(c)
		}
	}
}

// counts returns the counts of u by token type, or the reason they are not
// valid usage (-1 when they are).
func (u LLMUsage) counts() (counts [tokenTypes]int64, reason int) {
	counts = [tokenTypes]int64{u.Input, u.Output, u.CachedInput, u.Reasoning, u.CacheCreationInput}
	reason = -1
	for _, n := range counts {
		switch {
		case n < 0:
			return counts, rejectNegative
		case n > MaxLLMTokens:
			reason = rejectTooLarge
		}
	}
	return counts, reason
}

// RecordLLMUsageRejected counts in genapp_llm_usage_rejected_total of the
// default instance an answer whose usage was not recorded. It records
// nothing when [Init] has not been called.
func RecordLLMUsageRejected(ctx context.Context, call LLMCall, reason string) {
	Default().RecordLLMUsageRejected(ctx, call, reason)
}

// RecordLLMUsageRejected counts an answer whose usage was not recorded
// because its counts were not valid, for a transport that reads them from
// the answer: reason is [LLMRejectNotInteger] or [LLMRejectNotANumber]
// (or, when it checks them itself, [LLMRejectNegative] or
// [LLMRejectTooLarge]). Any other reason is recorded as "other", so that
// the label stays bounded.
func (m *Metrics) RecordLLMUsageRejected(ctx context.Context, call LLMCall, reason string) {
	if !m.recordsLLM() {
		return
	}
	i := rejectOther
	for j, r := range rejectReasonNames[:rejectOther] {
		if r == reason {
			i = j
		}
	}
	m.f.llmSeries(ctx, call).rejected[i].get().Inc()
}

// RecordLLMError counts one domain error of a call in
// genapp_llm_errors_total{name} in the default instance, the analogue of
// llm_common's record_llm_validation_error. It records nothing when [Init]
// has not been called.
func RecordLLMError(ctx context.Context, call LLMCall, name string) {
	Default().RecordLLMError(ctx, call, name)
}

// RecordLLMError counts one domain error of a call: name says what was wrong
// with the answer, such as "validation", "refusal" or "truncated". Like the
// other label values it is bounded: see [OverflowValue].
func (m *Metrics) RecordLLMError(ctx context.Context, call LLMCall, name string) {
	if !m.recordsLLM() {
		return
	}
	m.f.llmErrorCounter(ctx, call, name).Inc()
}

// RecordLLMTimeToFirstToken records in genapp_llm_time_to_first_token_sec
// of the default instance how long a streamed answer took to start. It
// records nothing when [Init] has not been called.
func RecordLLMTimeToFirstToken(ctx context.Context, call LLMCall, d time.Duration) {
	Default().RecordLLMTimeToFirstToken(ctx, call, d)
}

// RecordLLMTimeToFirstToken records how long a streamed answer took from the
// request until its first output: the wait a chat user feels. This
// family is this module's extension, not one of llm_common's.
func (m *Metrics) RecordLLMTimeToFirstToken(ctx context.Context, call LLMCall, d time.Duration) {
	if !m.recordsLLM() {
		return
	}
	m.f.llmSeries(ctx, call).ttft.get().Observe(max(d, 0).Seconds())
}

// RecordLLMTimePerOutputToken records in
// genapp_llm_time_per_output_token_sec of the default instance how fast a
// streamed answer was generated. It records nothing when [Init] has not
// been called.
func RecordLLMTimePerOutputToken(ctx context.Context, call LLMCall, d time.Duration) {
	Default().RecordLLMTimePerOutputToken(ctx, call, d)
}

// RecordLLMTimePerOutputToken records d, the time per output token of a
// streamed answer after its first output: (end - first output) / (output
// tokens - 1), the speed a reader of the stream sees, apart from the wait
// for the first token (see [Metrics.RecordLLMTimeToFirstToken]). A negative
// d is recorded as 0. This family is this module's extension, beside
// OpenTelemetry's gen_ai.server.time_per_output_token.
func (m *Metrics) RecordLLMTimePerOutputToken(ctx context.Context, call LLMCall, d time.Duration) {
	if !m.recordsLLM() {
		return
	}
	m.f.llmSeries(ctx, call).tpot.get().Observe(max(d, 0).Seconds())
}

// llmContext is what the context helpers store: one value for the three
// labels.
type llmContext struct {
	agent, tool string
	fallback    bool
}

type llmContextKey struct{}

func llmContextOf(ctx context.Context) llmContext {
	if ctx == nil {
		return llmContext{}
	}
	c, _ := ctx.Value(llmContextKey{}).(llmContext)
	return c
}

// WithLLMAgent returns ctx naming agent as the agent_name of the LLM calls
// made with it: by the transport of
// [github.com/genapp-go/genapp/httpclient.NewLLM] and by the RecordLLM
// functions.
func WithLLMAgent(ctx context.Context, agent string) context.Context {
	c := llmContextOf(ctx)
	c.agent = agent
	return context.WithValue(ctx, llmContextKey{}, c)
}

// WithLLMTool returns ctx naming tool as the tool_name of the LLM calls made
// with it.
func WithLLMTool(ctx context.Context, tool string) context.Context {
	c := llmContextOf(ctx)
	c.tool = tool
	return context.WithValue(ctx, llmContextKey{}, c)
}

// WithLLMFallback returns ctx marking the LLM calls made with it as
// fallbacks (is_fallback="true") or not.
func WithLLMFallback(ctx context.Context, fallback bool) context.Context {
	c := llmContextOf(ctx)
	c.fallback = fallback
	return context.WithValue(ctx, llmContextKey{}, c)
}

// recordsLLM reports whether m records LLM calls: it is not nil and has the
// genapp_llm_* families (see [LLMCommon22]).
func (m *Metrics) recordsLLM() bool { return m != nil && m.f.compat != LLMCommon22 }
