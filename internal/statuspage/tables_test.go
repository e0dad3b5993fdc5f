package statuspage

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// hostile is a label value that would be markup if the page did not
// escape it, and longer than a cell shows.
var hostile = `<script>alert(1)</script><img src=x onerror=alert(2)>"'&` + strings.Repeat("m", 200)

// testRegistry holds series of most families the tables read, with
// values whose cells are worked out by hand in TestTables, and more
// actions of the benchmarks' (route_<i>_handler, i+1 calls).
func testRegistry(more int) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	actions := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "genapp_action_count_total", Help: "h"}, []string{"name", "status", "error_name"})
	actions.WithLabelValues("a_handler", "ok", "").Add(3)
	actions.WithLabelValues("a_handler", "error", "panic").Add(1)
	actions.WithLabelValues("b_task", "ok", "").Add(10)
	durations := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "genapp_action_duration_sec", Help: "h", Buckets: []float64{0.01, 0.1, 0.5, 1}}, []string{"name"})
	for _, v := range []float64{0.05, 0.05, 0.05, 0.7} {
		durations.WithLabelValues("a_handler").Observe(v)
	}
	for range 10 {
		durations.WithLabelValues("b_task").Observe(2)
	}
	for i := range more {
		name := fmt.Sprintf("route_%d_handler", i)
		actions.WithLabelValues(name, "ok", "").Add(float64(i))
		actions.WithLabelValues(name, "error", "error").Add(1)
		durations.WithLabelValues(name).Observe(float64(i) / 100)
	}
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "genapp_http_requests_total", Help: "h"}, []string{"app_type", "resource", "status"})
	requests.WithLabelValues("telegram_api", "sendMessage", "200").Add(3)
	requests.WithLabelValues("telegram_api", "sendMessage", "403").Add(1)
	requests.WithLabelValues("telegram_api", "getMe", "200").Add(1)
	requests.WithLabelValues("llm", "v1/chat/completions", "0").Add(1)
	requests.WithLabelValues("llm", "v1/chat/completions", "200").Add(1)
	inFlight := prometheus.NewGauge(prometheus.GaugeOpts{Name: "genapp_telegram_handlers_in_flight", Help: "h"})
	inFlight.Set(2)
	llm := []string{"provider_name", "model_name"}
	llmRequests := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "genapp_llm_requests_total", Help: "h"}, llm)
	llmRequests.WithLabelValues("openai", hostile).Add(2)
	llmRequests.WithLabelValues("local", "llama").Add(1) // no usage, no price
	tokens := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "genapp_llm_tokens_total", Help: "h"}, append(llm, "token_type"))
	tokens.WithLabelValues("openai", hostile, "input").Add(1000)
	tokens.WithLabelValues("openai", hostile, "cached_input").Add(400)
	tokens.WithLabelValues("openai", hostile, "output").Add(20)
	cost := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "genapp_llm_cost_usd_total", Help: "h"}, append(llm, "token_type"))
	cost.WithLabelValues("openai", hostile, "input").Add(0.0120)
	cost.WithLabelValues("openai", hostile, "output").Add(0.0003)
	ttft := prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "genapp_llm_time_to_first_token_sec", Help: "h", Buckets: []float64{0.5, 1, 2}}, llm)
	ttft.WithLabelValues("openai", hostile).Observe(0.7)
	ttft.WithLabelValues("openai", hostile).Observe(1.5)
	reg.MustRegister(actions, durations, requests, inFlight, llmRequests, tokens, cost, ttft)
	return reg
}

// wantTables are the rows of testRegistry, by table.
var wantTables = map[string][][]string{
	// b_task first, with more calls. a_handler: 1 error in 4; p95 rank
	// 0.95 x 4 = 3.8 falls in (0.5, 1] holding 1 of the 4 observations:
	// 0.5 + 0.5 x 0.8 = 0.9. b_task's observations are all beyond the
	// last bound: its p95 is that bound, 1 s.
	"actions":     {{"b_task", "10", "–", "0.0%", "1.00 s"}, {"a_handler", "4", "–", "25.0%", "900.0 ms"}},
	"botapi":      {{"sendMessage", "4", "–", "25.0%", "–"}, {"getMe", "1", "–", "0.0%", "–"}},
	"failedsends": nil,
	"updates":     nil,
	"inflight":    {{"2"}},
	// cached_input is part of input, not added to it. First token p95:
	// rank 1.9 of 2 in (1, 2] holding 1: 1 + 1 x 0.9 = 1.9 s.
	// A model without series of tokens or cost has none: "–", not 0.
	"llm": {
		{"openai", hostile[:maxLabel] + "…", "2", "–", "1000", "20", "$0.0123", "1.90 s"},
		{"local", "llama", "1", "–", "–", "–", "–", "–"},
	},
	"services": {{"telegram_api", "5", "–", "20.0%", "–"}, {"llm", "2", "–", "50.0%", "–"}},
}

// TestTables: every cell of every table, from a registry of known values.
func TestTables(t *testing.T) {
	families, err := testRegistry(0).Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := Tables(families)
	if len(got) != len(wantTables) {
		t.Fatalf("%d tables, want %d", len(got), len(wantTables))
	}
	for _, tb := range got {
		want, ok := wantTables[tb.ID]
		if !ok {
			t.Errorf("unexpected table %q", tb.ID)
			continue
		}
		if !reflect.DeepEqual(tb.Rows, want) {
			t.Errorf("table %s:\n got %q\nwant %q", tb.ID, tb.Rows, want)
		}
		if tb.More != 0 {
			t.Errorf("table %s leaves out %d rows", tb.ID, tb.More)
		}
	}
}

// TestTablesRowCap: of 60 actions, the 50 with the most calls are shown and
// the others counted.
func TestTablesRowCap(t *testing.T) {
	reg := prometheus.NewRegistry()
	actions := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "genapp_action_count_total", Help: "h"}, []string{"name", "status"})
	reg.MustRegister(actions)
	for i := range 60 {
		actions.WithLabelValues(fmt.Sprintf("action_%02d", i), "ok").Add(float64(i))
	}
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	tb := Tables(families)[0]
	if tb.ID != "actions" || len(tb.Rows) != maxRows || tb.More != 10 {
		t.Fatalf("table %s: %d rows, %d left out; want actions, %d, 10", tb.ID, len(tb.Rows), tb.More, maxRows)
	}
	if first, last := tb.Rows[0][0], tb.Rows[maxRows-1][0]; first != "action_59" || last != "action_10" {
		t.Errorf("rows from %s to %s, want action_59 to action_10", first, last)
	}
}

func TestQuantile(t *testing.T) {
	inf := math.Inf(1)
	for _, c := range []struct {
		buckets map[float64]float64
		want    float64
	}{
		{map[float64]float64{0.1: 10, 0.5: 20, inf: 20}, 0.46}, // rank 19: 9 of the 10 in (0.1, 0.5]
		{map[float64]float64{1: 100, inf: 100}, 0.95},
		{map[float64]float64{1: 0, 2: 0, inf: 5}, 2}, // beyond the last bound
		{map[float64]float64{-1: 5, inf: 5}, -1},     // a first bound <= 0 is returned as is
		{map[float64]float64{1: 0, inf: 0}, math.NaN()},
		{map[float64]float64{inf: 3}, math.NaN()},
		{nil, math.NaN()},
	} {
		got := quantile(0.95, c.buckets)
		if math.Abs(got-c.want) > 1e-12 || math.IsNaN(got) != math.IsNaN(c.want) {
			t.Errorf("quantile(0.95, %v) = %v, want %v", c.buckets, got, c.want)
		}
	}
}

func TestFormat(t *testing.T) {
	for _, c := range []struct {
		format string
		v      float64
		want   string
	}{
		{"int", 0, "0"},
		{"int", 2.5, "3"}, // halves up, as the script's Math.floor(v + 0.5)
		{"int", 1234567, "1234567"},
		{"pct", 1.0 / 16, "6.3%"},
		{"pct", 1, "100.0%"},
		{"sec", 0.0095, "9.5 ms"},
		{"sec", 0.99996, "1000.0 ms"},
		{"sec", 1, "1.00 s"},
		{"sec", 86400, "86400.00 s"},
		{"usd", 0.0123, "$0.0123"},
		{"rate", 1.0 / 3, "0.33/s"},
		{"rate", math.NaN(), "–"},
		{"int", math.Inf(1), "–"},
	} {
		if got := format(c.format, c.v); got != c.want {
			t.Errorf("format(%q, %v) = %q, want %q", c.format, c.v, got, c.want)
		}
	}
}
