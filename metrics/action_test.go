package metrics

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

var errBoom = errors.New("boom")

func run(m *Metrics, name string, fn func(a *Action) error) (err error) {
	a := m.Track(name)
	defer a.End(&err)
	return fn(&a)
}

func TestTrackOutcomes(t *testing.T) {
	m := newTest(t)

	if err := run(m, "ok_task", func(*Action) error { time.Sleep(20 * time.Millisecond); return nil }); err != nil {
		t.Fatal(err)
	}
	if err := run(m, "err_task", func(*Action) error { return errBoom }); !errors.Is(err, errBoom) {
		t.Fatalf("error not returned: %v", err)
	}
	if err := run(m, "fail_task", func(a *Action) error { a.Fail(); return nil }); err != nil {
		t.Fatalf("Fail changed the returned error: %v", err)
	}
	if err := run(m, "size_task", func(a *Action) error { a.Size(3); a.Size(4); a.Size(-5); return nil }); err != nil {
		t.Fatal(err)
	}
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		_ = run(m, "panic_task", func(*Action) error { panic(errBoom) })
	}()
	if recovered != errBoom {
		t.Fatalf("panic did not propagate unchanged: %v", recovered)
	}

	e := scrape(t, m)
	for name, status := range map[string]string{
		"ok_task": "ok", "err_task": "error", "fail_task": "error", "size_task": "ok", "panic_task": "error",
	} {
		if got := e.Counter(t, "genapp_action_count_total", L{"name": name, "status": status}); got != 1 {
			t.Errorf("%s status=%s = %v, want 1", name, status, got)
		}
		// One outcome per name: the other status has no series at all.
		if n := len(e.Find("genapp_action_count_total", L{"name": name})); n != 1 {
			t.Errorf("%s: %d status series, want 1", name, n)
		}
		if count, _ := e.Histogram(t, "genapp_action_duration_sec", L{"name": name, "app": "demobot", "env": "dev"}); count != 1 {
			t.Errorf("%s duration count = %d, want 1 (observed on every outcome)", name, count)
		}
	}
	if _, sum := e.Histogram(t, "genapp_action_duration_sec", L{"name": "ok_task"}); sum < 0.02 || sum > 1 {
		t.Errorf("ok_task duration = %vs, want about 0.02s", sum)
	}
	if got := e.Counter(t, "genapp_action_size_total", L{"name": "size_task"}); got != 7 {
		t.Errorf("size = %v, want 7 (3+4, negative ignored)", got)
	}
	if n := e.Series("genapp_action_size_total"); n != 1 {
		t.Errorf("%d size series, want 1: only actions that reported a size have one", n)
	}
}

func TestEndTwiceRecordsOnce(t *testing.T) {
	m := newTest(t)
	a := m.Track("twice")
	a.End(nil)
	a.End(nil)
	if got := scrape(t, m).Counter(t, "genapp_action_count_total", L{"name": "twice"}); got != 1 {
		t.Fatalf("count = %v, want 1", got)
	}
}

func TestWrap(t *testing.T) {
	m := initTest(t)
	type key struct{}
	ctxKey := key{}
	ctx := context.WithValue(context.Background(), ctxKey, "v")

	ok := Wrap("wrapped_ok", func(ctx context.Context) error {
		if ctx.Value(ctxKey) != "v" {
			t.Error("context not passed through")
		}
		return nil
	})
	failing := m.Wrap("wrapped_err", func(context.Context) error { return errBoom })
	value := WrapValue("wrapped_value", func(context.Context) (int, error) { return 42, nil })
	valueErr := WrapValue("wrapped_value", func(context.Context) (int, error) { return 7, errBoom })

	if err := ok(ctx); err != nil {
		t.Fatal(err)
	}
	if err := failing(ctx); !errors.Is(err, errBoom) {
		t.Fatalf("err = %v", err)
	}
	if v, err := value(ctx); v != 42 || err != nil {
		t.Fatalf("got %v, %v", v, err)
	}
	if v, err := valueErr(ctx); v != 7 || !errors.Is(err, errBoom) {
		t.Fatalf("got %v, %v: value and error must both pass through", v, err)
	}
	e := scrape(t, m)
	for _, c := range []struct {
		name, status string
		want         float64
	}{
		{"wrapped_ok", "ok", 1}, {"wrapped_err", "error", 1}, {"wrapped_value", "ok", 1}, {"wrapped_value", "error", 1},
	} {
		if got := e.Counter(t, "genapp_action_count_total", L{"name": c.name, "status": c.status}); got != c.want {
			t.Errorf("%s %s = %v, want %v", c.name, c.status, got, c.want)
		}
	}
}

// TestWrapBeforeInit: functions wrapped before Init record after it.
func TestWrapBeforeInit(t *testing.T) {
	fn := Wrap("early", func(context.Context) error { return nil })
	if err := fn(context.Background()); err != nil { // not initialised: no-op
		t.Fatal(err)
	}
	m := initTest(t)
	if err := fn(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := scrape(t, m).Counter(t, "genapp_action_count_total", L{"name": "early"}); got != 1 {
		t.Fatalf("count = %v, want 1", got)
	}
}

func TestNotInitialisedIsNoOp(t *testing.T) {
	if Default() != nil {
		t.Fatal("a previous test left a default instance")
	}
	if err := run(nil, "x", func(a *Action) error { a.Size(1); a.Fail(); return errBoom }); !errors.Is(err, errBoom) {
		t.Fatalf("err = %v", err)
	}
	var recovered any
	func() {
		defer func() { recovered = recover() }()
		a := Track("x")
		defer a.End(nil)
		panic("p")
	}()
	if recovered != "p" {
		t.Fatalf("panic changed: %v", recovered)
	}
	RecordHTTP(Exchange{Method: "GET", Status: 200})
	if v, err := WrapValue("x", func(context.Context) (string, error) { return "v", nil })(context.Background()); v != "v" || err != nil {
		t.Fatalf("got %q, %v", v, err)
	}
	if v, err := WrapValueIn(nil, "x", func(context.Context) (string, error) { return "v", errBoom })(context.Background()); v != "v" || err != errBoom {
		t.Fatalf("got %q, %v", v, err)
	}
}

// TestInvalidUTF8LabelBounded: the replacement characters of invalid bytes
// do not take a label value past MaxLabelLen.
func TestInvalidUTF8LabelBounded(t *testing.T) {
	m := newTest(t)
	_ = run(m, strings.Repeat("\xff", MaxLabelLen), func(*Action) error { return nil })
	name := scrape(t, m).LabelValues("genapp_action_count_total", "name")
	if len(name) != 1 || len(name[0]) > MaxLabelLen || !utf8.ValidString(name[0]) {
		t.Fatalf("name %q: %d bytes", name, len(name[0]))
	}
}

func TestInvalidUTF8NameDoesNotPanic(t *testing.T) {
	m := newTest(t)
	_ = run(m, "bad\xffname", func(*Action) error { return nil })
	if got := scrape(t, m).Counter(t, "genapp_action_count_total", L{"name": "bad\uFFFDname"}); got != 1 {
		t.Fatalf("count = %v", got)
	}
}
