package metrics_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/metrics"
)

// errQuota is what an upstream answers when the quota is spent.
var errQuota = errors.New("quota exceeded")

func ExampleNamedError() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))

	ask := func(ctx context.Context, quotaLeft bool) (err error) {
		a := m.Track("support_agent")
		defer a.End(&err)
		if !quotaLeft {
			// The text may hold anything; the label gets the name only.
			return metrics.NamedError("rate_limited", fmt.Errorf("user 42: %w", errQuota))
		}
		return ctx.Err()
	}
	_ = ask(context.Background(), false)
	expired, cancel := context.WithCancel(context.Background())
	cancel()
	_ = ask(expired, true)

	printSeries(m, "genapp_action_count_total")
	// Output:
	// genapp_action_count_total{app="demobot",env="dev",error_name="canceled",name="support_agent",status="error"} 1
	// genapp_action_count_total{app="demobot",env="dev",error_name="rate_limited",name="support_agent",status="error"} 1
}

func ExampleWithCompatibility() {
	// Python services on the same dashboards still run llm_common 2.2.0.
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()),
		metrics.WithCompatibility(metrics.LLMCommon22))

	err := errors.New("boom")
	a := m.Track("cleanup_task")
	a.End(&err)

	printSeries(m, "genapp_action_count_total")
	// Output:
	// genapp_action_count_total{app="demobot",env="dev",name="cleanup_task",status="error"} 1
}
