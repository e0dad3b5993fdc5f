package metrics

import (
	"math"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"

	"github.com/genapp-go/genapp/internal/promtest"
)

const referenceFile = "testdata/llm_common-2.2.0.prom"

// TestExpositionParity replays what the reference file's header lists and
// compares the six families with the reference: names, types, help strings,
// label names, bucket bounds, and every sample value (action durations aside,
// which are measured, not given).
func TestExpositionParity(t *testing.T) {
	refText, err := os.ReadFile(referenceFile)
	if err != nil {
		t.Fatalf("reference exposition: %v ", err)
	}
	ref := promtest.Parse(t, string(refText))

	m := newTest(t)
	func() {
		a := m.Track("start_handler")
		defer a.End(nil)
		a.Size(3)
	}()
	func() {
		defer func() { _ = recover() }()
		a := m.Track("menu_handler")
		defer a.End(nil)
		panic("raised")
	}()
	func() {
		a := m.Track("cleanup_task")
		defer a.End(nil)
		a.Fail()
	}()
	m.RecordHTTP(Exchange{AppType: AppTypeTelegram, Method: "POST", Resource: "sendMessage", Status: 200,
		Duration: 50 * time.Millisecond, RequestSize: 80, ResponseSize: 120})
	m.RecordHTTP(Exchange{AppType: AppTypeAPI, Method: "GET", Resource: CleanResource("/users/123/orders/5b3d1e2a-9c4f-4e8a-b7d6-0f1e2d3c4b5a"),
		Status: 200, Duration: 10 * time.Millisecond, ResponseSize: 10})
	m.RecordHTTP(Exchange{AppType: AppTypeAuth, Method: "GET", Resource: CleanResource("/"), Status: 404,
		Duration: 10 * time.Millisecond, ResponseSize: 10})
	got := scrape(t, m)

	var names []string
	for name := range ref.Families {
		if !strings.HasSuffix(name, "_created") {
			names = append(names, name)
		}
	}
	sort.Strings(names)
	want := []string{
		"genapp_action_count_total", "genapp_action_duration_sec", "genapp_action_size_total",
		"genapp_http_request_duration_sec", "genapp_http_request_size_bytes", "genapp_http_requests_total",
	}
	if strings.Join(names, ",") != strings.Join(want, ",") {
		t.Fatalf("reference families = %v, want %v", names, want)
	}
	for _, name := range names {
		rf, gf := ref.Families[name], got.Families[name]
		if gf == nil {
			t.Errorf("%s: missing", name)
			continue
		}
		if rf.GetType() != gf.GetType() || rf.GetHelp() != gf.GetHelp() {
			t.Errorf("%s: type/help = %v %q, reference %v %q", name, gf.GetType(), gf.GetHelp(), rf.GetType(), rf.GetHelp())
		}
		if len(rf.GetMetric()) != len(gf.GetMetric()) {
			t.Errorf("%s: %d series, reference %d", name, len(gf.GetMetric()), len(rf.GetMetric()))
		}
		for _, rm := range rf.GetMetric() {
			labels := labelMap(rm)
			gms := got.Find(name, labels)
			if len(gms) != 1 || len(gms[0].GetLabel()) != len(rm.GetLabel()) {
				t.Errorf("%s%v: reference series not exported exactly once", name, labels)
				continue
			}
			compareSample(t, name, labels, rm, gms[0])
		}
	}
}

func labelMap(m *dto.Metric) promtest.Labels {
	l := promtest.Labels{}
	for _, lp := range m.GetLabel() {
		l[lp.GetName()] = lp.GetValue()
	}
	return l
}

func compareSample(t *testing.T, name string, labels promtest.Labels, ref, got *dto.Metric) {
	t.Helper()
	if ref.GetCounter() != nil {
		if r, g := ref.GetCounter().GetValue(), got.GetCounter().GetValue(); r != g {
			t.Errorf("%s%v = %v, reference %v", name, labels, g, r)
		}
		return
	}
	rh, gh := ref.GetHistogram(), got.GetHistogram()
	if len(rh.GetBucket()) != len(gh.GetBucket()) {
		t.Fatalf("%s%v: %d buckets, reference %d", name, labels, len(gh.GetBucket()), len(rh.GetBucket()))
	}
	for i, rb := range rh.GetBucket() {
		gb := gh.GetBucket()[i]
		if rb.GetUpperBound() != gb.GetUpperBound() || rb.GetCumulativeCount() != gb.GetCumulativeCount() {
			t.Errorf("%s%v bucket %d: le=%v count=%d, reference le=%v count=%d", name, labels, i,
				gb.GetUpperBound(), gb.GetCumulativeCount(), rb.GetUpperBound(), rb.GetCumulativeCount())
		}
	}
	if rh.GetSampleCount() != gh.GetSampleCount() {
		t.Errorf("%s%v count = %d, reference %d", name, labels, gh.GetSampleCount(), rh.GetSampleCount())
	}
	tolerance := 1e-9
	if name == "genapp_action_duration_sec" {
		tolerance = 0.01 // measured: a few microseconds here, 0 in the reference
	}
	if math.Abs(rh.GetSampleSum()-gh.GetSampleSum()) > tolerance {
		t.Errorf("%s%v sum = %v, reference %v", name, labels, gh.GetSampleSum(), rh.GetSampleSum())
	}
}
