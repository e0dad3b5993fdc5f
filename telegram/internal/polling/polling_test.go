package polling

import (
	"math"
	"slices"
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	for failures, want := range map[int]time.Duration{0: time.Second, 1: 2 * time.Second, 4: 16 * time.Second, 5: MaxBackoff, 6: MaxBackoff, 1000: MaxBackoff} {
		for range 100 {
			if d := Backoff(failures); d < want/2 || d > want {
				t.Fatalf("Backoff(%d) = %v, want %v to %v", failures, d, want/2, want)
			}
		}
	}
}

func TestRetryAfter(t *testing.T) {
	for secs, want := range map[float64]time.Duration{5: 5 * time.Second, 1.5: 1500 * time.Millisecond, 0.5: MinBackoff, 1e-9: MinBackoff, 0: 0, -3: 0, math.NaN(): 0,
		math.Inf(1): MaxRetryAfter, 1e300: MaxRetryAfter, 3600: MaxRetryAfter} {
		if got := RetryAfter(secs); got != want {
			t.Errorf("RetryAfter(%v) = %v, want %v", secs, got, want)
		}
	}
}

func TestSplit(t *testing.T) {
	raws, ids, err := Split([]byte(`[{"update_id":3,"message":{}},{"update_id":7}]`))
	if err != nil || len(raws) != 2 || ids[0] != 3 || ids[1] != 7 {
		t.Errorf("Split = %q, %v, %v", raws, ids, err)
	}
	raws, ids, err = Split([]byte(`[{"update_id":3,"a":1},{"update_id":7},{"update_id":3,"a":2},{"update_id":5},{"update_id":7}]`))
	if err != nil || !slices.Equal(ids, []int{3, 7, 5}) || string(raws[0]) != `{"update_id":3,"a":1}` || len(raws) != 3 {
		t.Errorf("Split with repeated update_ids = %q, %v, %v; want the first copy of 3, 7 and 5", raws, ids, err)
	}
	if raws, _, err := Split([]byte(`null`)); err != nil || len(raws) != 0 {
		t.Errorf("Split(null) = %q, %v; want no updates", raws, err)
	}
	for _, bad := range []string{`{}`, `[{"message":{}}]`, `[{"update_id":"3"}]`, `[1]`, ``, `[{"update_id":-1}]`, `[{"update_id":9223372036854775807}]`} {
		if _, _, err := Split([]byte(bad)); err == nil {
			t.Errorf("Split(%s): no error", bad)
		}
	}
}

// TestRetry: a retry_after is waited as it is and still counts as a
// failure; the backoff doubles with each failure in a row and starts again
// after a success.
func TestRetry(t *testing.T) {
	var r Retry
	within := func(d, want time.Duration) bool { return d >= want/2 && d <= want }
	if d := r.Failed(0); !within(d, MinBackoff) {
		t.Errorf("first failure: wait %v, want %v to %v", d, MinBackoff/2, MinBackoff)
	}
	if d := r.Failed(7 * time.Second); d != 7*time.Second {
		t.Errorf("a 429 with retry_after 7 s: wait %v", d)
	}
	if d := r.Failed(0); !within(d, 4*MinBackoff) {
		t.Errorf("third failure in a row: wait %v, want %v to %v", d, 2*MinBackoff, 4*MinBackoff)
	}
	r.Succeeded()
	if d := r.Failed(0); !within(d, MinBackoff) {
		t.Errorf("first failure after a success: wait %v, want %v to %v", d, MinBackoff/2, MinBackoff)
	}
}
