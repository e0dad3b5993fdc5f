package metrics_test

import (
	"context"
	"fmt"
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

// A price table of your own, in LiteLLM's format (its
// model_prices_and_context_window.json, or the entries of it you use),
// instead of the embedded one.
func ExampleLoadLLMPrices() {
	prices, err := metrics.LoadLLMPrices("testdata/litellm-excerpt.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()), metrics.WithLLMPrices(prices))

	// 1,000 input tokens, 800 of them read from the prompt cache, and 200
	// output tokens of a dated snapshot, priced as gpt-4o-mini-2024-07-18.
	u := metrics.LLMUsage{Input: 1000, CachedInput: 800, Output: 200}
	if dollars, ok := prices.Cost("openai/gpt-4o-mini-2024-07-18", u); ok {
		fmt.Printf("$%.6f\n", dollars)
	}
	m.RecordLLMUsage(context.Background(), metrics.LLMCall{Model: "gpt-4o-mini-2024-07-18", Provider: "openai", BaseURL: "https://api.openai.com/v1"}, u)

	printSeries(m, "genapp_llm_cost_usd_total")
	// Output:
	// $0.000210
	// genapp_llm_cost_usd_total{agent_name="",app="demobot",base_url="https://api.openai.com/v1",env="dev",is_fallback="false",model_name="gpt-4o-mini-2024-07-18",provider_name="openai",token_type="cached_input",tool_name=""} 6e-05
	// genapp_llm_cost_usd_total{agent_name="",app="demobot",base_url="https://api.openai.com/v1",env="dev",is_fallback="false",model_name="gpt-4o-mini-2024-07-18",provider_name="openai",token_type="input",tool_name=""} 3e-05
	// genapp_llm_cost_usd_total{agent_name="",app="demobot",base_url="https://api.openai.com/v1",env="dev",is_fallback="false",model_name="gpt-4o-mini-2024-07-18",provider_name="openai",token_type="output",tool_name=""} 0.00012
}
