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
	"strings"
	"sync"
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
)

// startFakeLLM serves the fake LLM on a free loopback port until ctx ends
// (wg waits for it) and returns its base URL.
func startFakeLLM(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("fake LLM: %w", err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", fakeCompletion)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("fake LLM failed", "error", err)
		}
	})
	context.AfterFunc(ctx, func() { srv.Close() })
	return "http://" + ln.Addr().String() + "/v1", nil
}

// fakeCompletion answers a chat completion, streamed as server-sent events
// when asked, with the usage chunk when stream_options.include_usage is set.
func fakeCompletion(w http.ResponseWriter, r *http.Request) {
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
	usage := fmt.Sprintf(`{"prompt_tokens":%d,"completion_tokens":%d,"total_tokens":%d}`,
		12+len(strings.Fields(question)), len(words), 12+len(strings.Fields(question))+len(words))
	if !req.Stream {
		w.Header().Set("Content-Type", "application/json")
		content, _ := json.Marshal(strings.Join(words, " "))
		fmt.Fprintf(w, `{"id":"chatcmpl-demo","object":"chat.completion","model":%q,"choices":[{"index":0,`+
			`"message":{"role":"assistant","content":%s},"finish_reason":"stop"}],"usage":%s}`, llmVersion, content, usage)
		return
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
	chunk(`{"index":0,"delta":{},"finish_reason":"stop"}`, "null")
	if req.StreamOptions.IncludeUsage {
		chunk("", usage)
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
}

// asker asks the LLM at baseURL through openai-go, whose calls go through
// httpclient.NewLLM: each is recorded in genapp_http_* and, from the
// answer's own usage, in genapp_llm_*.
type asker struct{ client openai.Client }

func newAsker(baseURL string, opts ...httpclient.Option) *asker {
	opts = append([]httpclient.Option{httpclient.WithLLMProvider(llmProvider)}, opts...)
	return &asker{client: openai.NewClient(
		option.WithBaseURL(baseURL+"/"),
		option.WithAPIKey("demo-key"), // the fake LLM takes any key
		option.WithHTTPClient(httpclient.NewLLM(opts...)),
		option.WithMaxRetries(0),
	)}
}

// ask streams the fake LLM's answer to the question after /ask into the
// chat, as LLM bots do: a placeholder message, edited as the words arrive
// (at most every llmEditPeriod; an edit refused by flood control is
// skipped), then once more with the whole answer.
func (d *demo) ask(ctx context.Context, c chat) error {
	_, question, _ := strings.Cut(c.Text(), " ")
	if question = strings.TrimSpace(question); question == "" {
		return c.Send("Ask me something: /ask <question>", false)
	}
	edit, err := c.SendEditable("…")
	if err != nil {
		return err
	}
	stream := d.llm.client.Chat.Completions.NewStreaming(metrics.WithLLMAgent(ctx, llmAgent), openai.ChatCompletionNewParams{
		Model:         llmModel,
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage(question)},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	defer stream.Close()
	var answer strings.Builder
	lastEdit := time.Now()
	for stream.Next() {
		if ch := stream.Current().Choices; len(ch) > 0 {
			answer.WriteString(ch[0].Delta.Content)
		}
		if time.Since(lastEdit) >= llmEditPeriod && answer.Len() > 0 {
			_ = edit(answer.String() + " …")
			lastEdit = time.Now()
		}
	}
	if err := stream.Err(); err != nil {
		return fmt.Errorf("asking the LLM: %w", err)
	}
	return edit(answer.String())
}
