package statuspage

import (
	"cmp"
	"math"
	"slices"
	"strconv"
	"strings"

	dto "github.com/prometheus/client_model/go"
)

// maxRows bounds the rows of each table; the busiest rows are kept.
const maxRows = 50

// maxLabel bounds, in characters, a label value shown in a cell.
const maxLabel = 80

// match selects the series whose label L compares with V by Op: "=" equal,
// "!=" not equal, "^" starting with V, "!^" not starting with V. A missing
// label has the value "".
type match struct {
	L  string `json:"l"`
	Op string `json:"op"`
	V  string `json:"v"`
}

// column is a computed column of a table.
type column struct {
	Head string `json:"-"`
	// Kind is "sum" (the sum of the series' values, none without
	// series), "ratio" (the sum of
	// the series that Match selects over the sum of all), "p95" (the 95th
	// percentile of a histogram, interpolated in its buckets as
	// histogram_quantile does) or "rate" (the per-second increase of
	// column Of between two scrapes, which only the script computes).
	Kind string `json:"kind"`
	// Family is the family the column reads; "" is the table's.
	Family string  `json:"family,omitempty"`
	Match  []match `json:"match,omitempty"`
	// Format is "int", "pct", "sec", "usd" or "rate": see format.
	Format string `json:"format"`
	Of     int    `json:"of,omitempty"`
	// Chart asks the script for a small chart of the column's recent values.
	Chart bool `json:"chart,omitempty"`
}

// table is a table of the page: a row for each distinct value of the By
// labels among the series of Family that Match selects, and columns
// computed from the series of the same labels (Match applies to every
// family the columns read).
type table struct {
	ID     string   `json:"-"`
	Title  string   `json:"-"`
	Empty  string   `json:"-"`
	Heads  []string `json:"-"` // of the By columns
	Family string   `json:"family"`
	Match  []match  `json:"match,omitempty"`
	By     []string `json:"by,omitempty"`
	Cols   []column `json:"cols"`
}

// Families the tables read.
const (
	actionCount  = "genapp_action_count_total"
	httpRequests = "genapp_http_requests_total"
	httpDuration = "genapp_http_request_duration_sec"
	llmTokens    = "genapp_llm_tokens_total"
)

// tables are the tables of the page, in order.
var tables = []table{
	{
		ID: "actions", Title: "Handlers and other actions",
		Empty:  "No action yet (genapp_action_count_total has no series).",
		Family: actionCount, By: []string{"name"}, Heads: []string{"action"},
		Cols: []column{
			{Head: "calls", Kind: "sum", Format: "int"},
			{Head: "rate", Kind: "rate", Of: 0, Format: "rate", Chart: true},
			{Head: "errors", Kind: "ratio", Match: []match{{"status", "=", "error"}}, Format: "pct"},
			{Head: "p95", Kind: "p95", Family: "genapp_action_duration_sec", Format: "sec"},
		},
	},
	{
		ID: "botapi", Title: "Bot API calls by method",
		Empty:  "No Bot API call yet (genapp_http_requests_total has no app_type=\"telegram_api\" series).",
		Family: httpRequests, Match: []match{{"app_type", "=", "telegram_api"}},
		By: []string{"resource"}, Heads: []string{"method"},
		Cols: []column{
			{Head: "calls", Kind: "sum", Format: "int"},
			{Head: "rate", Kind: "rate", Of: 0, Format: "rate", Chart: true},
			{Head: "errors", Kind: "ratio", Match: []match{{"status", "!^", "2"}}, Format: "pct"},
			{Head: "p95", Kind: "p95", Family: httpDuration, Format: "sec"},
		},
	},
	{
		ID: "failedsends", Title: "Failed Bot API calls by reason",
		Empty:  "No failed Bot API call (genapp_telegram_api_errors_total has no series).",
		Family: "genapp_telegram_api_errors_total", By: []string{"method", "reason"}, Heads: []string{"method", "reason"},
		Cols: []column{
			{Head: "failures", Kind: "sum", Format: "int"},
			{Head: "rate", Kind: "rate", Of: 0, Format: "rate", Chart: true},
		},
	},
	{
		ID: "updates", Title: "Updates by type",
		Empty:  "No update yet (genapp_telegram_updates_total has no series).",
		Family: "genapp_telegram_updates_total", By: []string{"type"}, Heads: []string{"type"},
		Cols: []column{
			{Head: "updates", Kind: "sum", Format: "int"},
			{Head: "rate", Kind: "rate", Of: 0, Format: "rate", Chart: true},
			{Head: "lag p95", Kind: "p95", Family: "genapp_telegram_update_lag_sec", Format: "sec"},
		},
	},
	{
		ID: "inflight", Title: "Handlers in flight",
		Empty:  "No bot handler tracked (genapp_telegram_handlers_in_flight has no series).",
		Family: "genapp_telegram_handlers_in_flight",
		Cols: []column{
			{Head: "in flight", Kind: "sum", Format: "int", Chart: true},
		},
	},
	{
		ID: "llm", Title: "LLM calls by model",
		Empty:  "No LLM call yet (genapp_llm_requests_total has no series).",
		Family: "genapp_llm_requests_total", By: []string{"provider_name", "model_name"}, Heads: []string{"provider", "model"},
		Cols: []column{
			{Head: "requests", Kind: "sum", Format: "int"},
			{Head: "rate", Kind: "rate", Of: 0, Format: "rate", Chart: true},
			{Head: "input tokens", Kind: "sum", Family: llmTokens, Match: []match{{"token_type", "=", "input"}}, Format: "int"},
			{Head: "output tokens", Kind: "sum", Family: llmTokens, Match: []match{{"token_type", "=", "output"}}, Format: "int"},
			{Head: "cost", Kind: "sum", Family: "genapp_llm_cost_usd_total", Format: "usd"},
			{Head: "first token p95", Kind: "p95", Family: "genapp_llm_time_to_first_token_sec", Format: "sec"},
		},
	},
	{
		ID: "services", Title: "HTTP calls by service",
		Empty:  "No HTTP call yet (genapp_http_requests_total has no series).",
		Family: httpRequests, By: []string{"app_type"}, Heads: []string{"app_type"},
		Cols: []column{
			{Head: "calls", Kind: "sum", Format: "int"},
			{Head: "rate", Kind: "rate", Of: 0, Format: "rate", Chart: true},
			{Head: "errors", Kind: "ratio", Match: []match{{"status", "!^", "2"}}, Format: "pct"},
			{Head: "p95", Kind: "p95", Family: httpDuration, Format: "sec"},
		},
	},
}

// Table is a table of the page filled in from one gathering.
type Table struct {
	ID, Title, Empty string
	Heads            []string // the label columns', then the computed columns'
	Labels           int      // how many of the columns are labels
	Rows             [][]string
	More             int // rows left out beyond maxRows
	spec             *table
}

// Tables fills in the tables of the page from families.
func Tables(families []*dto.MetricFamily) []Table {
	byName := make(map[string]*dto.MetricFamily, len(families))
	for _, f := range families {
		byName[f.GetName()] = f
	}
	out := make([]Table, len(tables))
	for i := range tables {
		out[i] = fill(&tables[i], byName)
	}
	return out
}

// row is a row being computed.
type row struct {
	key  []string
	vals []float64
	den  []float64             // ratio columns: the denominator
	hist []map[float64]float64 // p95 columns: cumulative count by upper bound (+Inf the total)
}

func fill(t *table, byName map[string]*dto.MetricFamily) Table {
	heads := append(slices.Clone(t.Heads), make([]string, len(t.Cols))...)
	for i, c := range t.Cols {
		heads[len(t.By)+i] = c.Head
	}
	out := Table{ID: t.ID, Title: t.Title, Empty: t.Empty, Heads: heads, Labels: len(t.By), spec: t}
	rows := map[string]*row{}
	var order []*row
	for _, m := range selected(byName[t.Family], t.Match, nil) {
		key := labelValues(m, t.By)
		k := strings.Join(key, "\xff")
		if rows[k] == nil {
			r := &row{key: key, vals: make([]float64, len(t.Cols)), den: make([]float64, len(t.Cols)), hist: make([]map[float64]float64, len(t.Cols))}
			for i, c := range t.Cols {
				if c.Kind == "sum" {
					r.vals[i] = math.NaN() // until a series counts: "–", such as the cost of a model without a price
				}
			}
			rows[k] = r
			order = append(order, r)
		}
	}
	for i, c := range t.Cols {
		family := cmp.Or(c.Family, t.Family)
		for _, m := range selected(byName[family], t.Match, nil) {
			r := rows[strings.Join(labelValues(m, t.By), "\xff")]
			if r == nil {
				continue
			}
			switch c.Kind {
			case "sum":
				if matches(m, c.Match) {
					if math.IsNaN(r.vals[i]) {
						r.vals[i] = 0
					}
					r.vals[i] += value(m)
				}
			case "ratio":
				r.den[i] += value(m)
				if matches(m, c.Match) {
					r.vals[i] += value(m)
				}
			case "p95":
				h := m.GetHistogram()
				if h == nil {
					continue
				}
				if r.hist[i] == nil {
					r.hist[i] = map[float64]float64{}
				}
				for _, b := range h.GetBucket() {
					if !math.IsInf(b.GetUpperBound(), 1) { // a parsed exposition's +Inf bucket: the sample count
						r.hist[i][b.GetUpperBound()] += float64(b.GetCumulativeCount())
					}
				}
				r.hist[i][math.Inf(1)] += float64(h.GetSampleCount())
			}
		}
	}
	for _, r := range order {
		for i, c := range t.Cols {
			switch c.Kind {
			case "ratio":
				r.vals[i] = ratio(r.vals[i], r.den[i])
			case "p95":
				r.vals[i] = quantile(0.95, r.hist[i])
			case "rate":
				r.vals[i] = math.NaN()
			}
		}
	}
	slices.SortStableFunc(order, func(a, b *row) int {
		if len(t.Cols) > 0 {
			if c := cmp.Compare(b.vals[0], a.vals[0]); c != 0 {
				return c
			}
		}
		return slices.Compare(a.key, b.key)
	})
	if len(order) > maxRows {
		out.More = len(order) - maxRows
		order = order[:maxRows]
	}
	for _, r := range order {
		cells := make([]string, 0, len(heads))
		for _, v := range r.key {
			cells = append(cells, truncate(v))
		}
		for i, c := range t.Cols {
			cells = append(cells, format(c.Format, r.vals[i]))
		}
		out.Rows = append(out.Rows, cells)
	}
	return out
}

// selected returns the metrics of f that every matcher of both lists selects.
func selected(f *dto.MetricFamily, a, b []match) []*dto.Metric {
	var out []*dto.Metric
	for _, m := range f.GetMetric() {
		if matches(m, a) && matches(m, b) {
			out = append(out, m)
		}
	}
	return out
}

func matches(m *dto.Metric, ms []match) bool {
	for _, x := range ms {
		v := labelValue(m, x.L)
		var ok bool
		switch x.Op {
		case "=":
			ok = v == x.V
		case "!=":
			ok = v != x.V
		case "^":
			ok = strings.HasPrefix(v, x.V)
		case "!^":
			ok = !strings.HasPrefix(v, x.V)
		}
		if !ok {
			return false
		}
	}
	return true
}

func labelValue(m *dto.Metric, name string) string {
	for _, l := range m.GetLabel() {
		if l.GetName() == name {
			return l.GetValue()
		}
	}
	return ""
}

func labelValues(m *dto.Metric, names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = labelValue(m, n)
	}
	return out
}

// value is the value of a counter, gauge or untyped metric.
func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

func ratio(num, den float64) float64 {
	if den == 0 {
		return math.NaN()
	}
	return num / den
}

// quantile is the q-quantile of the histogram whose cumulative counts by
// upper bound are buckets (+Inf holding the total), interpolated linearly
// within its bucket as Prometheus' histogram_quantile does; NaN without
// observations.
func quantile(q float64, buckets map[float64]float64) float64 {
	bounds := make([]float64, 0, len(buckets))
	for b := range buckets {
		bounds = append(bounds, b)
	}
	slices.Sort(bounds)
	n := len(bounds)
	if n < 2 || !math.IsInf(bounds[n-1], 1) || buckets[bounds[n-1]] == 0 {
		return math.NaN()
	}
	rank := q * buckets[bounds[n-1]]
	b := 0
	for buckets[bounds[b]] < rank {
		b++
	}
	switch {
	case b == n-1:
		return bounds[n-2]
	case b == 0 && bounds[0] <= 0:
		return bounds[0]
	}
	start, end, count := 0.0, bounds[b], buckets[bounds[b]]
	if b > 0 {
		start = bounds[b-1]
		count -= buckets[bounds[b-1]]
		rank -= buckets[bounds[b-1]]
	}
	return start + (end-start)*(rank/count)
}

// format formats v for a cell: "int" rounded to a whole number, "pct" a
// ratio as a percentage with one decimal, "sec" a duration in
// milliseconds with one decimal below 1 s, in seconds with two above,
// "usd" dollars with four decimals, "rate" a per-second rate with two
// decimals. NaN (no value) and infinities are "–". The script formats alike, digit for digit.
func format(f string, v float64) string {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return "–"
	}
	switch f {
	case "pct":
		return fixed(v*100, 1) + "%"
	case "sec":
		if v < 1 {
			return fixed(v*1000, 1) + " ms"
		}
		return fixed(v, 2) + " s"
	case "usd":
		return "$" + fixed(v, 4)
	case "rate":
		return fixed(v, 2) + "/s"
	}
	return fixed(v, 0)
}

// fixed formats v with d decimals, rounding halves up, with the same
// floating-point operations as the script's (Math.floor(v*p+0.5)/p).toFixed(d).
func fixed(v float64, d int) string {
	p := math.Pow10(d)
	return strconv.FormatFloat(math.Floor(float64(v*p)+0.5)/p, 'f', d, 64)
}

// truncate shortens a label value to maxLabel characters.
func truncate(s string) string {
	if len(s) <= maxLabel {
		return s
	}
	r := []rune(s)
	if len(r) <= maxLabel {
		return s
	}
	return string(r[:maxLabel]) + "…"
}
