package metrics

import (
	"bytes"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// TestSeriesLimit: 100,000 distinct action names and resources leave every
// family within its limit, the overflow series included, and the overflow
// counter equals the number of folded observations.
func TestSeriesLimit(t *testing.T) {
	const limit, distinct = 100, 100_000
	var logs bytes.Buffer
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithMaxSeries(limit),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	const workers = 4
	for w := range workers {
		wg.Go(func() {
			for i := w; i < distinct; i += workers {
				v := strconv.Itoa(i)
				_ = run(m, "name_"+v, func(a *Action) error {
					a.Size(1)
					if i%2 == 0 {
						return errBoom
					}
					return nil
				})
				m.RecordHTTP(Exchange{AppType: AppTypeAPI, Method: "GET", Resource: "r" + v, Status: 200})
			}
		})
	}
	wg.Wait()

	e := scrape(t, m)
	for _, name := range []string{
		"genapp_action_count_total", "genapp_action_duration_sec", "genapp_action_size_total",
		"genapp_http_requests_total", "genapp_http_request_duration_sec", "genapp_http_request_size_bytes",
	} {
		if n := e.Series(name); n > limit {
			t.Errorf("%s: %d series, limit %d", name, n, limit)
		}
	}
	if n := e.Series("genapp_http_request_size_bytes"); n != limit {
		t.Errorf("genapp_http_request_size_bytes: %d series, want the limit, %d, reached", n, limit)
	}
	kept := e.Series("genapp_action_duration_sec") - 1
	if want := (limit - 2) / 2; kept != want {
		t.Errorf("%d action names kept, want %d", kept, want)
	}
	foldedNames := e.Counter(t, "genapp_series_overflow_total", L{"label": "name"})
	if want := float64(distinct - kept); foldedNames != want {
		t.Errorf("folded names = %v, want %v", foldedNames, want)
	}
	ok := e.Counter(t, "genapp_action_count_total", L{"name": OverflowValue, "status": "ok"})
	failed := e.Counter(t, "genapp_action_count_total", L{"name": OverflowValue, "status": "error"})
	if ok+failed != foldedNames {
		t.Errorf("overflow series counted %v, folded %v", ok+failed, foldedNames)
	}
	if size := e.Counter(t, "genapp_action_size_total", L{"name": OverflowValue}); size != foldedNames {
		t.Errorf("overflow size = %v, want %v", size, foldedNames)
	}
	keptResources := e.Series("genapp_http_requests_total") - 1
	foldedResources := e.Counter(t, "genapp_series_overflow_total", L{"label": "resource"})
	if want := float64(distinct - keptResources); foldedResources != want {
		t.Errorf("folded resources = %v, want %v", foldedResources, want)
	}
	if got := e.Counter(t, "genapp_http_requests_total", L{"resource": OverflowValue, "status": OverflowValue}); got != foldedResources {
		t.Errorf("overflow requests = %v, want %v", got, foldedResources)
	}
	for _, label := range []string{"name", "resource"} {
		if n := strings.Count(logs.String(), "label="+label); n != 1 {
			t.Errorf("%d warnings for %s, want exactly one:\n%s", n, label, logs.String())
		}
	}
}

// TestSeriesLimitSharedByInits: a second Init on the same registry shares the
// first one's series budget instead of starting a new one.
func TestSeriesLimitSharedByInits(t *testing.T) {
	reg := prometheus.NewRegistry()
	for i := range 2 {
		m, err := New("demobot", "dev", WithRegistry(reg), WithMaxSeries(10), WithLogger(slog.New(slog.DiscardHandler)))
		if err != nil {
			t.Fatal(err)
		}
		for j := range 10 {
			_ = run(m, "n"+strconv.Itoa(i*10+j), func(*Action) error { return nil })
		}
	}
	e := promtestScrapeRegistry(t, reg)
	if n := e.Series("genapp_action_duration_sec"); n != 4+1 {
		t.Fatalf("%d names, want 4 kept + overflow", n)
	}
}
