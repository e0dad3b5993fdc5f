package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
)

// The fake LLM stands in for an OpenAI-compatible gateway (a LiteLLM proxy,
// say) in front of a hosted model and a local one, so that /ask works, and
// the genapp_llm_* series have data, in every mode with no key and no
// network. It streams its answers a word at a time, as a model generates
// them, and its answers follow a schedule by request number n (from 1):
//
//   - n%localEvery == 2 (the 2nd, 7th, ...): the gateway routes the request
//     to the local model, which has no price: genapp_llm_unpriced_tokens_total;
//   - n%badUsageEvery == 3 (the 3rd, 13th, ...): the gateway reports
//     badOutputTokens output tokens, a count no answer can have (an
//     unsigned -1): genapp_llm_usage_rejected_total;
//   - n%truncateEvery == 0: the answer stops half-way with finish_reason
//     "length", as a model that hits max_tokens does;
//   - the hosted model reads llmCached tokens of the prompt from its prompt
//     cache on two requests in three (n%3 != 1): prompt_tokens_details.cached_tokens.
//
// A replica that gets four questions has shown every kind of answer.
//
// The hosted model has a quota per window, which its answers report in
// OpenAI's x-ratelimit-* headers (genapp_llm_ratelimit_*): the simulated
// users' pace takes its tokens below 10% now and then, and a request the
// quota cannot take is refused with 429, after which the bot asks the local
// model instead (is_fallback="true").
const (
	llmModel      = "gpt-4.1-mini-2025-04-14" // the hosted model, a dated snapshot as bots in production pin: priced as gpt-4.1-mini
	llmLocalModel = "demo-local-8b"           // the local model: the price table has none for it
	llmProvider   = "demo_llm"
	llmAgent      = "demo_agent"
	llmWordPause  = 30 * time.Millisecond
	llmEditPeriod = 300 * time.Millisecond // at most ~3 edits a second, as Telegram tolerates
	truncateEvery = 4                      // every 4th answer hits the (fake) token limit
	localEvery    = 5                      // every 5th request, from the 2nd, goes to the local model
	badUsageEvery = 10                     // every 10th answer, from the 3rd, has a broken usage

	// llmPreamble is the prompt tokens of what a real bot sends before the
	// question (system prompt, tools, history); the fake counts a token a
	// word of the question besides. llmCached of them are read from the
	// prompt cache when it is warm: OpenAI caches in blocks of 128 tokens.
	llmPreamble     = 1180
	llmCached       = 9 * 128
	badOutputTokens = 1<<32 - 1

	// The hosted model's quota: llmQuotaRequests requests and
	// llmQuotaTokens tokens (prompt and answer) per llmQuotaWindow, a
	// window of a minute at OpenAI shortened to the demo's pace.
	llmQuotaWindow   = 10 * time.Second
	llmQuotaRequests = 30
	llmQuotaTokens   = 10_000
)

// fakeLLM is the fake gateway's state: the requests so far, and the
// hosted model's quota.
type fakeLLM struct {
	pause                  time.Duration // between two words
	window                 time.Duration
	maxRequests, maxTokens int64
	now                    func() time.Time

	requests atomic.Int64

	mu                       sync.Mutex
	windowStart              time.Time
	usedRequests, usedTokens int64
}

func newFakeLLM() *fakeLLM {
	return &fakeLLM{pause: llmWordPause, window: llmQuotaWindow, maxRequests: llmQuotaRequests, maxTokens: llmQuotaTokens, now: time.Now}
}

// startFakeLLM serves a fake LLM on a free loopback port until ctx ends
// (wg waits for it) and returns its base URL.
func startFakeLLM(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger) (string, error) {
	return newFakeLLM().start(ctx, wg, log)
}

func (f *fakeLLM) start(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("fake LLM: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", f.complete)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("fake LLM failed", "error", err)
		}
	})
	context.AfterFunc(ctx, func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/v1", nil
}

// take takes a request of tokens from the hosted model's quota, and
// reports whether the quota could take it. It sets the x-ratelimit-*
// headers of the answer, as OpenAI does: what is left of the window's quota
// (after this request), and when the window ends.
func (f *fakeLLM) take(h http.Header, tokens int64) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if now.Sub(f.windowStart) >= f.window {
		f.windowStart, f.usedRequests, f.usedTokens = now, 0, 0
	}
	ok := f.usedRequests < f.maxRequests && f.usedTokens+tokens <= f.maxTokens
	if ok {
		f.usedRequests++
		f.usedTokens += tokens
	}
	reset := (f.window - now.Sub(f.windowStart)).Round(time.Millisecond).String()
	for name, v := range map[string]string{
		"X-Ratelimit-Limit-Requests":     strconv.FormatInt(f.maxRequests, 10),
		"X-Ratelimit-Remaining-Requests": strconv.FormatInt(f.maxRequests-f.usedRequests, 10),
		"X-Ratelimit-Reset-Requests":     reset,
		"X-Ratelimit-Limit-Tokens":       strconv.FormatInt(f.maxTokens, 10),
		"X-Ratelimit-Remaining-Tokens":   strconv.FormatInt(f.maxTokens-f.usedTokens, 10),
		"X-Ratelimit-Reset-Tokens":       reset,
	} {
		h.Set(name, v)
	}
	return ok
}

// complete answers a chat completion streamed as server-sent events, with
// the usage chunk when stream_options.include_usage is set, following the
// schedule above.
func (f *fakeLLM) complete(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Model    string `json:"model"`
		Messages []struct {
			Content string `json:"content"`
		} `json:"messages"`
		Stream        bool `json:"stream"`
		StreamOptions struct {
			IncludeUsage bool `json:"include_usage"`
		} `json:"stream_options"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || len(req.Messages) == 0 {
		http.Error(w, `{"error":{"message":"a JSON body with messages is required"}}`, http.StatusBadRequest)
		return
	}
	if !req.Stream {
		http.Error(w, `{"error":{"message":"the demo LLM only streams: set stream"}}`, http.StatusBadRequest)
		return
	}
	question := req.Messages[len(req.Messages)-1].Content
	words := strings.Fields(fmt.Sprintf("You asked: %q. A bot that calls a model through httpclient.NewLLM "+
		"has every call's tokens, model and time to first token on /prometheus, read from the stream itself.", question))
	n := f.requests.Add(1)
	finish := "stop"
	if n%truncateEvery == 0 {
		words, finish = words[:len(words)/2], "length"
	}
	prompt, output := int64(llmPreamble+len(strings.Fields(question))), int64(len(words))
	model, details := llmLocalModel, ""
	if req.Model != llmLocalModel && n%localEvery != 2 {
		model, details = llmModel, `,"prompt_tokens_details":{"cached_tokens":0}`
		if n%3 != 1 {
			details = fmt.Sprintf(`,"prompt_tokens_details":{"cached_tokens":%d}`, llmCached)
		}
		if !f.take(w.Header(), prompt+output) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusTooManyRequests)
			fmt.Fprintf(w, `{"error":{"message":"Rate limit reached for %s: %d requests and %d tokens per %v","type":"tokens","code":"rate_limit_exceeded"}}`,
				llmModel, f.maxRequests, f.maxTokens, f.window)
			return
		}
	}
	if n%badUsageEvery == 3 {
		output = badOutputTokens
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	chunk := func(choice, usage string) {
		fmt.Fprintf(w, `data: {"id":"chatcmpl-demo","object":"chat.completion.chunk","model":%q,"choices":[%s],"usage":%s}`+"\n\n",
			model, choice, usage)
		if flusher != nil {
			flusher.Flush()
		}
	}
	for i, word := range words {
		if i > 0 {
			word = " " + word
		}
		content, _ := json.Marshal(word)
		chunk(fmt.Sprintf(`{"index":0,"delta":{"content":%s},"finish_reason":null}`, content), "null")
		select {
		case <-time.After(f.pause + rand.N(f.pause+1)):
		case <-r.Context().Done():
			return
		}
	}
	chunk(fmt.Sprintf(`{"index":0,"delta":{},"finish_reason":%q}`, finish), "null")
	if req.StreamOptions.IncludeUsage {
		chunk("", fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d%s}`, prompt, output, prompt+output, details))
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// asker asks the LLM at baseURL, an OpenAI-compatible chat completions
// API, with a small client (chat.go) whose calls go through
// httpclient.NewLLM: each is recorded in genapp_http_* and, from the
// answer's own usage and rate-limit headers, in genapp_llm_*, whatever
// client makes it. A bot would use an SDK (openai-go, go-openai) over the
// same http.Client, as docs/httpclient.md shows; the demo does not, so that
// its first build stays short.
// Its calls, and the domain errors of their answers, are recorded in m,
// and its answers priced with m's price table.
type asker struct {
	client  *chatClient
	metrics *metrics.Metrics
}

func newAsker(baseURL string, m *metrics.Metrics) *asker {
	return &asker{metrics: m, client: &chatClient{
		baseURL: baseURL,
		apiKey:  "demo-key", // the fake LLM takes any key
		http:    httpclient.NewLLM(httpclient.WithLLMProvider(llmProvider), httpclient.WithMetrics(m)),
	}}
}

// ask streams the fake LLM's answer to the question after /ask into the
// chat, as LLM bots do: a placeholder message, edited as the words arrive
// (at most every llmEditPeriod; an edit refused by flood control is
// skipped), then once more with the whole answer and what it cost. When
// the hosted model's quota is spent (429), the local model answers instead,
// as a fallback. An answer cut short by the token limit is a domain error,
// which the transport cannot know: it is counted with
// metrics.RecordLLMError under the labels the call was recorded under
// (httpclient.CaptureLLMCall).
func (d *demo) ask(ctx context.Context, c chat) error {
	_, question, _ := strings.Cut(c.Text(), " ")
	if question = strings.TrimSpace(question); question == "" {
		return c.Send("Ask me something: /ask <question>", false)
	}
	edit, err := c.SendEditable("…")
	if err != nil {
		return err
	}
	ctx = metrics.WithLLMAgent(ctx, llmAgent)
	ctx, call := httpclient.CaptureLLMCall(ctx)
	a, err := d.llm.stream(ctx, llmModel, question, edit)
	if refused := (*chatError)(nil); errors.As(err, &refused) && refused.status == http.StatusTooManyRequests {
		ctx = metrics.WithLLMFallback(ctx, true)
		a, err = d.llm.stream(ctx, llmLocalModel, question, edit)
	}
	if err != nil {
		return fmt.Errorf("asking the LLM: %w", err)
	}
	text := a.text
	if a.finish == "length" {
		if c, ok := call(); ok {
			d.llm.metrics.RecordLLMError(ctx, c, "truncated")
		}
		text += " … (cut short by the token limit)"
	}
	if note := d.llm.costNote(a.model, a.usage); note != "" {
		text += " " + note
	}
	return edit(text)
}

// stream asks model the question and reads its streamed answer, showing it
// with edit as it grows (at most every llmEditPeriod). The answer's body is
// closed when it returns, so that the call is recorded (and captured) by
// then.
func (a *asker) stream(ctx context.Context, model, question string, edit func(string) error) (chatAnswer, error) {
	lastEdit := time.Now()
	return a.client.stream(ctx, model, question, func(text string) {
		if time.Since(lastEdit) >= llmEditPeriod && text != "" {
			_ = edit(text + " …")
			lastEdit = time.Now()
		}
	})
}

// costNote says what an answer used and cost, priced with the table the
// metrics use (the sum of what genapp_llm_cost_usd_total counted for it):
// "(1185 in, 1152 cached, 31 out tokens, $0.000179)", "unpriced" for a
// model the table has no price for, "usage rejected" for counts no answer
// can have (which no family counts but genapp_llm_usage_rejected_total).
// It is "" for an answer that reported no usage.
func (a *asker) costNote(model string, usage metrics.LLMUsage) string {
	if usage.Input == 0 && usage.Output == 0 {
		return ""
	}
	tokens := fmt.Sprintf("%d in, %d out tokens", usage.Input, usage.Output)
	if usage.CachedInput > 0 {
		tokens = fmt.Sprintf("%d in, %d cached, %d out tokens", usage.Input, usage.CachedInput, usage.Output)
	}
	for _, n := range []int64{usage.Input, usage.Output, usage.CachedInput, usage.Reasoning} {
		if n < 0 || n > metrics.MaxLLMTokens {
			return "(" + tokens + ", usage rejected)"
		}
	}
	dollars, ok := a.metrics.LLMPrices().Cost(model, usage)
	if !ok {
		return "(" + tokens + ", unpriced)"
	}
	return fmt.Sprintf("(%s, $%.6f)", tokens, dollars)
}
