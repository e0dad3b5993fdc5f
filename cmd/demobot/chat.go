package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/genapp-go/genapp/metrics"
)

// chatClient streams chat completions from an OpenAI-compatible API: the
// one request /ask makes, read as openai-go reads it (its accumulated
// text, model, finish reason and usage). Recording is the transport's
// business (http, from httpclient.NewLLM): the client only speaks the wire
// format.
type chatClient struct {
	http    *http.Client
	baseURL string // such as "https://api.openai.com/v1"
	apiKey  string
}

// chatAnswer is a streamed answer, accumulated.
type chatAnswer struct {
	text, model, finish string
	usage               metrics.LLMUsage // zero when the answer reported none
}

// chatError is an answer that is no completion: a status other than 200,
// or an error event in the stream (status 200 then).
type chatError struct {
	status  int
	message string // the API's own, from its error object
}

func (e *chatError) Error() string {
	return fmt.Sprintf("chat completion: status %d: %s", e.status, e.message)
}

// maxChatEvent bounds one event of the stream, and the body of a refusal
// that is read.
const maxChatEvent = 1 << 20

// chatChunk is what the client reads of a chunk of the stream.
type chatChunk struct {
	Model   string `json:"model"`
	Choices []struct {
		Delta struct {
			Content string `json:"content"`
		} `json:"delta"`
		FinishReason string `json:"finish_reason"`
	} `json:"choices"`
	Usage *struct {
		PromptTokens        int64 `json:"prompt_tokens"`
		CompletionTokens    int64 `json:"completion_tokens"`
		PromptTokensDetails struct {
			CachedTokens int64 `json:"cached_tokens"`
		} `json:"prompt_tokens_details"`
		CompletionTokensDetails struct {
			ReasoningTokens int64 `json:"reasoning_tokens"`
		} `json:"completion_tokens_details"`
	} `json:"usage"`
	Error *struct {
		Message string `json:"message"`
	} `json:"error"`
}

// stream asks model the question, with the usage of the answer requested
// (stream_options.include_usage), and reads the server-sent events of its
// answer until "[DONE]" or the end of the body, calling grown with the text
// so far after each chunk that adds to it.
func (c *chatClient) stream(ctx context.Context, model, question string, grown func(text string)) (chatAnswer, error) {
	body, err := json.Marshal(map[string]any{
		"model":          model,
		"messages":       []map[string]string{{"role": "user", "content": question}},
		"stream":         true,
		"stream_options": map[string]bool{"include_usage": true},
	})
	if err != nil {
		return chatAnswer{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.baseURL+"/chat/completions", bytes.NewReader(body))
	if err != nil {
		return chatAnswer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+c.apiKey)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "text/event-stream")
	resp, err := c.http.Do(req)
	if err != nil {
		return chatAnswer{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		var refusal chatChunk
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, maxChatEvent))
		if json.Unmarshal(msg, &refusal) == nil && refusal.Error != nil {
			return chatAnswer{}, &chatError{resp.StatusCode, refusal.Error.Message}
		}
		return chatAnswer{}, &chatError{resp.StatusCode, http.StatusText(resp.StatusCode)}
	}

	var a chatAnswer
	var text strings.Builder
	var data []string // the data lines of the event being read
	lines := bufio.NewScanner(resp.Body)
	lines.Buffer(nil, maxChatEvent)
	for lines.Scan() {
		line := lines.Text()
		if line != "" { // a field of the event: only data matters here
			if d, ok := strings.CutPrefix(line, "data:"); ok {
				data = append(data, strings.TrimPrefix(d, " "))
			}
			continue
		}
		event := strings.Join(data, "\n") // a blank line ends the event
		data = data[:0]
		if event == "[DONE]" {
			break
		}
		if event == "" {
			continue // comments and keep-alives
		}
		var chunk chatChunk
		if err := json.Unmarshal([]byte(event), &chunk); err != nil {
			return chatAnswer{}, fmt.Errorf("chat completion: a chunk of the stream: %w", err)
		}
		if chunk.Error != nil {
			return chatAnswer{}, &chatError{resp.StatusCode, chunk.Error.Message}
		}
		if chunk.Model != "" {
			a.model = chunk.Model
		}
		if u := chunk.Usage; u != nil {
			a.usage = metrics.LLMUsage{
				Input: u.PromptTokens, Output: u.CompletionTokens,
				CachedInput: u.PromptTokensDetails.CachedTokens, Reasoning: u.CompletionTokensDetails.ReasoningTokens,
			}
		}
		if len(chunk.Choices) > 0 {
			if r := chunk.Choices[0].FinishReason; r != "" {
				a.finish = r
			}
			if delta := chunk.Choices[0].Delta.Content; delta != "" {
				text.WriteString(delta)
				grown(text.String())
			}
		}
	}
	if err := lines.Err(); err != nil {
		return chatAnswer{}, fmt.Errorf("chat completion: %w", err)
	}
	a.text = text.String() // at [DONE], or at the end of a body without one, as openai-go takes it
	return a, nil
}
