package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"

	"github.com/genapp-go/genapp/internal/spantest"
	"github.com/genapp-go/genapp/internal/toolstest"
)

// TestExemplarsAndNativeHistograms: with -native-histograms, the page
// scraped with OpenMetrics links the durations of the LLM call of /ask, of
// the auth call and of cleanup_task to the spans the demo starts, and the
// page scraped as protobuf carries the native form of every duration.
func TestExemplarsAndNativeHistograms(t *testing.T) {
	t.Parallel()
	inProcess.Lock()
	// Unlocked once the run has stopped (cleanups run last in, first out):
	// the next run in this process registers the same sessions pool.
	t.Cleanup(inProcess.Unlock)
	const project = "demobot_native"
	r := startRun(t, nil, "-native-histograms", "-project", project, "-metrics-addr", "127.0.0.1:0")
	want := map[string][]string{
		"llm call":     {"genapp_http_request_duration_sec_bucket{", `app_type="llm"`},
		"auth call":    {"genapp_http_request_duration_sec_bucket{", `app_type="auth_api"`},
		"cleanup_task": {"genapp_action_duration_sec_bucket{", `name="cleanup_task"`},
	}
	var page string
	for deadline := time.Now().Add(15 * time.Second); len(want) > 0 && time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		page = string(fetch(t, r.metricsURL, "application/openmetrics-text; version=1.0.0"))
		for what, sel := range want {
			if len(spantest.Lines(page, sel[0], append(sel[1:], `app="`+project+`"`, ` # {trace_id="`, `",span_id="`)...)) > 0 {
				delete(want, what)
			}
		}
	}
	if len(want) > 0 {
		t.Fatalf("no exemplar on %v after 15 s:\n%s", want, page)
	}
	// The whole page, exemplars and the default registry's Go collector
	// included, is OpenMetrics that a strict parser takes.
	fams := toolstest.ParseOpenMetrics(t, page)
	if got := [2]string{fams["genapp_http_request_duration_sec"].Type, fams["go_memstats_alloc_bytes"].Type}; got != [2]string{"histogram", "counter"} {
		t.Errorf("OpenMetrics types of genapp_http_request_duration_sec and go_memstats_alloc_bytes: %q, want histogram and counter", got)
	}

	protoFormat := expfmt.NewFormat(expfmt.TypeProtoDelim)
	dec := expfmt.NewDecoder(bytes.NewReader(fetch(t, r.metricsURL, string(protoFormat))), protoFormat)
	native := 0
	for {
		var f dto.MetricFamily
		if err := dec.Decode(&f); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if f.GetName() != "genapp_action_duration_sec" && f.GetName() != "genapp_http_request_duration_sec" {
			continue
		}
		for _, m := range f.GetMetric() {
			if !slices.ContainsFunc(m.GetLabel(), func(l *dto.LabelPair) bool { return l.GetName() == "app" && l.GetValue() == project }) {
				continue // another run of this process, on the same default registry
			}
			if h := m.GetHistogram(); h.Schema == nil || len(h.GetBucket()) == 0 {
				t.Errorf("%s %v: schema %v, %d classic buckets: want both forms", f.GetName(), m.GetLabel(), h.Schema, len(h.GetBucket()))
			}
			native++
		}
	}
	if native == 0 {
		t.Error("no duration series in the protobuf page")
	}
	if code, took := r.stop(t); code != 0 {
		t.Errorf("stopped with status %d after %v; stderr:\n%s", code, took, r.stderr)
	}
}

// fetch GETs url asking for the format accept, and returns the body of
// the answer, which must be in that format.
func fetch(t *testing.T, url, accept string) []byte {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Accept", accept)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	mediaType, _, _ := strings.Cut(accept, ";")
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), mediaType) {
		t.Fatalf("GET %s: status %d, Content-Type %q, want %s", url, resp.StatusCode, resp.Header.Get("Content-Type"), mediaType)
	}
	return body
}
