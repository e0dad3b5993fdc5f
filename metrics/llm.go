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
// of Input read from the provider's prompt cache and Reasoning the part of
// Output spent reasoning, 0 when the provider reports none. Negative values
// are taken as 0.
type LLMUsage struct {
	Input, Output          int64
	CachedInput, Reasoning int64
}

// Values of the token_type label.
const (
	TokenInput       = "input"
	TokenOutput      = "output"
	TokenCachedInput = "cached_input"
	TokenReasoning   = "reasoning"
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
// genapp_llm_request_all_tokens (Input + Output). The cached_input and
// reasoning types are recorded only when not 0, so that providers that never
// report them add no series. It does not count the request: see
// [Metrics.RecordLLMRequest].
func (m *Metrics) RecordLLMUsage(ctx context.Context, call LLMCall, u LLMUsage) {
	if !m.recordsLLM() {
		return
	}
	s := m.f.llmSeries(ctx, call)
	counts := [...]int64{max(u.Input, 0), max(u.Output, 0), max(u.CachedInput, 0), max(u.Reasoning, 0)}
	for i, n := range counts {
		if n == 0 && i >= tokenCachedInput {
			continue
		}
		s.tokens[i].get().Add(float64(n))
		s.typeTokens[i].get().Observe(float64(n))
	}
	s.allTokens.get().Observe(float64(counts[tokenInput]) + float64(counts[tokenOutput])) // no int64 overflow
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
