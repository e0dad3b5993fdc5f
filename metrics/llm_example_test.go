package metrics_test

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/metrics"
)

// Usage that no HTTP transport sees (a gRPC SDK, a local model) and a reply
// that failed validation, recorded by hand.
func ExampleRecordLLMUsage() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	// In a service: metrics.Init once, then the package-level functions.
	ctx := metrics.WithLLMAgent(context.Background(), "support_agent")
	call := metrics.LLMCall{Model: "llama-3.1-8b", Provider: "local", BaseURL: "grpc://127.0.0.1:50051"}

	m.RecordLLMRequest(ctx, call)
	m.RecordLLMUsage(ctx, call, metrics.LLMUsage{Input: 812, Output: 64})
	m.RecordLLMTimeToFirstToken(ctx, call, 350*time.Millisecond)
	m.RecordLLMError(ctx, call, "validation") // the reply was not the JSON asked for

	printSeries(m, "genapp_llm_tokens_total")
	printSeries(m, "genapp_llm_errors_total")
	// Output:
	// genapp_llm_tokens_total{agent_name="support_agent",app="demobot",base_url="grpc://127.0.0.1:50051",env="dev",is_fallback="false",model_name="llama-3.1-8b",provider_name="local",token_type="input",tool_name=""} 812
	// genapp_llm_tokens_total{agent_name="support_agent",app="demobot",base_url="grpc://127.0.0.1:50051",env="dev",is_fallback="false",model_name="llama-3.1-8b",provider_name="local",token_type="output",tool_name=""} 64
	// genapp_llm_errors_total{agent_name="support_agent",app="demobot",base_url="grpc://127.0.0.1:50051",env="dev",is_fallback="false",model_name="llama-3.1-8b",name="validation",provider_name="local",tool_name=""} 1
}

// The agent, tool and fallback labels travel in the context, from the code
// that knows them to the transport or function that records the call.
func ExampleWithLLMAgent() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	ctx := metrics.WithLLMAgent(context.Background(), "triage_agent")
	ctx = metrics.WithLLMTool(ctx, "search_tool")
	ctx = metrics.WithLLMFallback(ctx, true) // the primary model failed

	m.RecordLLMRequest(ctx, metrics.LLMCall{Model: "claude-haiku-4-5", Provider: "anthropic", BaseURL: "https://api.anthropic.com/v1"})

	printSeries(m, "genapp_llm_requests_total")
	// Output:
	// genapp_llm_requests_total{agent_name="triage_agent",app="demobot",base_url="https://api.anthropic.com/v1",env="dev",is_fallback="true",model_name="claude-haiku-4-5",provider_name="anthropic",tool_name="search_tool"} 1
}
