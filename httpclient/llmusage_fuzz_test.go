package httpclient

import (
	"testing"
)

// FuzzUsageReader: whatever the body, and wherever it is cut, the reader
// does not panic, holds nothing back, keeps its capture within bounds and
// finds the same model and usage as when it reads the body whole.
func FuzzUsageReader(f *testing.F) {
	for _, a := range ProviderAnswers {
		f.Add(ReadAnswer(f, a.File), uint8(3), a.Output)
	}
	for _, s := range []string{
		`{"usage":{"prompt_tokens":"many"}}`, `{"usage":{"prompt_tokens":1e400,"completion_tokens":2}}`,
		`{"usage":[1,2]}`, `{"usage":{{{{`, `{"usage":{"input_tokens":-5,"output_tokens":3}}`,
		`{"model":"gpt\xff-4o","usage":{"prompt_tokens":1,"completion_tokens":1}}`,
		`{"model":"a\"b\u0041","usage":null}`, `{"text \"usage":{"prompt_tokens":5}}`,
		"data: {\"usage\":{\"prompt_tokens\":5\ndata: {\"usage\":{\"prompt_tokens\":6,\"completion_tokens\":1}}\n",
		`{"usageMetadataX":{"promptTokenCount":1},"modelVersionX":"x"}`, `"usage"usage":{"output_tokens":1}`,
	} {
		f.Add([]byte(s), uint8(1), true)
	}
	f.Fuzz(func(t *testing.T, body []byte, piece uint8, sse bool) {
		whole := newUsageReader(sse)
		whole.scan(body)
		cut := feed(body, sse, func() int { return int(piece) })
		for _, r := range []*usageReader{&whole, cut} {
			if len(r.capture) > maxUsageLen || len(r.model) > maxModelLen {
				t.Fatalf("capture %d bytes, model %d bytes: beyond the bounds", len(r.capture), len(r.model))
			}
		}
		if cut.model != whole.model || cut.sawUsage != whole.sawUsage || cut.usage != whole.usage || cut.sawOutput != whole.sawOutput {
			t.Fatalf("in pieces of %d: model %q usage %v %+v output %v; whole: model %q usage %v %+v output %v",
				piece, cut.model, cut.sawUsage, cut.usage, cut.sawOutput, whole.model, whole.sawUsage, whole.usage, whole.sawOutput)
		}
	})
}
