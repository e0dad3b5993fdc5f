package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"

	"github.com/genapp-go/genapp/metrics"
)

// TestChatClientReadsAsOpenAIGo asks two fake LLMs on the same schedule the
// same questions, one with the demo's chat client, the other with openai-go
// and its accumulator, through every kind of answer (hosted, local, broken
// usage, cut short, refused by the quota): both read the same text, model,
// finish reason and usage, and the same refusal.
func TestChatClientReadsAsOpenAIGo(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	t.Cleanup(wg.Wait)
	t.Cleanup(cancel)
	clock := time.Unix(1_800_000_000, 0)
	start := func() string {
		// The quota takes three answers: the 7th request is refused.
		f := &fakeLLM{window: time.Hour, maxRequests: 3, maxTokens: 1 << 20, now: func() time.Time { return clock }}
		url, err := f.start(ctx, &wg, slog.New(slog.DiscardHandler))
		if err != nil {
			t.Fatal(err)
		}
		return url
	}
	ours := &chatClient{http: http.DefaultClient, baseURL: start(), apiKey: "demo-key"}
	sdk := openai.NewClient(option.WithBaseURL(start()+"/"), option.WithAPIKey("demo-key"), option.WithMaxRetries(0))

	kinds := map[string]bool{}
	for n := 1; n <= 8; n++ {
		var grew []string
		got, err := ours.stream(ctx, llmModel, "what does the bot cost?", func(text string) { grew = append(grew, text) })
		want, wantErr := openAIStream(ctx, sdk, llmModel, "what does the bot cost?")
		var ourRefusal *chatError
		var sdkRefusal *openai.Error
		switch {
		case errors.As(err, &ourRefusal) && errors.As(wantErr, &sdkRefusal):
			if ourRefusal.status != sdkRefusal.StatusCode || ourRefusal.status != http.StatusTooManyRequests || ourRefusal.message != sdkRefusal.Message {
				t.Errorf("request %d: refused with %d %q, openai-go %d %q; want 429 and the same message", n, ourRefusal.status, ourRefusal.message, sdkRefusal.StatusCode, sdkRefusal.Message)
			}
			kinds["refused"] = true
			continue
		case err != nil || wantErr != nil:
			t.Fatalf("request %d: %v, openai-go: %v", n, err, wantErr)
		}
		if got != want {
			t.Errorf("request %d: read\n%+v, openai-go read\n%+v", n, got, want)
		}
		if len(grew) != len(answerWords) && len(grew) != len(answerWords)/2 || grew[len(grew)-1] != got.text {
			t.Errorf("request %d: the text grew %d times, to %q; want once a word, to the answer", n, len(grew), grew[len(grew)-1])
		}
		kinds[got.model+" "+got.finish] = true
		if got.usage.Output == badOutputTokens {
			kinds["broken usage"] = true
		}
	}
	for _, k := range []string{llmModel + " stop", llmModel + " length", llmLocalModel + " stop", "broken usage", "refused"} {
		if !kinds[k] {
			t.Errorf("no answer of kind %q among %v", k, kinds)
		}
	}
}

// openAIStream asks with openai-go, and returns what its accumulator read.
func openAIStream(ctx context.Context, c openai.Client, model, question string) (chatAnswer, error) {
	stream := c.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
		Model:         model,
		Messages:      []openai.ChatCompletionMessageParamUnion{openai.UserMessage(question)},
		StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
	})
	defer stream.Close()
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		acc.AddChunk(stream.Current())
	}
	if err := stream.Err(); err != nil {
		return chatAnswer{}, err
	}
	a := chatAnswer{model: acc.Model, usage: metrics.LLMUsage{
		Input: acc.Usage.PromptTokens, Output: acc.Usage.CompletionTokens,
		CachedInput: acc.Usage.PromptTokensDetails.CachedTokens, Reasoning: acc.Usage.CompletionTokensDetails.ReasoningTokens,
	}}
	if len(acc.Choices) > 0 {
		a.text, a.finish = acc.Choices[0].Message.Content, acc.Choices[0].FinishReason
	}
	return a, nil
}

// TestChatClientStream: what the client makes of streams and refusals the
// fake LLM never sends.
func TestChatClientStream(t *testing.T) {
	const chunk = `{"model":"m","choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":%s}]}`
	for _, tc := range []struct {
		name   string
		status int
		body   string
		want   chatAnswer
		err    string
	}{
		{"comments, other fields, an event over two data lines, no [DONE]", 200,
			": keep-alive\n\nevent: chunk\nid: 1\ndata: " + fmt.Sprintf(chunk, "Hi", "null") + "\n\n" +
				"data: {\"model\":\"m\",\"choices\":[{\"delta\":{\"content\":\" there\"},\n" +
				"data: \"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":2,\"completion_tokens_details\":{\"reasoning_tokens\":1}}}\n\n",
			chatAnswer{text: "Hi there", model: "m", finish: "stop", usage: metrics.LLMUsage{Input: 3, Output: 2, Reasoning: 1}}, ""},
		{"an error event", 200, "data: " + fmt.Sprintf(chunk, "Hi", "null") + "\n\ndata: {\"error\":{\"message\":\"overloaded\"}}\n\n",
			chatAnswer{}, "chat completion: status 200: overloaded"},
		{"a chunk that is no JSON", 200, "data: {\"model\":\n\n", chatAnswer{}, "chat completion: a chunk of the stream: unexpected end of JSON input"},
		{"a refusal with an error object", 401, `{"error":{"message":"Incorrect API key provided"}}`, chatAnswer{}, "chat completion: status 401: Incorrect API key provided"},
		{"a refusal without one", 502, "<html>bad gateway</html>", chatAnswer{}, "chat completion: status 502: Bad Gateway"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/v1/chat/completions" || r.Header.Get("Authorization") != "Bearer k" {
					t.Errorf("%s %s, Authorization %q", r.Method, r.URL.Path, r.Header.Get("Authorization"))
				}
				w.WriteHeader(tc.status)
				io.WriteString(w, tc.body)
			}))
			defer srv.Close()
			c := &chatClient{http: srv.Client(), baseURL: srv.URL + "/v1", apiKey: "k"}
			got, err := c.stream(context.Background(), "m", "q", func(string) {})
			if got != tc.want || fmt.Sprint(err) != cmp.Or(tc.err, "<nil>") {
				t.Errorf("got %+v, %v; want %+v, %s", got, err, tc.want, cmp.Or(tc.err, "<nil>"))
			}
		})
	}
}
