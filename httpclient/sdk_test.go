package httpclient_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/anthropics/anthropic-sdk-go/v2"
	anthropicoption "github.com/anthropics/anthropic-sdk-go/v2/option"
	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"
	goopenai "github.com/sashabaranov/go-openai"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
)

// sdkProvider is a fake OpenAI and Anthropic on 127.0.0.1: it answers each
// endpoint with the answer of testdata/llm for the request's "stream", in
// pieces of 1 to 17 bytes.
func sdkProvider(t *testing.T) *httptest.Server {
	t.Helper()
	files := map[string][2]string{ // path: answer, streamed answer
		"/v1/chat/completions": {"openai_chat.json", "openai_chat_stream.sse"},
		"/v1/responses":        {"openai_responses.json", "openai_responses_stream.sse"},
		"/v1/messages":         {"anthropic.json", "anthropic_stream.sse"},
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Stream bool `json:"stream"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		file := f[0]
		if req.Stream {
			file = f[1]
		}
		w.Header().Set("Content-Type", contentTypeOf(file))
		writePieces(w, httpclient.ReadAnswer(t, file), uint64(len(file)))
	}))
	t.Cleanup(srv.Close)
	return srv
}

// sdkCase is one call through an SDK: it returns the text and the usage
// the SDK itself parsed, as the genapp_llm_* families count usage.
type sdkCase struct {
	name, model string
	streamed    bool
	text        string
	call        func(ctx context.Context, c *http.Client, baseURL string) (string, metrics.LLMUsage, error)
}

var sdkCases = []sdkCase{
	{"openai-go chat", "gpt-4o-2024-08-06", false, `OpenAI reports it as "usage": {"prompt_tokens": 999}, and "model": "fake".`,
		func(ctx context.Context, c *http.Client, baseURL string) (string, metrics.LLMUsage, error) {
			client := openai.NewClient(option.WithAPIKey("sk-test"), option.WithBaseURL(baseURL+"/v1/"), option.WithHTTPClient(c), option.WithMaxRetries(0))
			resp, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{
				Model: "gpt-4o", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
			})
			if err != nil {
				return "", metrics.LLMUsage{}, err
			}
			u := resp.Usage
			return resp.Choices[0].Message.Content, metrics.LLMUsage{Input: u.PromptTokens, Output: u.CompletionTokens,
				CachedInput: u.PromptTokensDetails.CachedTokens, Reasoning: u.CompletionTokensDetails.ReasoningTokens}, nil
		}},
	{"openai-go chat stream", "gpt-4o-mini-2024-07-18", true, `Hello, "usage":{"prompt_tokens":5} world!`,
		func(ctx context.Context, c *http.Client, baseURL string) (string, metrics.LLMUsage, error) {
			client := openai.NewClient(option.WithAPIKey("sk-test"), option.WithBaseURL(baseURL+"/v1/"), option.WithHTTPClient(c), option.WithMaxRetries(0))
			stream := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{
				Model: "gpt-4o-mini", Messages: []openai.ChatCompletionMessageParamUnion{openai.UserMessage("hi")},
				StreamOptions: openai.ChatCompletionStreamOptionsParam{IncludeUsage: openai.Bool(true)},
			})
			defer stream.Close()
			var acc openai.ChatCompletionAccumulator
			for stream.Next() {
				acc.AddChunk(stream.Current())
			}
			if err := stream.Err(); err != nil {
				return "", metrics.LLMUsage{}, err
			}
			u := acc.Usage
			return acc.Choices[0].Message.Content, metrics.LLMUsage{Input: u.PromptTokens, Output: u.CompletionTokens,
				CachedInput: u.PromptTokensDetails.CachedTokens, Reasoning: u.CompletionTokensDetails.ReasoningTokens}, nil
		}},
	{"openai-go responses", "o4-mini-2025-04-16", false, "In a peaceful grove...",
		func(ctx context.Context, c *http.Client, baseURL string) (string, metrics.LLMUsage, error) {
			client := openai.NewClient(option.WithAPIKey("sk-test"), option.WithBaseURL(baseURL+"/v1/"), option.WithHTTPClient(c), option.WithMaxRetries(0))
			resp, err := client.Responses.New(ctx, responses.ResponseNewParams{
				Model: "o4-mini", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")},
			})
			if err != nil {
				return "", metrics.LLMUsage{}, err
			}
			return resp.OutputText(), responsesUsage(resp.Usage), nil
		}},
	{"openai-go responses stream", "gpt-4.1-2025-04-14", true, "Hi there",
		func(ctx context.Context, c *http.Client, baseURL string) (string, metrics.LLMUsage, error) {
			client := openai.NewClient(option.WithAPIKey("sk-test"), option.WithBaseURL(baseURL+"/v1/"), option.WithHTTPClient(c), option.WithMaxRetries(0))
			stream := client.Responses.NewStreaming(ctx, responses.ResponseNewParams{
				Model: "gpt-4.1", Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("hi")},
			})
			defer stream.Close()
			var text strings.Builder
			var usage metrics.LLMUsage
			for stream.Next() {
				ev := stream.Current()
				text.WriteString(ev.Delta)
				if ev.Type == "response.completed" {
					usage = responsesUsage(ev.Response.Usage)
				}
			}
			return text.String(), usage, stream.Err()
		}},
	{"go-openai chat", "gpt-4o-2024-08-06", false, `OpenAI reports it as "usage": {"prompt_tokens": 999}, and "model": "fake".`,
		func(ctx context.Context, c *http.Client, baseURL string) (string, metrics.LLMUsage, error) {
			resp, err := goOpenAI(c, baseURL).CreateChatCompletion(ctx, goopenai.ChatCompletionRequest{
				Model: goopenai.GPT4o, Messages: []goopenai.ChatCompletionMessage{{Role: goopenai.ChatMessageRoleUser, Content: "hi"}},
			})
			if err != nil {
				return "", metrics.LLMUsage{}, err
			}
			return resp.Choices[0].Message.Content, goOpenAIUsage(&resp.Usage), nil
		}},
	{"go-openai chat stream", "gpt-4o-mini-2024-07-18", true, `Hello, "usage":{"prompt_tokens":5} world!`,
		func(ctx context.Context, c *http.Client, baseURL string) (string, metrics.LLMUsage, error) {
			stream, err := goOpenAI(c, baseURL).CreateChatCompletionStream(ctx, goopenai.ChatCompletionRequest{
				Model: goopenai.GPT4oMini, Messages: []goopenai.ChatCompletionMessage{{Role: goopenai.ChatMessageRoleUser, Content: "hi"}},
				Stream: true, StreamOptions: &goopenai.StreamOptions{IncludeUsage: true},
			})
			if err != nil {
				return "", metrics.LLMUsage{}, err
			}
			defer stream.Close()
			var text strings.Builder
			var usage metrics.LLMUsage
			for {
				chunk, err := stream.Recv()
				if errors.Is(err, io.EOF) {
					return text.String(), usage, nil
				}
				if err != nil {
					return "", metrics.LLMUsage{}, err
				}
				if len(chunk.Choices) > 0 {
					text.WriteString(chunk.Choices[0].Delta.Content)
				}
				if chunk.Usage != nil {
					usage = goOpenAIUsage(chunk.Usage)
				}
			}
		}},
	{"anthropic-sdk-go messages", "claude-sonnet-4-5-20250929", false, "Let me look that car up.",
		func(ctx context.Context, c *http.Client, baseURL string) (string, metrics.LLMUsage, error) {
			client := anthropicClient(c, baseURL)
			msg, err := client.Messages.New(ctx, anthropicParams())
			if err != nil {
				return "", metrics.LLMUsage{}, err
			}
			return msg.Content[0].Text, anthropicUsage(msg.Usage), nil
		}},
	{"anthropic-sdk-go messages stream", "claude-haiku-4-5-20251001", true, "Hello!",
		func(ctx context.Context, c *http.Client, baseURL string) (string, metrics.LLMUsage, error) {
			client := anthropicClient(c, baseURL)
			stream := client.Messages.NewStreaming(ctx, anthropicParams())
			defer stream.Close()
			var msg anthropic.Message
			for stream.Next() {
				if err := msg.Accumulate(stream.Current()); err != nil {
					return "", metrics.LLMUsage{}, err
				}
			}
			if err := stream.Err(); err != nil {
				return "", metrics.LLMUsage{}, err
			}
			return msg.Content[0].Text, anthropicUsage(msg.Usage), nil
		}},
}

func responsesUsage(u responses.ResponseUsage) metrics.LLMUsage {
	return metrics.LLMUsage{Input: u.InputTokens, Output: u.OutputTokens,
		CachedInput: u.InputTokensDetails.CachedTokens, Reasoning: u.OutputTokensDetails.ReasoningTokens}
}

func goOpenAI(c *http.Client, baseURL string) *goopenai.Client {
	cfg := goopenai.DefaultConfig("sk-test")
	cfg.BaseURL, cfg.HTTPClient = baseURL+"/v1", c
	return goopenai.NewClientWithConfig(cfg)
}

func goOpenAIUsage(u *goopenai.Usage) metrics.LLMUsage {
	out := metrics.LLMUsage{Input: int64(u.PromptTokens), Output: int64(u.CompletionTokens)}
	if u.PromptTokensDetails != nil {
		out.CachedInput = int64(u.PromptTokensDetails.CachedTokens)
	}
	if u.CompletionTokensDetails != nil {
		out.Reasoning = int64(u.CompletionTokensDetails.ReasoningTokens)
	}
	return out
}

func anthropicClient(c *http.Client, baseURL string) anthropic.Client {
	return anthropic.NewClient(anthropicoption.WithAPIKey("sk-ant-test"), anthropicoption.WithBaseURL(baseURL+"/"),
		anthropicoption.WithHTTPClient(c), anthropicoption.WithMaxRetries(0))
}

func anthropicParams() anthropic.MessageNewParams {
	return anthropic.MessageNewParams{MaxTokens: 1024, Model: "claude-haiku-4-5",
		Messages: []anthropic.MessageParam{anthropic.NewUserMessage(anthropic.NewTextBlock("hi"))}}
}

// anthropicUsage counts as the genapp_llm_* families do: input with the
// cache reads and writes that Anthropic's input_tokens leaves out.
func anthropicUsage(u anthropic.Usage) metrics.LLMUsage {
	return metrics.LLMUsage{Input: u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens,
		Output: u.OutputTokens, CachedInput: u.CacheReadInputTokens}
}

// TestSDKs drives the real SDKs through NewLLM against a fake provider that
// writes its answers in pieces of 1 to 17 bytes: each SDK hands back the
// text unchanged, and the families hold exactly the usage the SDK parsed.
func TestSDKs(t *testing.T) {
	srv := sdkProvider(t)
	for _, tc := range sdkCases {
		t.Run(tc.name, func(t *testing.T) {
			m := newMetrics(t)
			c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMProvider("fake"))
			ctx := metrics.WithLLMAgent(context.Background(), "sdk_agent")
			text, usage, err := tc.call(ctx, c, srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			if text != tc.text {
				t.Errorf("the SDK handed back %q, want %q", text, tc.text)
			}
			if usage.Input == 0 || usage.Output == 0 {
				t.Fatalf("the SDK parsed no usage: %+v", usage)
			}
			e := scrape(t, m)
			l := llmLabels(tc.model, "fake", srv.URL+"/v1")
			l["agent_name"] = "sdk_agent"
			checkUsage(t, e, l, usage, tc.streamed)
			if got := e.Sum(requestsTotal, promtest.Labels{"status": "200", "app_type": metrics.AppTypeLLM}); got != 1 {
				t.Errorf("%v HTTP exchanges recorded, want 1", got)
			}
		})
	}
}
