package metrics

import (
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/spantest"
)

// TestLoad scrapes /prometheus from concurrent clients while 100 goroutines
// track actions and record HTTP exchanges, then checks that nothing failed,
// no goroutine is left behind and the heap is back where it started.
//
// make test runs it for a second; make load sets GENAPP_LOAD_DURATION (30s)
// and GENAPP_LOAD_SCRAPERS (16) for the full size.
func TestLoad(t *testing.T) {
	duration := envDuration(t, "GENAPP_LOAD_DURATION", time.Second)
	scrapers := envInt(t, "GENAPP_LOAD_SCRAPERS", 4)
	const trackers = 100

	// Native histograms and exemplars on, half the trackers in a span, half
	// the scrapes in OpenMetrics: the exemplars are stored and shown under
	// load too.
	m := newModern(t, WithNativeHistograms(DefaultNativeHistogramFactor), WithExemplars())
	goroutinesBefore := runtime.NumGoroutine()
	heapBefore := heapInUse()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String() + MetricsPath
	ctx, stopServer := context.WithCancel(context.Background())
	served := make(chan error, 1)
	go func() {
		srv := &http.Server{Handler: m.Handler()}
		go func() { <-ctx.Done(); _ = srv.Close() }()
		if err := srv.Serve(ln); err != http.ErrServerClosed {
			served <- err
		}
		close(served)
	}()

	loadCtx, stopLoad := context.WithTimeout(context.Background(), duration)
	defer stopLoad()
	var actions, scrapes, scrapeErrors, scrapeBytes atomic.Int64
	var wg sync.WaitGroup
	for g := range trackers {
		wg.Go(func() {
			name := "load_" + strconv.Itoa(g%20) + "_handler"
			resource := "load/" + strconv.Itoa(g%10)
			ctx := context.Background()
			if g%2 == 0 {
				ctx = spanContext(spantest.TraceID, spantest.SpanID)
			}
			for i := 0; loadCtx.Err() == nil && i < 50_000_000; i++ {
				a := m.TrackContext(ctx, name)
				a.Size(i % 7)
				a.End(nil)
				m.RecordHTTPContext(ctx, Exchange{AppType: AppTypeLLM, Method: "POST", Resource: resource, Status: 200 + i%3})
				actions.Add(1)
				// At most 10,000 actions a second each, a million in all:
				// a busy bot, not a CPU hog that starves the scrapes.
				if i%10 == 9 {
					time.Sleep(time.Millisecond)
				}
			}
		})
	}
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: scrapers}}
	for s := range scrapers {
		wg.Go(func() {
			req, err := http.NewRequest(http.MethodGet, url, nil)
			if err != nil {
				panic(err)
			}
			if s%2 == 1 {
				req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
			}
			for i := 0; loadCtx.Err() == nil && i < 1_000_000; i++ {
				resp, err := client.Do(req)
				if err != nil {
					scrapeErrors.Add(1)
					continue
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK || n == 0 {
					scrapeErrors.Add(1)
					continue
				}
				scrapes.Add(1)
				scrapeBytes.Add(n)
			}
		})
	}
	wg.Wait()
	client.CloseIdleConnections()
	stopServer()
	if err := <-served; err != nil {
		t.Fatal(err)
	}

	secs := duration.Seconds()
	t.Logf("%v: %d trackers did %.0f actions/s (each with an HTTP record), %d scrapers did %.0f scrapes/s of %d bytes, %d errors",
		duration, trackers, float64(actions.Load())/secs, scrapers, float64(scrapes.Load())/secs,
		scrapeBytes.Load()/max(scrapes.Load(), 1), scrapeErrors.Load())
	if scrapeErrors.Load() != 0 || scrapes.Load() == 0 || actions.Load() == 0 {
		t.Fatalf("%d scrape errors, %d scrapes, %d actions", scrapeErrors.Load(), scrapes.Load(), actions.Load())
	}

	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > goroutinesBefore && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := runtime.NumGoroutine(); n > goroutinesBefore {
		t.Errorf("%d goroutines after the load, %d before", n, goroutinesBefore)
	}
	heapAfter := heapInUse()
	t.Logf("heap in use: %d KiB before, %d KiB after the load", heapBefore>>10, heapAfter>>10)
	if heapAfter > heapBefore+8<<20 {
		t.Errorf("heap grew by %d KiB over the load", (heapAfter-heapBefore)>>10)
	}
}

func heapInUse() uint64 {
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapInuse
}

func envDuration(t *testing.T, name string, def time.Duration) time.Duration {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 || d > 10*time.Minute {
		t.Fatalf("%s=%q: want a duration between 0 and 10m", name, v)
	}
	return d
}

func envInt(t *testing.T, name string, def int) int {
	v := os.Getenv(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 256 {
		t.Fatalf("%s=%q: want an integer from 1 to 256", name, v)
	}
	return n
}
