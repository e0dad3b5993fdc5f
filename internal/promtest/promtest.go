package promtest

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sort"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// Labels selects series: a series matches when it has every label given,
// with the value given. Labels not named are not looked at.
type Labels map[string]string

// Exposition is one parsed scrape in the Prometheus text format.
type Exposition struct {
	Text     string
	Families map[string]*dto.MetricFamily
}

// Scrape serves GET /prometheus from h in process and parses the answer.
func Scrape(t testing.TB, h http.Handler) *Exposition {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/prometheus", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("scrape: status %d: %s", rec.Code, rec.Body.String())
	}
	return Parse(t, rec.Body.String())
}

// ScrapeOpenMetrics serves GET /prometheus from h in process as a scraper
// that asks for OpenMetrics (which carries exemplars) and returns the page.
func ScrapeOpenMetrics(t testing.TB, h http.Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, "/prometheus", nil)
	req.Header.Set("Accept", "application/openmetrics-text; version=1.0.0")
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.HasPrefix(rec.Header().Get("Content-Type"), "application/openmetrics-text") {
		t.Fatalf("scrape: status %d, Content-Type %q, want OpenMetrics: %s", rec.Code, rec.Header().Get("Content-Type"), rec.Body.String())
	}
	return rec.Body.String()
}

// ScrapeURL fetches url over HTTP and parses the answer.
func ScrapeURL(t testing.TB, url string) *Exposition {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("scrape %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("scrape %s: status %d: %s", url, resp.StatusCode, body)
	}
	return Parse(t, string(body))
}

// Parse parses text in the Prometheus text format.
func Parse(t testing.TB, text string) *Exposition {
	t.Helper()
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(strings.NewReader(text))
	if err != nil {
		t.Fatalf("parse exposition: %v\n%s", err, text)
	}
	return &Exposition{Text: text, Families: fams}
}

// Find returns the series of family name that match labels.
func (e *Exposition) Find(name string, labels Labels) []*dto.Metric {
	f := e.Families[name]
	if f == nil {
		return nil
	}
	var out []*dto.Metric
	for _, m := range f.GetMetric() {
		if matches(m, labels) {
			out = append(out, m)
		}
	}
	return out
}

// One returns the single series of family name matching labels and fails the
// test when there is none or more than one.
func (e *Exposition) One(t testing.TB, name string, labels Labels) *dto.Metric {
	t.Helper()
	ms := e.Find(name, labels)
	if len(ms) != 1 {
		t.Fatalf("%s%v: want exactly one series, found %d; series of %s:\n%s", name, labels, len(ms), name, e.describe(name))
	}
	return ms[0]
}

// Counter returns the value of the one counter series matching labels.
func (e *Exposition) Counter(t testing.TB, name string, labels Labels) float64 {
	t.Helper()
	return e.One(t, name, labels).GetCounter().GetValue()
}

// Histogram returns the sample count and sum of the one histogram series
// matching labels.
func (e *Exposition) Histogram(t testing.TB, name string, labels Labels) (count uint64, sum float64) {
	t.Helper()
	h := e.One(t, name, labels).GetHistogram()
	return h.GetSampleCount(), h.GetSampleSum()
}

// Series returns how many series family name has (0 when it is absent).
func (e *Exposition) Series(name string) int {
	return len(e.Families[name].GetMetric())
}

// LabelValues returns the sorted distinct values of label across family name.
func (e *Exposition) LabelValues(name, label string) []string {
	seen := map[string]bool{}
	for _, m := range e.Families[name].GetMetric() {
		for _, lp := range m.GetLabel() {
			if lp.GetName() == label {
				seen[lp.GetValue()] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for v := range seen {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

func matches(m *dto.Metric, labels Labels) bool {
	found := 0
	for _, lp := range m.GetLabel() {
		if v, ok := labels[lp.GetName()]; ok {
			if v != lp.GetValue() {
				return false
			}
			found++
		}
	}
	return found == len(labels)
}

func (e *Exposition) describe(name string) string {
	var b strings.Builder
	for _, m := range e.Families[name].GetMetric() {
		fmt.Fprintf(&b, "  %v\n", m.GetLabel())
	}
	return b.String()
}

// Sum returns the sum of the counter series of family name matching labels:
// 0 when there is none, as for a status that never happened (series are
// created on first use).
func (e *Exposition) Sum(name string, labels Labels) float64 {
	sum := 0.0
	for _, m := range e.Find(name, labels) {
		sum += m.GetCounter().GetValue()
	}
	return sum
}
