package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/internal/routertest"
)

// printSeries prints the exposition lines of family, as a scrape shows them.
func printSeries(m *metrics.Metrics, family string) { routertest.PrintSeries(m, family) }

func ExampleInit() {
	// Once, in main: the project name becomes the app label, env must be
	// dev, preprod or prod.
	if _, err := metrics.Init("demobot", "staging"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// metrics: env "staging" is not allowed: use one of dev, preprod, prod (a staging or test environment is preprod; unit tests need no Init)
}

func ExampleTrack() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))

	summarise := func(texts []string) (err error) {
		a := m.Track("summarise_llm_call") // metrics.Track uses the Init default
		defer a.End(&err)
		a.Size(len(texts))
		if len(texts) == 0 {
			return errors.New("nothing to summarise")
		}
		return nil
	}
	_ = summarise([]string{"a", "b"})
	_ = summarise(nil)

	printSeries(m, "genapp_action_count_total")
	printSeries(m, "genapp_action_size_total")
	// Output:
	// genapp_action_count_total{app="demobot",env="dev",error_name="",name="summarise_llm_call",status="ok"} 1
	// genapp_action_count_total{app="demobot",env="dev",error_name="error",name="summarise_llm_call",status="error"} 1
	// genapp_action_size_total{app="demobot",env="dev",name="summarise_llm_call"} 2
}

func ExampleWrap() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))

	// metrics.Wrap does the same with the Init default; metrics.WrapValue
	// and metrics.WrapValueIn wrap functions that also return a value.
	cleanup := m.Wrap("cleanup_task", func(ctx context.Context) error {
		return nil
	})
	for range 3 {
		_ = cleanup(context.Background())
	}
	printSeries(m, "genapp_action_count_total")
	// Output:
	// genapp_action_count_total{app="demobot",env="dev",error_name="",name="cleanup_task",status="ok"} 3
}

func ExampleWrapValueIn() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))

	// metrics.WrapValue does the same with the Init default.
	count := metrics.WrapValueIn(m, "count_users_task", func(ctx context.Context) (int, error) {
		return 42, nil
	})
	n, err := count(context.Background())
	fmt.Println(n, err)
	printSeries(m, "genapp_action_count_total")
	// Output:
	// 42 <nil>
	// genapp_action_count_total{app="demobot",env="dev",error_name="",name="count_users_task",status="ok"} 1
}

func ExampleMiddleware() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))

	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "hello "+r.PathValue("id"))
	})
	// metrics.Middleware(mux) does the same with the Init default. Wrap the
	// mux, not the handlers, so the route pattern becomes the resource.
	srv := httptest.NewServer(m.Middleware(mux))
	defer srv.Close()

	for _, path := range []string{"/users/1", "/users/2", "/nowhere"} {
		resp, err := http.Get(srv.URL + path)
		if err != nil {
			log.Fatal(err)
		}
		resp.Body.Close()
	}
	printSeries(m, "genapp_http_requests_total")
	// Output:
	// genapp_http_requests_total{app="demobot",app_type="app_api",env="dev",method="GET",resource="/{unknown}",status="404"} 1
	// genapp_http_requests_total{app="demobot",app_type="app_api",env="dev",method="GET",resource="users/{id}",status="200"} 2
}

func ExampleServe() {
	ctx, stop := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer stop()
	// In main, usually with signal.NotifyContext: serves /prometheus and
	// /health until ctx ends, then shuts down gracefully.
	if err := metrics.Serve(ctx, "127.0.0.1:0"); err != nil {
		log.Fatal(err)
	}
	fmt.Println("stopped cleanly")
	// Output:
	// stopped cleanly
}

func ExampleTrackContext() {
	m, err := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()), metrics.WithExemplars())
	if err != nil {
		log.Fatal(err)
	}
	// What a tracer (OpenTelemetry's SDK, otelhttp's middleware) puts in the
	// context of the work it traces.
	traceID, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	spanID, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: traceID, SpanID: spanID, TraceFlags: trace.FlagsSampled}))

	a := m.TrackContext(ctx, "ask_handler")
	a.End(nil)

	// Scraped as OpenMetrics, the bucket the duration fell in shows the span.
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/prometheus", nil)
	req.Header.Set("Accept", "application/openmetrics-text")
	m.Handler().ServeHTTP(rec, req)
	for line := range strings.Lines(rec.Body.String()) {
		if bucket, exemplar, ok := strings.Cut(line, " # "); ok {
			fmt.Println(bucket[strings.LastIndex(bucket, "le="):], exemplar[:strings.Index(exemplar, "}")+1])
		}
	}
	// Output:
	// le="0.01"} 1 {trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"}
}

func ExampleMetrics_StartTelegramUpdate() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	// Once per update the bot dispatches: the name of the Update field that
	// is set, and the date Telegram stamped it with (the zero time for
	// updates without one, such as callback queries).
	handle := func(updateType string, date time.Time) {
		u := m.StartTelegramUpdate(updateType, date)
		defer u.End()
		// ... route the update and run its handler ...
	}
	handle("message", time.Now())
	handle("callback_query", time.Time{})
	handle("some_future_type", time.Time{})
	printSeries(m, "genapp_telegram_updates_total")
	printSeries(m, "genapp_telegram_handlers_in_flight")
	// Output:
	// genapp_telegram_updates_total{app="demobot",env="dev",type="callback_query"} 1
	// genapp_telegram_updates_total{app="demobot",env="dev",type="message"} 1
	// genapp_telegram_updates_total{app="demobot",env="dev",type="other"} 1
	// genapp_telegram_handlers_in_flight{app="demobot",env="dev"} 0
}

func ExampleMetrics_RecordTelegramFloodWait() {
	m, _ := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	// The transport of httpclient.NewTelegram does this for every 429.
	m.RecordTelegramFloodWait("sendMessage", 35*time.Second)
	printSeries(m, "genapp_telegram_flood_wait_sec_count")
	printSeries(m, "genapp_telegram_flood_wait_sec_sum")
	// Output:
	// genapp_telegram_flood_wait_sec_count{app="demobot",env="dev",method="sendMessage"} 1
	// genapp_telegram_flood_wait_sec_sum{app="demobot",env="dev",method="sendMessage"} 35
}
