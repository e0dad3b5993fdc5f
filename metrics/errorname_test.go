package metrics

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

type codedError struct{ code string }

func (e codedError) Error() string     { return "coded " + e.code }
func (e codedError) ErrorName() string { return e.code }

type timeoutError struct{}

func (timeoutError) Error() string { return "i/o timeout" }
func (timeoutError) Timeout() bool { return true }

func TestErrorName(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{NamedError("rate_limited", errors.New("quota exceeded for key sk-123")), "rate_limited"},
		{fmt.Errorf("saving: %w", codedError{"conflict"}), "conflict"},
		{errors.Join(errors.New("a"), fmt.Errorf("b: %w", codedError{"joined"})), "joined"},
		{NamedError("", context.Canceled), ErrorNameCanceled},
		{NamedError("outer", codedError{"inner"}), "outer"},
		{fmt.Errorf("call: %w", context.DeadlineExceeded), ErrorNameDeadline},
		{context.Canceled, ErrorNameCanceled},
		{fmt.Errorf("read: %w", timeoutError{}), ErrorNameTimeout},
		{os.ErrDeadlineExceeded, ErrorNameTimeout},
		{NamedError("rate_limited", context.DeadlineExceeded), "rate_limited"},
		{errors.New("user 42 not found"), ErrorNameOther},
	} {
		if got := errorName(tc.err); got != tc.want {
			t.Errorf("errorName(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if NamedError("x", nil) != nil {
		t.Error("NamedError(x, nil) is not nil")
	}
	base := errors.New("base")
	if err := NamedError("x", base); !errors.Is(err, base) || err.Error() != "base" {
		t.Errorf("NamedError changed the error: %v", err)
	}
}

// TestActionErrorName records each outcome of End and checks the series of
// genapp_action_count_total exactly.
func TestActionErrorName(t *testing.T) {
	m := newTest(t)
	run := func(err error, fail, panics bool) {
		defer func() { _ = recover() }()
		a := m.Track("job_task")
		defer a.End(&err)
		if fail {
			a.Fail()
		}
		if panics {
			panic("boom")
		}
	}
	run(nil, false, false)
	run(nil, false, false)
	run(nil, true, false)
	run(nil, false, true)
	run(errors.New("secret text"), false, false)
	run(errors.New("other text"), true, false)
	run(NamedError("rate_limited", errors.New("x")), false, false)
	run(fmt.Errorf("w: %w", context.DeadlineExceeded), false, false)

	got := scrape(t, m)
	want := map[string]float64{"": 2, ErrorNameFailed: 1, ErrorNamePanic: 1, ErrorNameOther: 2, "rate_limited": 1, ErrorNameDeadline: 1}
	if n := got.Series("genapp_action_count_total"); n != len(want) {
		t.Errorf("%d series, want %d", n, len(want))
	}
	for name, v := range want {
		status := StatusError
		if name == "" {
			status = StatusOK
		}
		l := L{"app": "demobot", "env": "dev", "name": "job_task", "status": status, "error_name": name}
		if c := got.Counter(t, "genapp_action_count_total", l); c != v {
			t.Errorf("%v = %v, want %v", l, c, v)
		}
	}
}

// TestErrorNameBounds: a name longer than MaxLabelLen is folded, and the
// failure series stop at the family's limit, the overflow series included.
func TestErrorNameBounds(t *testing.T) {
	var log bytes.Buffer
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithMaxSeries(10),
		WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	if err != nil {
		t.Fatal(err)
	}
	fail := func(name string) {
		err := NamedError(name, errors.New("x"))
		a := m.Track("job_task")
		a.End(&err)
	}
	fail(strings.Repeat("n", MaxLabelLen+1))
	for i := range 20 {
		fail(fmt.Sprint("name_", i))
	}
	got := scrape(t, m)
	if n := got.Series("genapp_action_count_total"); n > 10 {
		t.Errorf("%d series, more than the limit of 10", n)
	}
	// maxKeys = 4: the folded name and 3 others, then the overflow series.
	if c := got.Counter(t, "genapp_action_count_total", L{"name": "job_task", "status": StatusError, "error_name": OverflowValue}); c != 1 {
		t.Errorf("too long name: %v, want 1", c)
	}
	if c := got.Counter(t, "genapp_action_count_total", L{"name": OverflowValue, "status": StatusError, "error_name": OverflowValue}); c != 17 {
		t.Errorf("past the limit: %v, want 17", c)
	}
	if c := got.Counter(t, "genapp_series_overflow_total", L{"label": "error_name"}); c != 18 {
		t.Errorf("genapp_series_overflow_total{label=error_name} = %v, want 18", c)
	}
	for _, reason := range []string{"series limit reached", "label value longer than MaxLabelLen"} {
		if strings.Count(log.String(), reason) != 1 {
			t.Errorf("log has not one warning %q:\n%s", reason, &log)
		}
	}
}

// TestCompatibility22: no error_name, no genapp_llm_* family, and the LLM
// functions record nothing.
func TestCompatibility22(t *testing.T) {
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithCompatibility(LLMCommon22))
	if err != nil {
		t.Fatal(err)
	}
	err = NamedError("rate_limited", errors.New("x"))
	a := m.Track("job_task")
	a.End(&err)
	m.RecordLLMRequest(context.Background(), gpt)
	got := scrape(t, m)
	if c := got.Counter(t, "genapp_action_count_total", L{"app": "demobot", "env": "dev", "name": "job_task", "status": StatusError}); c != 1 {
		t.Errorf("error count = %v, want 1", c)
	}
	if vs := got.LabelValues("genapp_action_count_total", "error_name"); len(vs) != 0 {
		t.Errorf("error_name values %q in the 2.2.0 mode", vs)
	}
	for name := range got.Families {
		if strings.HasPrefix(name, "genapp_llm_") {
			t.Errorf("%s in the 2.2.0 mode", name)
		}
	}
	if _, err := New("demobot", "dev", WithCompatibility(Compatibility(7))); err == nil || !strings.Contains(err.Error(), "LLMCommon22") {
		t.Errorf("WithCompatibility(7): %v, want an error naming the allowed values", err)
	}
	reg := prometheus.NewRegistry()
	if _, err := New("demobot", "dev", WithRegistry(reg)); err != nil {
		t.Fatal(err)
	}
	if _, err := New("demobot", "dev", WithRegistry(reg), WithCompatibility(LLMCommon22)); err == nil {
		t.Error("a 2.2.0 instance on a registry holding the 2.6 families: no error")
	}
}
