package httpclient

import (
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
