package metrics

import (
	"context"
	"errors"
	"math"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/genapp-go/genapp/internal/promtest"
)

// TestExpositionParity replays what the 2.2.0 reference file's header lists
// in the LLMCommon22 mode and compares the exposition with the reference:
// the same genapp_* families and no other, names, types, help strings, label
// names, bucket bounds, and every sample value (action durations aside,
// which are measured, not given).
func TestExpositionParity(t *testing.T) {
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithCompatibility(LLMCommon22))
	if err != nil {
		t.Fatal(err)
	}
	replay22(m)
	got := scrape(t, m)
	checkParity(t, "testdata/llm_common-2.2.0.prom", got)
	for name := range llmExtensions {
		if got.Families[name] != nil {
			t.Errorf("%s exposed in the 2.2.0 mode", name)
		}
	}
}

// TestExpositionParity26 does the same for the default mode against the 2.6
// reference, written from llm_common 2.6's catalog, with what its header
// lists replayed.
func TestExpositionParity26(t *testing.T) {
	m := newTest(t)
	replay22(m)
	replay26(m)
	got := scrape(t, m)
	checkParity(t, "testdata/llm_common-2.6.prom", got)
	checkLLMExtensions(t, got)
}

// llmExtensions are the genapp_llm_* families that are this module's, not
// llm_common's: like genapp_series_overflow_total, they are not in the
// references, and checkParity leaves them to checkLLMExtensions.
// (genapp_llm_time_to_first_token_sec, older, is in the 2.6 reference,
// marked as this module's.)
var llmExtensions = map[string]bool{
	llmTPOTName: true, llmCostName: true, llmUnpricedName: true, llmRejectedName: true,
	llmPriceInfoName: true, llmRemainingName: true, llmLimitName: true,
}

// checkLLMExtensions checks what replay26 makes of llmExtensions: the
// embedded price table named, and the cost of the one call, priced with it,
// and nothing else.
func checkLLMExtensions(t *testing.T, got *promtest.Exposition) {
	t.Helper()
	table, err := embeddedLLMPrices()
	if err != nil {
		t.Fatal(err)
	}
	if v := got.One(t, llmPriceInfoName, L{"env": "dev", "app": "demobot", "source": "embedded", "updated": table.updated}).GetGauge().GetValue(); v != 1 {
		t.Errorf("%s = %v, want 1", llmPriceInfoName, v)
	}
	call := llmLabelsOf(LLMCall{Agent: "support_agent", Model: "gpt-4o-mini", Provider: "openai", BaseURL: "https://api.openai.com/v1"})
	for typ, want := range map[string]float64{TokenInput: 1.5e-05, TokenOutput: 1.2e-05} { // 100 and 20 tokens at $0.15 and $0.60 a million
		call["token_type"] = typ
		if got := got.Counter(t, llmCostName, call); got != want {
			t.Errorf("%s{%s} = %v, want %v", llmCostName, typ, got, want)
		}
	}
	for name := range llmExtensions {
		if n, want := got.Series(name), map[string]int{llmPriceInfoName: 1, llmCostName: 2}[name]; n != want {
			t.Errorf("%s: %d series, want %d", name, n, want)
		}
	}
}

// replay22 is the scenario of the 2.2.0 reference.
func replay22(m *Metrics) {
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
}

// replay26 is what the 2.6 reference adds to replay22.
func replay26(m *Metrics) {
	ctx := context.Background()
	for _, err := range []error{NamedError("rate_limited", errors.New("quota")), context.DeadlineExceeded} {
		a := m.Track("summarise_llm_call")
		a.End(&err)
	}
	call := LLMCall{Agent: "support_agent", Model: "gpt-4o-mini", Provider: "openai", BaseURL: "https://api.openai.com/v1"}
	m.RecordLLMRequest(ctx, call)
	m.RecordLLMUsage(ctx, call, LLMUsage{Input: 100, Output: 20})
	m.RecordLLMError(ctx, call, "validation")
	m.RecordLLMTimeToFirstToken(ctx, call, 300*time.Millisecond)
	_ = m.RegisterPool("sessions", func() PoolStats { return PoolStats{Busy: 2, Free: 3, Size: 10} })
}

// checkParity compares the genapp_* families of got with those of the
// reference file: the same families, and in each the reference's series
// exactly, with its type, help, labels and values. The process gauges,
// whose values are read from /proc, are compared by their labels only.
func checkParity(t *testing.T, referenceFile string, got *promtest.Exposition) {
	t.Helper()
	refText, err := os.ReadFile(referenceFile)
	if err != nil {
		t.Fatalf("reference exposition: %v ", err)
	}
	ref := promtest.Parse(t, string(refText))

	var names, gotNames []string
	for name := range ref.Families {
		if !strings.HasSuffix(name, "_created") {
			names = append(names, name)
		}
	}
	for name := range got.Families {
		if strings.HasPrefix(name, "genapp_") && !llmExtensions[name] {
			gotNames = append(gotNames, name)
		}
	}
	sort.Strings(names)
	sort.Strings(gotNames)
	if !slices.Equal(names, gotNames) {
		t.Errorf("genapp_* families = %v, reference %v", gotNames, names)
	}
	for _, name := range names {
		rf, gf := ref.Families[name], got.Families[name]
		if gf == nil {
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
	if ref.GetGauge() != nil {
		if r, g := ref.GetGauge().GetValue(), got.GetGauge().GetValue(); r != g && !strings.HasPrefix(name, "genapp_process_") {
			t.Errorf("%s%v = %v, reference %v", name, labels, g, r)
		}
		return
	}
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
	if name == "genapp_action_duration_sec" || name == llmTTFTName {
		tolerance = 0.01 // measured: a few microseconds here, 0 in the reference
	}
	if math.Abs(rh.GetSampleSum()-gh.GetSampleSum()) > tolerance {
		t.Errorf("%s%v sum = %v, reference %v", name, labels, gh.GetSampleSum(), rh.GetSampleSum())
	}
}
