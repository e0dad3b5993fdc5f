package metrics

import (
	"context"
	"math"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/prometheustest"
	"github.com/genapp-go/genapp/internal/spantest"
	"github.com/genapp-go/genapp/internal/toolstest"
)

// A served page with native histograms and exemplars on, as a real
// Prometheus (Debian's 2.42) reads it with and without its feature flags.
// Each observation is 0.3 s, so that a quantile must land in the native
// bucket around 0.3 s, or in the classic bucket (0.1, 0.5].
func TestPrometheusReadsNativeHistogramsAndExemplars(t *testing.T) {
	toolstest.Require(t, "prometheus")
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithNativeHistograms(DefaultNativeHistogramFactor), WithExemplars())
	if err != nil {
		t.Fatal(err)
	}
	ctx := spanContext(spantest.TraceID, spantest.SpanID)
	for range 20 {
		m.RecordHTTPContext(ctx, Exchange{AppType: AppTypeLLM, Method: "POST", Resource: "chat", Status: 200, Duration: 300 * time.Millisecond})
		a := m.TrackContext(ctx, "ask_handler")
		a.End(nil)
	}
	page := httptest.NewServer(m.Handler())
	t.Cleanup(page.Close)
	job := []prometheustest.Job{{Name: "genapp", Targets: []string{strings.TrimPrefix(page.URL, "http://")}, MetricsPath: "/prometheus"}}
	const wait = 20 * time.Second

	t.Run("native-histograms", func(t *testing.T) {
		t.Parallel()
		srv := prometheustest.Start(t, prometheustest.Config{Jobs: job, Features: []string{"native-histograms"}})
		v := srv.WaitVector(t, `histogram_quantile(0.5, genapp_http_request_duration_sec{resource="chat"})`, wait)
		// Schema 3 (factor 1.1): 0.3 lies in (2^(-14/8), 2^(-13/8)].
		if q := float64(v[0].Value); q < 0.297 || q > 0.325 {
			t.Errorf("native median %v s, want within the native bucket of 0.3 s (0.297 to 0.325)", q)
		}
		if n := srv.WaitVector(t, `histogram_count(genapp_http_request_duration_sec{resource="chat"})`, wait); n[0].Value != 20 {
			t.Errorf("native count %v, want 20", n[0].Value)
		}
		// What docs/metrics.md says of Prometheus 2.x with the flag: of a
		// histogram in both forms it keeps only the native one.
		got, err := srv.Query(context.Background(), `genapp_http_request_duration_sec_bucket`)
		if err != nil || len(got) != 0 {
			t.Errorf("classic buckets with the native-histograms flag: %v, %v; want none (Prometheus 2.42 keeps the native form only)", got, err)
		}
	})
	t.Run("classic", func(t *testing.T) {
		t.Parallel()
		srv := prometheustest.Start(t, prometheustest.Config{Jobs: job})
		v := srv.WaitVector(t, `histogram_quantile(0.5, genapp_http_request_duration_sec_bucket{resource="chat"})`, wait)
		// Linear interpolation in the classic bucket (0.1, 0.5].
		if q := float64(v[0].Value); math.Abs(q-0.3) > 1e-9 {
			t.Errorf("classic median %v s, want 0.3", q)
		}
		if n := srv.WaitVector(t, `genapp_action_duration_sec_count{name="ask_handler"}`, wait); n[0].Value != 20 {
			t.Errorf("classic count %v, want 20", n[0].Value)
		}
	})
	t.Run("exemplar-storage", func(t *testing.T) {
		t.Parallel()
		srv := prometheustest.Start(t, prometheustest.Config{Jobs: job, Features: []string{"exemplar-storage"}})
		waitExemplar(t, srv, `genapp_http_request_duration_sec_bucket{resource="chat"}`, wait)
		waitExemplar(t, srv, `genapp_action_duration_sec_bucket{name="ask_handler"}`, wait)
	})
	// With both flags, Prometheus 2.42 keeps the exemplars on the native
	// series.
	t.Run("native-histograms,exemplar-storage", func(t *testing.T) {
		t.Parallel()
		srv := prometheustest.Start(t, prometheustest.Config{Jobs: job, Features: []string{"native-histograms", "exemplar-storage"}})
		waitExemplar(t, srv, `genapp_http_request_duration_sec{resource="chat"}`, wait)
		waitExemplar(t, srv, `genapp_action_duration_sec{name="ask_handler"}`, wait)
	})
}

// waitExemplar waits until Prometheus has an exemplar of the one series sel
// selects, and checks that it is the span's.
func waitExemplar(t *testing.T, srv *prometheustest.Server, sel string, wait time.Duration) {
	t.Helper()
	for deadline := time.Now().Add(wait); ; time.Sleep(prometheustest.Interval) {
		got, err := srv.Exemplars(context.Background(), sel)
		if err == nil && len(got) == 1 && len(got[0].Exemplars) > 0 {
			if l := got[0].Exemplars[0].Labels; l["trace_id"] != spantest.TraceID || l["span_id"] != spantest.SpanID {
				t.Errorf("%s: exemplar labels %v, want the span's trace_id and span_id", sel, l)
			}
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("%s: no exemplar after %v: %+v, %v", sel, wait, got, err)
			return
		}
	}
}
