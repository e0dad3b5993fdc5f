package metrics

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/common/expfmt"
)

// gatherText renders the families of g named name in the text format.
func gatherText(t *testing.T, g prometheus.Gatherer, name string) string {
	t.Helper()
	mfs, err := g.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	for _, mf := range mfs {
		if mf.GetName() != name {
			continue
		}
		if _, err := expfmt.MetricFamilyToText(&buf, mf); err != nil {
			t.Fatal(err)
		}
	}
	return buf.String()
}

// TestInFlightExposition: genapp_telegram_handlers_in_flight is
// byte-identical to what a GaugeVec with no labels and the const labels
// app/env gives: absent before the first update, then the value; the
// pedantic registry accepts the collector.
func TestInFlightExposition(t *testing.T) {
	reg := prometheus.NewPedanticRegistry()
	m, err := New("demobot", "dev", WithRegistry(reg))
	if err != nil {
		t.Fatal(err)
	}
	ref := prometheus.NewPedanticRegistry()
	g := prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: telegramInFlightName, Help: telegramInFlightHelp,
		ConstLabels: prometheus.Labels{"app": m.Project(), "env": m.Env()}}, nil)
	ref.MustRegister(g)
	// Which const label names does the library use? Compare with its own
	// updates family.
	if got, want := gatherText(t, reg, telegramInFlightName), gatherText(t, ref, telegramInFlightName); got != want || got != "" {
		t.Errorf("before any update: %q, reference %q", got, want)
	}
	u1 := m.StartTelegramUpdate("message", time.Now())
	u2 := m.StartTelegramUpdate("callback_query", time.Time{})
	g.WithLabelValues().Add(2)
	got, want := gatherText(t, reg, telegramInFlightName), gatherText(t, ref, telegramInFlightName)
	if got != want {
		t.Errorf("in flight:\n%s\nreference GaugeVec:\n%s", got, want)
	}
	if !strings.Contains(gatherText(t, reg, "genapp_telegram_updates_total"), `app="demobot",env="dev"`) {
		t.Errorf("const labels of the other families differ from app/env: %s", gatherText(t, reg, "genapp_telegram_updates_total"))
	}
	u1.End()
	u2.End()
	g.WithLabelValues().Sub(2)
	if got, want := gatherText(t, reg, telegramInFlightName), gatherText(t, ref, telegramInFlightName); got != want {
		t.Errorf("after End:\n%s\nreference:\n%s", got, want)
	}
	// A second New on the same registry reuses the families: one series.
	m2, err := New("demobot", "dev", WithRegistry(reg))
	if err != nil {
		t.Fatal(err)
	}
	u := m2.StartTelegramUpdate("message", time.Now())
	if got := strings.Count(gatherText(t, reg, telegramInFlightName), telegramInFlightName+"{"); got != 1 {
		t.Errorf("%d in-flight series after a second New", got)
	}
	u.End()
}

// TestInFlightConcurrentScrapes: concurrent Start/End and scrapes under
// -race; the gauge ends at 0.
func TestInFlightConcurrentScrapes(t *testing.T) {
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewPedanticRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 2000 {
				u := m.StartTelegramUpdate("message", time.Now().Add(-time.Second))
				a := u.Track("start_handler")
				a.End(nil)
				u.End()
			}
		}()
	}
	for range 20 {
		_ = gatherText(t, m.Gatherer(), telegramInFlightName)
	}
	wg.Wait()
	if got := gatherText(t, m.Gatherer(), telegramInFlightName); !strings.Contains(got, "} 0\n") {
		t.Errorf("after all ended: %s", got)
	}
}

// TestWallAtConcurrent: many goroutines re-anchoring (each forced to
// by an anchor a second old) never read a wall clock off by more than a
// few ms from time.Now, under -race.
func TestWallAtConcurrent(t *testing.T) {
	t.Cleanup(func() { anchor.Store(nil) })
	var wg sync.WaitGroup
	var mu sync.Mutex
	var worst time.Duration
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 3000 {
				if i%100 == g {
					w := time.Now()
					anchor.Store(&wallAnchor{wall: w.UnixNano(), mono: w.Sub(epoch) - time.Second})
				}
				before := time.Now()
				got := wallAt(now())
				after := time.Now()
				var off time.Duration
				switch {
				case got.Before(before.Round(0)):
					off = before.Round(0).Sub(got)
				case got.After(after.Round(0)):
					off = got.Sub(after.Round(0))
				}
				mu.Lock()
				worst = max(worst, off)
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if worst > 5*time.Millisecond {
		t.Errorf("wallAt off time.Now by up to %v", worst)
	}
}

// TestWallAtBehindAnchor: a caller whose mono predates the anchor by a
// microsecond (another goroutine anchored again between its now() and its
// wallAt) reads off that anchor: no wall clock read, no allocation.
func TestWallAtBehindAnchor(t *testing.T) {
	t.Cleanup(func() { anchor.Store(nil) })
	wallAt(now())
	mono := now()
	time.Sleep(time.Millisecond)
	wallAt(now() + 0) // fresh anchor stays
	a0 := anchor.Load()
	anchor.Store(&wallAnchor{wall: a0.wall, mono: mono + time.Microsecond}) // an anchor read 1 µs after mono
	a1 := anchor.Load()
	n := testing.AllocsPerRun(100, func() { wallAt(mono) })
	if anchor.Load() != a1 || n != 0 {
		t.Errorf("a mono 1 µs behind the anchor re-anchors: %v allocations per call", n)
	}
}
