package metrics

import (
	"context"
	"go/ast"
	"go/parser"
	"go/token"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// With WithNativeHistograms every genapp_* histogram the replays fill has a
// native form of schema 3 (factor 1.1), beside the classic buckets.
func TestNativeHistogramsOnEveryFamily(t *testing.T) {
	m := newModern(t, WithNativeHistograms(DefaultNativeHistogramFactor))
	replay22(m)
	replay26(m)
	m.RecordLLMTimePerOutputToken(context.Background(), gpt, 20*time.Millisecond)
	m.RecordTelegramFloodWait("sendMessage", time.Second)
	u := m.StartTelegramUpdate("message", time.Now())
	u.End()
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, f := range fams {
		if !strings.HasPrefix(f.GetName(), "genapp_") || f.GetMetric()[0].GetHistogram() == nil {
			continue
		}
		seen++
		for _, s := range f.GetMetric() {
			h := s.GetHistogram()
			if h.Schema == nil || h.GetSchema() != 3 {
				t.Errorf("%s%v: schema %v, want 3 (native, factor 1.1)", f.GetName(), labelMap(s), h.Schema)
			}
			if len(h.GetBucket()) == 0 {
				t.Errorf("%s%v: no classic buckets", f.GetName(), labelMap(s))
			}
		}
	}
	// Action and HTTP duration, HTTP size, the four LLM histograms, the
	// update lag and flood wait of Telegram.
	if seen != 9 {
		t.Errorf("%d genapp_* histogram families, want 9", seen)
	}
}

// Without the option nothing is native: the page is llm_common's.
func TestNativeHistogramsOffByDefault(t *testing.T) {
	m := newTest(t)
	replay22(m)
	replay26(m)
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		for _, s := range f.GetMetric() {
			if h := s.GetHistogram(); h != nil && (h.Schema != nil || h.ZeroThreshold != nil) {
				t.Errorf("%s%v is native without WithNativeHistograms", f.GetName(), labelMap(s))
			}
		}
	}
}

// The classic buckets, counts and sums stay exactly those of the
// references with native histograms and exemplars on.
func TestExpositionParityModern(t *testing.T) {
	for _, tc := range []struct {
		compat    Compatibility
		reference string
	}{{LLMCommon22, "testdata/llm_common-2.2.0.prom"}, {LLMCommon26, "testdata/llm_common-2.6.prom"}} {
		t.Run(tc.compat.String(), func(t *testing.T) {
			m := newModern(t, WithCompatibility(tc.compat), WithNativeHistograms(DefaultNativeHistogramFactor), WithExemplars())
			replay22(m)
			if tc.compat == LLMCommon26 {
				replay26(m)
			}
			got := scrape(t, m)
			checkParity(t, tc.reference, got)
			if tc.compat == LLMCommon26 {
				checkLLMExtensions(t, got)
			}
		})
	}
}

// A native histogram holds at most nativeMaxBuckets buckets, whatever is
// observed: an upstream that answers in wildly varying times cannot make a
// series grow without bound.
func TestNativeBucketsBounded(t *testing.T) {
	m := newModern(t, WithNativeHistograms(DefaultNativeHistogramFactor))
	e := Exchange{AppType: AppTypeHTTP, Method: "GET", Resource: "r", Status: 200}
	for i := range 2000 {
		e.Duration = time.Duration(math.Pow(1.02, float64(i))) // 1 ns to about 1e17 ns
		m.RecordHTTP(e)
	}
	fams, err := m.Gatherer().Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fams {
		if f.GetName() != "genapp_http_request_duration_sec" {
			continue
		}
		h := f.GetMetric()[0].GetHistogram()
		buckets := 0
		for _, s := range h.GetPositiveSpan() {
			buckets += int(s.GetLength())
		}
		if buckets > nativeMaxBuckets || h.GetSampleCount() != 2000 {
			t.Errorf("%d native buckets (at most %d) and %d observations (2000)", buckets, nativeMaxBuckets, h.GetSampleCount())
		}
		if h.GetSchema() >= 3 {
			t.Errorf("schema %d: the resolution should have been lowered to fit", h.GetSchema())
		}
		return
	}
	t.Fatal("no genapp_http_request_duration_sec")
}

func TestWithNativeHistogramsRefusesBadFactors(t *testing.T) {
	for _, f := range []float64{0, 1, 0.5, -1, math.NaN(), math.Inf(1), 1e6} {
		_, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithNativeHistograms(f))
		if err == nil || !strings.Contains(err.Error(), "greater than 1 and at most 65536") {
			t.Errorf("WithNativeHistograms(%v): %v, want an error naming the allowed factors", f, err)
		}
	}
}

// Every histogram family of the package is made by histograms.newVec, so
// that WithNativeHistograms reaches families added later too.
func TestHistogramsMadeInOnePlace(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var calls []string
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(n ast.Node) bool {
			sel, ok := n.(*ast.SelectorExpr)
			if ok && strings.Contains(sel.Sel.Name, "Histogram") && strings.HasPrefix(sel.Sel.Name, "New") {
				calls = append(calls, fset.Position(sel.Pos()).String()+" "+sel.Sel.Name)
			}
			return true
		})
	}
	if len(calls) != 1 || !strings.HasPrefix(calls[0], "histograms.go:") {
		t.Errorf("histograms are made at %v; make every one with histograms.newVec", calls)
	}
}
