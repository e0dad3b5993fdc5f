package httpclient_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/internal/spantest"
	"github.com/genapp-go/genapp/metrics"
)

// An outbound call made in a context that carries a span records its
// duration with the span as exemplar, once the answer has been read; one
// made without a span has none.
func TestTransportExemplar(t *testing.T) {
	m, err := metrics.New("testapp", "dev", metrics.WithRegistry(prometheus.NewRegistry()), metrics.WithExemplars())
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "ok") }))
	defer srv.Close()
	client := &http.Client{Transport: httpclient.NewTransport(nil, httpclient.WithMetrics(m))}
	traced := spantest.Context(context.Background(), spantest.TraceID, spantest.SpanID)
	for path, ctx := range map[string]context.Context{"/traced": traced, "/untraced": context.Background()} {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
	page := promtest.ScrapeOpenMetrics(t, m.Handler())
	withSpan := spantest.Lines(page, durationSec+"_bucket", `resource="traced"`, spantest.Exemplar)
	all := spantest.Lines(page, durationSec+"_bucket", " # {")
	if len(withSpan) != 1 || len(all) != 1 {
		t.Errorf("buckets with the span's exemplar %q (want 1), with any %q (want the same):\n%s", withSpan, all, page)
	}
}
