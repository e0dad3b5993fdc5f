package httpclient

import (
	"context"
	"net/http"
	"strconv"

	"github.com/genapp-go/genapp/metrics"
)

// rateLimitHeaders name the headers in which providers report a rate
// limit and what remains of it: OpenAI's (also sent by Azure OpenAI, Groq
// and many compatible servers) and Anthropic's.
var rateLimitHeaders = [...]struct{ limit, max, remaining string }{
	{metrics.LLMLimitRequests, "X-Ratelimit-Limit-Requests", "X-Ratelimit-Remaining-Requests"},
	{metrics.LLMLimitTokens, "X-Ratelimit-Limit-Tokens", "X-Ratelimit-Remaining-Tokens"},
	{metrics.LLMLimitRequests, "Anthropic-Ratelimit-Requests-Limit", "Anthropic-Ratelimit-Requests-Remaining"},
	{metrics.LLMLimitTokens, "Anthropic-Ratelimit-Tokens-Limit", "Anthropic-Ratelimit-Tokens-Remaining"},
	{metrics.LLMLimitInputTokens, "Anthropic-Ratelimit-Input-Tokens-Limit", "Anthropic-Ratelimit-Input-Tokens-Remaining"},
	{metrics.LLMLimitOutputTokens, "Anthropic-Ratelimit-Output-Tokens-Limit", "Anthropic-Ratelimit-Output-Tokens-Remaining"},
}

// rateLimits are the values of the rateLimitHeaders of an answer, by
// index: the limit and the remaining, -1 when absent or not a count.
type rateLimits [len(rateLimitHeaders)][2]int64

// maxRateLimit bounds a value taken from a header: far above any real
// limit, so that a hostile value cannot make the gauge meaningless.
const maxRateLimit = 1 << 50

func readRateLimits(h http.Header) rateLimits {
	var l rateLimits
	for i, names := range rateLimitHeaders {
		l[i] = [2]int64{headerCount(h, names.max), headerCount(h, names.remaining)}
	}
	return l
}

// headerCount is the count a header holds, or -1.
func headerCount(h http.Header, name string) int64 {
	v := h[name] // the names are canonical: no allocation
	if len(v) == 0 {
		return -1
	}
	n, err := strconv.ParseInt(v[0], 10, 64)
	if err != nil || n < 0 || n > maxRateLimit {
		return -1
	}
	return n
}

func (l *rateLimits) any() bool {
	for _, v := range l {
		if v[0] >= 0 || v[1] >= 0 {
			return true
		}
	}
	return false
}

func (l *rateLimits) record(m *metrics.Metrics, ctx context.Context, call metrics.LLMCall) {
	for i, v := range l {
		if v[0] >= 0 || v[1] >= 0 {
			m.RecordLLMRateLimit(ctx, call, rateLimitHeaders[i].limit, v[1], v[0])
		}
	}
}
