package httpclient_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
)

// TestDefaultLookedUpPerRequest is the only test that calls metrics.Init: a
// client built before Init forwards untouched, and records once Init ran.
func TestDefaultLookedUpPerRequest(t *testing.T) {
	if metrics.Default() != nil {
		t.Skip("metrics.Init already ran in this process (go test -count > 1)")
	}
	var last io.ReadCloser
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		last = io.NopCloser(opaqueReader{strings.NewReader("hello")})
		return &http.Response{StatusCode: http.StatusOK, Body: last, Request: r}, nil
	})
	c := httpclient.NewLLM(httpclient.WithBase(base))
	none := httpclient.NewLLM(httpclient.WithBase(base), httpclient.WithMetrics(nil))

	resp, err := c.Get("http://llm.test/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Body != last {
		t.Fatalf("before Init the body is %T, want the base transport's own", resp.Body)
	}
	resp.Body.Close()

	m, err := metrics.Init("testapp", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	get(t, c, "http://llm.test/v1/models")
	resp, err = none.Get("http://llm.test/v1/models")
	if err != nil {
		t.Fatal(err)
	}
	if resp.Body != last {
		t.Fatalf("WithMetrics(nil): the body is %T, want the base transport's own", resp.Body)
	}
	resp.Body.Close()

	e := scrape(t, m)
	check(t, e, want{metrics.AppTypeLLM, "GET", "v1/models", "200", 1, 0, 5})
	checkSeries(t, e, 1)
}
