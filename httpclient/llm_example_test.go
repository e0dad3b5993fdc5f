package httpclient_test

import (
	"context"
	"io"
	"log"
	"net/http"
	"strings"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
)

// vllmStandIn answers like a vLLM server's /v1/chat/completions, from
// memory, so that the example runs anywhere.
type vllmStandIn struct{}

func (vllmStandIn) RoundTrip(r *http.Request) (*http.Response, error) {
	body := `{"id":"cmpl-1","object":"chat.completion","model":"meta-llama/Llama-3.1-8B-Instruct",` +
		`"choices":[{"index":0,"message":{"role":"assistant","content":"Hi!"},"finish_reason":"stop"}],` +
		`"usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}`
	return &http.Response{StatusCode: http.StatusOK, Header: http.Header{"Content-Type": {"application/json"}},
		Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
}

// The usage an OpenAI-compatible server reports is recorded with no code:
// a self-hosted server is named with WithLLMProvider, and the agent comes
// from the request's context.
func ExampleWithLLMProvider() {
	m, _ := metrics.New("supportbot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	client := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithLLMProvider("vllm"),
		httpclient.WithBase(vllmStandIn{})) // without WithBase: the real network

	ctx := metrics.WithLLMAgent(context.Background(), "support_agent")
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, "http://vllm.internal:8000/v1/chat/completions",
		strings.NewReader(`{"model":"meta-llama/Llama-3.1-8B-Instruct","messages":[{"role":"user","content":"Hello"}]}`))
	resp, err := client.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body) // an SDK reads the answer
	resp.Body.Close()

	printSamples(m, "genapp_llm_tokens_total")
	// Output:
	// genapp_llm_tokens_total{agent_name="support_agent",app="supportbot",base_url="http://vllm.internal:8000/v1",env="dev",is_fallback="false",model_name="meta-llama/Llama-3.1-8B-Instruct",provider_name="vllm",token_type="input",tool_name=""} 12
	// genapp_llm_tokens_total{agent_name="support_agent",app="supportbot",base_url="http://vllm.internal:8000/v1",env="dev",is_fallback="false",model_name="meta-llama/Llama-3.1-8B-Instruct",provider_name="vllm",token_type="output",tool_name=""} 3
}
