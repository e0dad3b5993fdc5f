package httpclient_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/genapp-go/genapp/httpclient"
)

// memTransport answers every request from memory with a small fixed body, so
// that the benchmarks measure the instrumentation and nothing else.
type memTransport struct{}

const memBody = `{"id":"chatcmpl-1","object":"chat.completion","choices":[{"message":{"content":"ok"}}]}`

func (memTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return &http.Response{
		StatusCode:    http.StatusOK,
		Body:          io.NopCloser(strings.NewReader(memBody)),
		ContentLength: int64(len(memBody)),
		Request:       r,
	}, nil
}

func benchRoundTrips(b *testing.B, rt http.RoundTripper) {
	benchRoundTripsTo(b, rt, "http://llm.test/v1/chat/completions")
}

func benchRoundTripsTo(b *testing.B, rt http.RoundTripper, url string) {
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, err := rt.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := io.Copy(io.Discard, resp.Body); err != nil {
			b.Fatal(err)
		}
		resp.Body.Close()
	}
}

// BenchmarkBase is the in-memory base transport alone: what both
// instrumented benchmarks below add to.
func BenchmarkBase(b *testing.B) { benchRoundTrips(b, memTransport{}) }

func BenchmarkTransport(b *testing.B) {
	benchRoundTrips(b, httpclient.NewTransport(memTransport{}, httpclient.WithMetrics(newMetrics(b))))
}

// BenchmarkTelegram is the transport of NewTelegram on the same base: the
// token put into the path, its masking in the header and body of the answer.
func BenchmarkTelegram(b *testing.B) {
	client := httpclient.NewTelegram("7012345678:AAHfakeTokenForTests_0123456789-abcd",
		httpclient.WithBase(memTransport{}), httpclient.WithMetrics(newMetrics(b)))
	benchRoundTripsTo(b, client.Transport, "http://api.test/botTOKEN/sendMessage")
}

// BenchmarkPromhttpRoundTripper is client_golang's own client instrumentation,
// a counter and a duration histogram by code and method, on the same base.
func BenchmarkPromhttpRoundTripper(b *testing.B) {
	reg := prometheus.NewRegistry()
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "client_requests_total", Help: "Requests.",
	}, []string{"code", "method"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "client_request_duration_seconds", Help: "Latency.", Buckets: prometheus.DefBuckets,
	}, []string{"code", "method"})
	reg.MustRegister(requests, duration)
	benchRoundTrips(b, promhttp.InstrumentRoundTripperCounter(requests,
		promhttp.InstrumentRoundTripperDuration(duration, memTransport{})))
}
