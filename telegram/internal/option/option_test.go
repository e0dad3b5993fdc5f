package option

import (
	"errors"
	"testing"
)

type thing struct{ calls []int }

type opt func(*thing) error

func TestApply(t *testing.T) {
	set := func(n int) opt { return func(x *thing) error { x.calls = append(x.calls, n); return nil } }
	bad := errors.New("bad value")
	fail := func(*thing) error { return bad }
	for _, c := range []struct {
		name  string
		opts  []opt
		calls []int
		err   string
	}{
		{"none", nil, nil, ""},
		{"in order", []opt{set(1), set(2), set(3)}, []int{1, 2, 3}, ""},
		{"a nil option", []opt{set(1), nil, set(3)}, []int{1}, "pkg: New: option 2 of 3 is nil"},
		{"a nil option alone", []opt{nil}, nil, "pkg: New: option 1 of 1 is nil"},
		{"an option's error", []opt{set(1), fail, set(3)}, []int{1}, "bad value"},
	} {
		var x thing
		err := Apply("pkg: New", &x, c.opts)
		if got := errText(err); got != c.err || len(x.calls) != len(c.calls) {
			t.Errorf("%s: error %q after %v; want %q after %v", c.name, got, x.calls, c.err, c.calls)
			continue
		}
		for i := range c.calls {
			if x.calls[i] != c.calls[i] {
				t.Errorf("%s: applied %v, want %v", c.name, x.calls, c.calls)
			}
		}
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
