package actiontest

import (
	"math"
	"net/http"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
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

// ActiveUsers is the family of the active-users sketch.
const ActiveUsers = "genapp_telegram_active_users_sketch"

// WantActiveUsers asserts that the active-users sketch scraped from h holds
// about users distinct users, counted since since: the HyperLogLog
// estimate within 10% (its standard error is 2.3% at the default
// precision), or only that it is fed when a UTC hour started meanwhile (the
// sketch restarts with each hour).
func WantActiveUsers(t testing.TB, h http.Handler, users int, since time.Time) {
	t.Helper()
	e := promtest.Scrape(t, h)
	var registers []float64
	for _, m := range e.Find(ActiveUsers, nil) {
		registers = append(registers, m.GetGauge().GetValue())
	}
	got := metrics.EstimateActiveUsers(registers)
	if got < 0.5 {
		t.Fatalf("%s: %d registers, estimate %.1f users, want %d: the sketch is not fed", ActiveUsers, len(registers), got, users)
	}
	if time.Now().Unix()/3600 != since.Unix()/3600 {
		return
	}
	if math.Abs(got-float64(users)) > 0.1*float64(users)+1 {
		t.Fatalf("%s: estimate %.1f users, want %d within 10%%", ActiveUsers, got, users)
	}
}
