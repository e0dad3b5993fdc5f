package metrics

import (
	"context"
	"strings"
	"sync/atomic"

	"github.com/prometheus/client_golang/prometheus"
)

// Indexes of the token types in llmSeries.
const (
	tokenInput = iota
	tokenOutput
	tokenCachedInput
	tokenReasoning
	tokenTypes
)

var tokenTypeNames = [tokenTypes]string{TokenInput, TokenOutput, TokenCachedInput, TokenReasoning}

// maxLLMLabelLen bounds the length in bytes of the label values of the
// genapp_llm_* families: a longer value (a model name made up by a hostile
// server, a base URL with a long path) is recorded as [OverflowValue].
const maxLLMLabelLen = 128

// llmKey is the shared label values of one set of genapp_llm_* series.
type llmKey struct {
	agent, model, provider, tool, baseURL string
	fallback                              bool
}

// llmErrorKey selects a genapp_llm_errors_total series.
type llmErrorKey struct {
	llmKey
	name string
}

// llmSeries holds the children of one llmKey, each created on first use:
// an answer that never reported reasoning tokens has no such series, a call
// never streamed no time-to-first-token histogram.
type llmSeries struct {
	requests   lazyChild[prometheus.Counter]
	allTokens  lazyChild[prometheus.Observer]
	ttft       lazyChild[prometheus.Observer]
	tokens     [tokenTypes]lazyChild[prometheus.Counter]
	typeTokens [tokenTypes]lazyChild[prometheus.Observer]
}

// lazyChild is a child of a family, created by create on first use.
type lazyChild[T any] struct {
	create func() T
	p      atomic.Pointer[T]
}

func (l *lazyChild[T]) get() T {
	if p := l.p.Load(); p != nil {
		return *p
	}
	// Concurrent first uses get the same child from the vec; the last store
	// wins and all stores are equal.
	v := l.create()
	l.p.Store(&v)
	return v
}

func lazyWith[T any](with func(...string) T, labels ...string) lazyChild[T] {
	return lazyChild[T]{create: func() T { return with(labels...) }}
}

// newLLMKey returns the key of call, with the context's agent, tool and
// fallback where call leaves them unset, and every value bounded: valid
// UTF-8, and OverflowValue in place of a value longer than maxLLMLabelLen.
// folded tells whether a value was too long.
func newLLMKey(ctx context.Context, call LLMCall) (k llmKey, folded bool) {
	c := llmContextOf(ctx)
	if call.Agent == "" {
		call.Agent = c.agent
	}
	if call.Tool == "" {
		call.Tool = c.tool
	}
	k = llmKey{call.Agent, call.Model, call.Provider, call.Tool, call.BaseURL, call.Fallback || c.fallback}
	for _, v := range [...]*string{&k.agent, &k.model, &k.provider, &k.tool, &k.baseURL} {
		var long bool
		*v, long = llmLabelValue(*v)
		folded = folded || long
	}
	return k, folded
}

func llmLabelValue(v string) (string, bool) {
	if len(v) > maxLLMLabelLen {
		return OverflowValue, true
	}
	return strings.ToValidUTF8(v, "\uFFFD"), false
}

// overflowLLMKey is the key that new keys are folded into once the cache is
// full. It keeps is_fallback, which has two values.
func overflowLLMKey(fallback bool) llmKey {
	return llmKey{OverflowValue, OverflowValue, OverflowValue, OverflowValue, OverflowValue, fallback}
}

func (k llmKey) labels(extra ...string) []string {
	fallback := "false"
	if k.fallback {
		fallback = "true"
	}
	return append([]string{k.agent, k.model, k.provider, k.tool, k.baseURL, fallback}, extra...)
}

// llmKeyLimit is how many keys the LLM caches admit. A key can make a series
// for each token type in genapp_llm_tokens_total and
// genapp_llm_request_tokens, hence a quarter of the series limit.
func (f *families) llmKeyLimit() int { return max(f.maxKeys/2, 1) }

func (f *families) llmSeries(ctx context.Context, call LLMCall) *llmSeries {
	k, long := newLLMKey(ctx, call)
	if long {
		f.fold(foldLLM)
	}
	s, ok := f.llm.calls.loadOrCreate(k, f.llmKeyLimit(), f.newLLMSeries)
	if !ok {
		f.fold(foldLLM)
		s, _ = f.llm.calls.loadOrCreate(overflowLLMKey(k.fallback), 0, f.newLLMSeries)
	}
	return s
}

func (f *families) newLLMSeries(k llmKey) *llmSeries {
	l := k.labels()
	s := &llmSeries{
		requests:  lazyWith(f.llm.requests.WithLabelValues, l...),
		allTokens: lazyWith(f.llm.allTokens.WithLabelValues, l...),
		ttft:      lazyWith(f.llm.ttft.WithLabelValues, l...),
	}
	for i, t := range tokenTypeNames {
		s.tokens[i] = lazyWith(f.llm.tokens.WithLabelValues, k.labels(t)...)
		s.typeTokens[i] = lazyWith(f.llm.typeToks.WithLabelValues, k.labels(t)...)
	}
	return s
}

func (f *families) llmErrorCounter(ctx context.Context, call LLMCall, name string) prometheus.Counter {
	k, long := newLLMKey(ctx, call)
	name, longName := llmLabelValue(name)
	if long || longName {
		f.fold(foldLLM)
	}
	ek := llmErrorKey{k, name}
	c, ok := f.llm.errors.loadOrCreate(ek, f.llmKeyLimit(), f.newLLMErrorCounter)
	if !ok {
		f.fold(foldLLM)
		ek = llmErrorKey{overflowLLMKey(k.fallback), OverflowValue}
		c, _ = f.llm.errors.loadOrCreate(ek, 0, f.newLLMErrorCounter)
	}
	return c
}

func (f *families) newLLMErrorCounter(k llmErrorKey) prometheus.Counter {
	return f.llm.errCount.WithLabelValues(k.labels(k.name)...)
}
