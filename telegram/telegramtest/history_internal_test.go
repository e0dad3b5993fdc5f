package telegramtest

import (
	"slices"
	"testing"
)

// TestHistoryBounded checks that a bounded history holds at most twice its
// limit, whatever it is given, and drops exactly what falls out.
func TestHistoryBounded(t *testing.T) {
	h := history[int]{limit: 4}
	var dropped []int
	for i := range 1000 {
		if pos := h.add(i, func(v int) { dropped = append(dropped, v) }); pos != i {
			t.Fatalf("add(%d) = position %d", i, pos)
		}
		if len(h.items) >= 2*h.limit {
			t.Fatalf("after %d adds the history holds %d items, limit %d", i+1, len(h.items), h.limit)
		}
	}
	if got := h.kept(); !slices.Equal(got, []int{996, 997, 998, 999}) {
		t.Errorf("kept() = %v", got)
	}
	if h.total() != 1000 || len(dropped)+len(h.items) != 1000 || !slices.Equal(dropped, slices.Sorted(slices.Values(dropped))) {
		t.Errorf("total %d, dropped %d, held %d", h.total(), len(dropped), len(h.items))
	}
	if h.at(0) != nil || *h.at(999) != 999 {
		t.Errorf("at(0) = %v, at(999) = %v", h.at(0), h.at(999))
	}
}
