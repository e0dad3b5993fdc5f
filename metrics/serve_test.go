package metrics

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
)

func TestServe(t *testing.T) {
	m := initTest(t)
	_ = run(m, "served", func(*Action) error { return nil })

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln) }()

	e := promtest.ScrapeURL(t, base+MetricsPath)
	if got := e.Counter(t, "genapp_action_count_total", L{"name": "served"}); got != 1 {
		t.Fatalf("count = %v", got)
	}
	resp, err := http.Get(base + LivenessPath)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || string(body) != "ok\n" {
		t.Fatalf("liveness: %d %q", resp.StatusCode, body)
	}
	resp, err = http.Post(base+MetricsPath, "text/plain", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST /prometheus: %d, want 405", resp.StatusCode)
	}

	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve after cancel: %v, want nil", err)
		}
	case <-time.After(ShutdownTimeout + time.Second):
		t.Fatal("Serve did not return after its context ended")
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Fatal("listener still accepts connections after shutdown")
	}
}

func TestServeAddressErrors(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := Serve(ctx, ln.Addr().String()); err == nil {
		t.Fatal("Serve on a busy port returned nil")
	}
	if err := Serve(ctx, "not an address"); err == nil {
		t.Fatal("Serve on a bad address returned nil")
	}
}

func TestServeOnAddress(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, "127.0.0.1:0") }()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(ShutdownTimeout + time.Second):
		t.Fatal("Serve did not stop")
	}
}

// blockingCollector is a collector whose Collect waits for release, after
// telling entered.
type blockingCollector struct{ entered, release chan struct{} }

func (c blockingCollector) Describe(chan<- *prometheus.Desc) {}
func (c blockingCollector) Collect(ch chan<- prometheus.Metric) {
	close(c.entered)
	<-c.release
	ch <- prometheus.MustNewConstMetric(prometheus.NewDesc("late_metric", "A metric collected late.", nil, nil), prometheus.GaugeValue, 1)
}

// TestServeShutdownAnswersScrapesInFlight: once the context ends, a scrape
// being answered is answered whole, and a client still sending its request
// does not hold the stop: its connection is closed once the scrape is.
func TestServeShutdownAnswersScrapesInFlight(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := blockingCollector{make(chan struct{}), make(chan struct{})}
	reg.MustRegister(c)
	if _, err := Init("demobot", "dev", WithRegistry(reg)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { defaultMetrics.Store(nil) })
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- ServeListener(ctx, ln) }()

	slow, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Close()
	if _, err := io.WriteString(slow, "GET "+MetricsPath+" HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status int
		body   string
		err    error
	}
	scraped := make(chan answer, 1)
	go func() {
		resp, err := http.Get("http://" + ln.Addr().String() + MetricsPath)
		if err != nil {
			scraped <- answer{err: err}
			return
		}
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		scraped <- answer{resp.StatusCode, string(body), err}
	}()
	<-c.entered
	cancel()
	close(c.release)
	if a := <-scraped; a.err != nil || a.status != http.StatusOK || !strings.Contains(a.body, "late_metric 1\n") {
		t.Errorf("scrape in flight: status %d, err %v, body:\n%.300s\nwant 200 and the whole page", a.status, a.err, a.body)
	}
	// Once the scrape is answered, the slow client holds nothing: its
	// connection is closed, long before ShutdownTimeout.
	if err := slow.SetReadDeadline(time.Now().Add(ShutdownTimeout - time.Second)); err != nil { // a guard only
		t.Fatal(err)
	}
	if _, err := slow.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("slow client: read %v, want its connection closed once the scrape is answered", err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeListener: %v, want nil", err)
		}
	case <-time.After(ShutdownTimeout + time.Second):
		t.Fatal("ServeListener did not return")
	}
}
