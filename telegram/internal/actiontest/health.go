package actiontest

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/promtest"
)

// Families of the bot health signals.
const (
	Updates   = "genapp_telegram_updates_total"
	Lag       = "genapp_telegram_update_lag_sec"
	InFlight  = "genapp_telegram_handlers_in_flight"
	FloodWait = "genapp_telegram_flood_wait_sec"
)

// ScrapeUntil scrapes h until ok holds, for at most 30 s (a library's first
// update can take seconds under -race), and returns the scrape that
// satisfied it; the test fails with the last one otherwise.
func ScrapeUntil(t testing.TB, h http.Handler, what string, ok func(*promtest.Exposition) bool) *promtest.Exposition {
	t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		e := promtest.Scrape(t, h)
		if ok(e) {
			return e
		}
		if time.Now().After(deadline) {
			t.Fatalf("after 30 s, still not %s:\n%s", what, e.Text)
		}
	}
}

// Gauge is the value of the one sample of the gauge family name, NaN when
// it has none or several.
func Gauge(e *promtest.Exposition, name string) float64 {
	ms := e.Find(name, nil)
	if len(ms) != 1 {
		return math.NaN()
	}
	return ms[0].GetGauge().GetValue()
}
