package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
)

// The fake LLM stands in for an OpenAI-compatible server (vLLM, Ollama,
// OpenAI itself), so that /ask works, and the genapp_llm_* series have
// data, in every mode with no key and no network. It streams its answers a
// word at a time, as a model generates them.
const (
	llmModel      = "demo-llm-mini"
	llmVersion    = "demo-llm-mini-2026-11" // the model the fake says answered
	llmProvider   = "demo_llm"
	llmAgent      = "demo_agent"
	llmWordPause  = 30 * time.Millisecond
	llmEditPeriod = 300 * time.Millisecond // at most ~3 edits a second, as Telegram tolerates
	truncateEvery = 4                      // every 4th streamed answer hits the (fake) token limit
)

// startFakeLLM serves the fake LLM on a free loopback port until ctx ends
// (wg waits for it) and returns its base URL.
func startFakeLLM(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("fake LLM: %w", err)
	}
	var streamed atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", func(w http.ResponseWriter, r *http.Request) {
		fakeCompletion(w, r, &streamed)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("fake LLM failed", "error", err)
		}
	})
	context.AfterFunc(ctx, func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/v1", nil
}

// fakeCompletion answers a chat completion streamed as server-sent events,
// with the usage chunk when stream_options.include_usage is set.
// Every truncateEvery-th stream (counted by streamed) stops half-way with
// finish_reason "length", as a model that hits max_tokens does.
func fakeCompletion(w http.ResponseWriter, r *http.Request, streamed *atomic.Int64) {
	var req struct {
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
	question := req.Messages[len(req.Messages)-1].Content
	words := strings.Fields(fmt.Sprintf("You asked: %q. A bot that calls a model through httpclient.NewLLM "+
		"has every call's tokens, model and time to first token on /prometheus, read from the stream itself.", question))
	if !req.Stream {
		http.Error(w, `{"error":{"message":"the demo LLM only streams: set stream"}}`, http.StatusBadRequest)
		return
	}
	finish := "stop"
	if streamed.Add(1)%truncateEvery == 0 {
		words, finish = words[:len(words)/2], "length"
	}
	w.Header().Set("Content-Type", "text/event-stream")
	flusher, _ := w.(http.Flusher)
	chunk := func(choice, usage string) {
		fmt.Fprintf(w, `data: {"id":"chatcmpl-demo","object":"chat.completion.chunk","model":%q,"choices":[%s],"usage":%s}`+"\n\n",
			llmVersion, choice, usage)
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
		case <-time.After(llmWordPause + rand.N(llmWordPause)):
		case <-r.Context().Done():
			return
		}
	}
	chunk(fmt.Sprintf(`{"index":0,"delta":{},"finish_reason":%q}`, finish), "null")
	if req.StreamOptions.IncludeUsage {
		prompt := 12 + len(strings.Fields(question))
		chunk("", fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}`, prompt, len(words), prompt+len(words)))
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// asker asks the LLM at baseURL through openai-go, whose calls go through
// httpclient.NewLLM: each is recorded in genapp_http_* and, from the
// answer's own usage, in genapp_llm_*.
// Its calls, and the domain errors of their answers, are recorded in m.
type asker struct {
	client  openai.Client
	baseURL string
	metrics *metrics.Metrics
}

func newAsker(baseURL string, m *metrics.Metrics) *asker {
	return &asker{baseURL: baseURL, metrics: m, client: openai.NewClient(
		option.WithBaseURL(baseURL+"/"),
		option.WithAPIKey("demo-key"), // the fake LLM takes any key
		option.WithHTTPClient(httpclient.NewLLM(httpclient.WithLLMProvider(llmProvider), httpclient.WithMetrics(m))),
		option.WithMaxRetries(0),
	)}
}

// ask streams the fake LLM's answer to the question after /ask into the
// chat, as LLM bots do: a placeholder message, edited as the words arrive
// (at most every llmEditPeriod; an edit refused by flood control is
// skipped), then once more with the whole answer. An answer cut short by
// the token limit is a domain error, which the transport cannot know: it
// is counted with metrics.RecordLLMError under the labels of the call.
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
	stream := d.llm.client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:         llmModel,
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage(question)},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	defer stream.Close()
	var answer strings.Builder
	var model, finish string
	lastEdit := time.Now()
	for stream.Next() {
		chunk := stream.Current()
		model = chunk.Model
		if len(chunk.Choices) > 0 {
			answer.WriteString(chunk.Choices[0].Delta.Content)
			finish = cmp.Or(chunk.Choices[0].FinishReason, finish)
		}
		if time.Since(lastEdit) >= llmEditPeriod && answer.Len() > 0 {
			_ = edit(answer.String() + " …")
			lastEdit = time.Now()
		}
	}
	if err := stream.Err(); err != nil {
		return fmt.Errorf("asking the LLM: %w", err)
	}
	if finish == "length" {
		d.llm.metrics.RecordLLMError(ctx, metrics.LLMCall{Model: model, Provider: llmProvider, BaseURL: d.llm.baseURL}, "truncated")
		answer.WriteString(" … (cut short by the token limit)")
	}
	return edit(answer.String())
}
