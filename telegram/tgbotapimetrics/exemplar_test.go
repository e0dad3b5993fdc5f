package tgbotapimetrics_test

import (
	"context"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/internal/spantest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// A handler run by HandleUpdate in a context that carries a span is tracked
// in that context: its duration has the span as exemplar.
func TestHandlerExemplar(t *testing.T) {
	m, err := metrics.New("bot", "dev", metrics.WithRegistry(prometheus.NewRegistry()), metrics.WithExemplars())
	if err != nil {
		t.Fatal(err)
	}
	var rec recorder
	r := newRouter(t, tgbotapimetrics.WithMetrics(m), tgbotapimetrics.Command("start", rec.handler("start")))
	ctx := spantest.Context(context.Background(), spantest.TraceID, spantest.SpanID)
	if err := r.HandleUpdate(ctx, command(1, "/start")); err != nil {
		t.Fatal(err)
	}
	page := promtest.ScrapeOpenMetrics(t, m.Handler())
	if got := spantest.Lines(page, "genapp_action_duration_sec_bucket{", `name="start_handler"`, spantest.Exemplar); len(got) != 1 {
		t.Errorf("start_handler buckets with the span's exemplar %q, want 1:\n%s", got, page)
	}
}
