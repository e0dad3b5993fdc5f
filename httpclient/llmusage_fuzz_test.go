package httpclient

import (
	"bytes"
	"encoding/json"
	"testing"
)

// FuzzUsageReader: whatever the body, and wherever it is cut, the reader
// does not panic, holds nothing back, keeps within its bounds and finds the
// same model and usage as when it reads the body whole; usage-shaped JSON
// inside a tool call's input never changes what it finds.
func FuzzUsageReader(f *testing.F) {
	for _, a := range ProviderAnswers {
		f.Add(ReadAnswer(f, a.File), uint8(3), uint8(frameOf(a.File)), uint8(0))
	}
	for _, s := range []string{
		`{"usage":{"prompt_tokens":"many"}}`, `{"usage":{"prompt_tokens":1e400,"completion_tokens":2}}`,
		`{"usage":[1,2]}`, `{"usage":{{{{`, `{"usage":{"input_tokens":-5,"output_tokens":3}}`,
		`{"model":"gpt\xff-4o","usage":{"prompt_tokens":1,"completion_tokens":1}}`,
		`{"model":"a\"b\u0041","usage":null}`, `{"text \"usage":{"prompt_tokens":5}}`,
		"data: {\"usage\":{\"prompt_tokens\":5\ndata: {\"usage\":{\"prompt_tokens\":6,\"completion_tokens\":1}}\n",
		`{"usageMetadataX":{"promptTokenCount":1},"modelVersionX":"x"}`, `"usage"usage":{"output_tokens":1}`,
	} {
		f.Add([]byte(s), uint8(1), uint8(frameJSON), uint8(1))
	}
	formats := []*llmFormat{chatCompletions, responses, anthropicMessages, gemini, ollamaNative}
	f.Fuzz(func(t *testing.T, body []byte, piece, fr, format uint8) {
		fm, frm := formats[int(format)%len(formats)], frame(fr%3)
		all := feed(fm, frm, body, func() int { return len(body) })
		cut := feed(fm, frm, body, func() int { return int(piece) })
		for _, r := range []*usageReader{all, cut} {
			if len(r.model) > maxModelLen || r.depth > maxDepth || r.bufLen > len(r.buf) {
				t.Fatalf("model %d bytes, depth %d, token %d bytes: beyond the bounds", len(r.model), r.depth, r.bufLen)
			}
		}
		if cut.model != all.model || cut.sawUsage != all.sawUsage || cut.usage != all.usage || cut.rejected != all.rejected || cut.sawOutput != all.sawOutput {
			t.Fatalf("in pieces of %d: model %q usage %v %+v %q output %v; whole: model %q usage %v %+v %q output %v",
				piece, cut.model, cut.sawUsage, cut.usage, cut.rejected, cut.sawOutput, all.model, all.sawUsage, all.usage, all.rejected, all.sawOutput)
		}
	})
}

// FuzzUsagePlaces: any JSON value a model writes as a tool call's input,
// in an answer or a stream of every format, leaves the usage and the model
// the provider reports at its own places as they are.
func FuzzUsagePlaces(f *testing.F) {
	f.Add([]byte(`{`+usageShaped+`}`), uint8(0), uint8(7))
	f.Add([]byte(nested(`{`+usageShaped+`}`, 4)), uint8(3), uint8(1))
	f.Add([]byte(`"\"usage\":{\"prompt_tokens\":5}"`), uint8(5), uint8(2))
	f.Add([]byte(`[[[[[[[[{"usage":{"input_tokens":-1}}]]]]]]]]`), uint8(2), uint8(3))
	answers := []struct {
		path, before, after string
		fr                  frame
	}{
		{"/v1/chat/completions", `{"model":"gpt-4o","choices":[{"message":{"tool_calls":[{"function":{"arguments":`,
			`}}]}}],"usage":{"prompt_tokens":10,"completion_tokens":5}}`, frameJSON},
		{"/v1/chat/completions", `data: {"model":"gpt-4o","choices":[{"delta":{"x":`,
			`}}]}` + "\n\n" + `data: {"model":"gpt-4o","choices":[],"usage":{"prompt_tokens":10,"completion_tokens":5}}` + "\n\n", frameSSE},
		{"/v1/responses", `data: {"type":"response.output_item.done","item":{"arguments":`,
			`}}` + "\n\n" + `data: {"type":"response.completed","response":{"model":"gpt-4o","usage":{"input_tokens":10,"output_tokens":5}}}` + "\n\n", frameSSE},
		{"/v1/messages", `{"model":"gpt-4o","content":[{"type":"tool_use","input":`, `}],"usage":{"input_tokens":10,"output_tokens":5}}`, frameJSON},
		{"/v1/messages", `data: {"type":"message_start","message":{"model":"gpt-4o","usage":{"input_tokens":10,"output_tokens":1}}}` + "\n\n" +
			`data: {"type":"content_block_start","content_block":{"type":"tool_use","input":`,
			`}}` + "\n\n" + `data: {"type":"message_delta","usage":{"output_tokens":5}}` + "\n\n", frameSSE},
		{"/v1beta/models/g:generateContent", `{"candidates":[{"content":{"parts":[{"functionCall":{"args":`,
			`}}]}}],"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5},"modelVersion":"gpt-4o"}`, frameJSON},
		{"/v1beta/models/g:streamGenerateContent", `[{"candidates":[{"content":{"parts":[{"functionCall":{"args":`,
			`}}]}}],"modelVersion":"gpt-4o"},{"usageMetadata":{"promptTokenCount":10,"candidatesTokenCount":5},"modelVersion":"gpt-4o"}]`, frameJSON},
		{"/api/chat", `{"model":"gpt-4o","message":{"tool_calls":[{"function":{"arguments":`,
			`}}]},"done":false}` + "\n" + `{"model":"gpt-4o","done":true,"prompt_eval_count":10,"eval_count":5}` + "\n", frameNDJSON},
	}
	f.Fuzz(func(t *testing.T, poison []byte, answer, piece uint8) {
		if !json.Valid(poison) || bytes.ContainsAny(poison, "\r\n") {
			return // a provider's encoder writes valid JSON, on one line of a stream
		}
		a := answers[int(answer)%len(answers)]
		fm := formatOf(t, a.path)
		body := []byte(a.before + string(poison) + a.after)
		r := feed(fm, a.fr, body, func() int { return int(piece) })
		if got := fm.tokens(&r.usage); !r.sawUsage || r.rejected != "" || got != honest || r.model != "gpt-4o" {
			t.Fatalf("%s: usage %+v (seen %v, rejected %q), model %q; want %+v, gpt-4o", body, got, r.sawUsage, r.rejected, r.model, honest)
		}
	})
}
