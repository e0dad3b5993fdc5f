package metrics

import (
	"math"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

func newTestActiveUsers(t testing.TB, key string, p int) *activeUsers {
	t.Helper()
	c := activeUsersConfig{precision: p}
	ActiveUsersKey([]byte(key))(&c)
	if c.err != nil {
		t.Fatal(c.err)
	}
	return newActiveUsers(c, prometheus.Labels{"app": "bot", "env": "dev"})
}

// registers reads the registers of a's current hour.
func registers(a *activeUsers) []float64 {
	s := a.hour.Load()
	out := make([]float64, len(a.labels))
	for i := range s.regs {
		out[i] = float64(s.regs[i].Load())
	}
	return out
}

// TestActiveUsersAccuracy: from 10 to 10^6 distinct ids, the estimate is
// within three standard errors (3 x 1.04/sqrt(2^p)) of the truth, at the
// default precision and at two others; ids seen again change nothing.
func TestActiveUsersAccuracy(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 30, 0, 0, time.UTC)
	for _, p := range []int{8, DefaultActiveUsersPrecision, 14} {
		bound := 3 * 1.04 / math.Sqrt(float64(int(1)<<p))
		a := newTestActiveUsers(t, "0123456789abcdef-test-key", p)
		added := 0
		for _, n := range []int{10, 100, 1_000, 10_000, 100_000, 1_000_000} {
			if testing.Short() && n > 100_000 {
				break
			}
			for id := added + 1; id <= n; id++ {
				a.add(int64(id), now.UnixNano())
			}
			added = n
			for id := 1; id <= min(n, 1000); id++ { // seen again
				a.add(int64(id), now.UnixNano())
			}
			est := EstimateActiveUsers(registers(a))
			rel := math.Abs(est-float64(n)) / float64(n)
			t.Logf("p=%d, %d users: estimate %.0f (%.2f%% off)", p, n, est, 100*rel)
			if rel > bound {
				t.Errorf("p=%d, %d users: estimate %.0f, off by %.1f%%, more than %.1f%%", p, n, est, 100*rel, 100*bound)
			}
		}
	}
}

// TestActiveUsersUnion: three replicas with overlapping users, merged
// register-wise by max as the recording rules do, estimate the union (1200),
// not the sum (1800); so do two hours of one replica.
func TestActiveUsersUnion(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 30, 0, 0, time.UTC)
	var merged []float64
	for r := range 3 {
		a := newTestActiveUsers(t, "0123456789abcdef-test-key", DefaultActiveUsersPrecision)
		for id := 1 + 300*r; id <= 600+300*r; id++ { // 1-600, 301-900, 601-1200
			a.add(int64(id), now.UnixNano())
		}
		regs := registers(a)
		if merged == nil {
			merged = regs
			continue
		}
		for i, v := range regs {
			merged[i] = max(merged[i], v)
		}
	}
	if est := EstimateActiveUsers(merged); math.Abs(est-1200) > 1200*3*1.04/math.Sqrt(2048) {
		t.Errorf("union of 3 replicas: estimate %.0f, want about 1200", est)
	}
}

// TestActiveUsersHours: a new UTC hour starts from zero; a scrape in an hour
// with no user yet shows zeros, not the last hour's registers.
func TestActiveUsersHours(t *testing.T) {
	a := newTestActiveUsers(t, "0123456789abcdef-test-key", 4)
	t0 := time.Date(2026, 12, 5, 10, 59, 59, 0, time.UTC)
	a.clock = func(time.Duration) int64 { return t0.UnixNano() }
	for id := range int64(50) {
		a.add(id+1, t0.UnixNano())
	}
	if sum(collectRegisters(t, a)) == 0 {
		t.Fatal("no register set after 50 users")
	}
	a.clock = func(time.Duration) int64 { return t0.Add(time.Second).UnixNano() }
	if got := collectRegisters(t, a); sum(got) != 0 || len(got) != 16 {
		t.Errorf("the next hour before any user: %v, want 16 zeros", got)
	}
	a.add(1, t0.Add(time.Second).UnixNano())
	if got := collectRegisters(t, a); nonzero(got) != 1 {
		t.Errorf("the next hour after one user: %v, want one register set", got)
	}
	a.add(2, t0.UnixNano()) // late: an update of the hour before counts in the current one
	if got := collectRegisters(t, a); nonzero(got) > 2 {
		t.Errorf("after a late update: %v", got)
	}
}

// TestActiveUsersKey: another key gives other registers for the same ids;
// the same key, the same registers.
func TestActiveUsersKey(t *testing.T) {
	now := time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC)
	fill := func(key string) []float64 {
		a := newTestActiveUsers(t, key, 8)
		for id := range int64(200) {
			a.add(id, now.UnixNano())
		}
		return registers(a)
	}
	a, b, c := fill("key-one-0123456789"), fill("key-one-0123456789"), fill("key-two-0123456789")
	if !equal(a, b) || equal(a, c) {
		t.Errorf("same key equal: %v, other key equal: %v", equal(a, b), equal(a, c))
	}
	for _, bad := range []ActiveUsersOption{ActiveUsersKey([]byte("short")), ActiveUsersPrecision(3), ActiveUsersPrecision(17)} {
		var cfg activeUsersConfig
		if bad(&cfg); cfg.err == nil {
			t.Errorf("a bad option gave no error")
		}
	}
}

func collectRegisters(t *testing.T, a *activeUsers) []float64 {
	t.Helper()
	ch := make(chan prometheus.Metric, len(a.labels)+1)
	a.collect(ch)
	close(ch)
	var out []float64
	for m := range ch {
		out = append(out, gaugeValue(t, m))
	}
	return out
}

func sum(v []float64) (s float64) {
	for _, x := range v {
		s += x
	}
	return s
}

func nonzero(v []float64) (n int) {
	for _, x := range v {
		if x != 0 {
			n++
		}
	}
	return n
}

func equal(a, b []float64) bool {
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return len(a) == len(b)
}

func gaugeValue(t *testing.T, m prometheus.Metric) float64 {
	t.Helper()
	var d dto.Metric
	if err := m.Write(&d); err != nil {
		t.Fatal(err)
	}
	return d.GetGauge().GetValue()
}

// TestActiveUsersClockSteppedBack: a wall clock that ran hours ahead and is
// stepped back (NTP correcting a clock set in local time, a mistyped date)
// does not leave the sketch on its future hour, where it would gather
// every user until the clock reaches that hour again: the next user
// starts the sketch of the hour the clock now reads, and until one comes a
// scrape shows zeros. A user a few seconds late still counts in the hour
// that just began.
func TestActiveUsersClockSteppedBack(t *testing.T) {
	a := newTestActiveUsers(t, "0123456789abcdef-test-key", 4)
	ahead := time.Date(2026, 12, 5, 13, 30, 0, 0, time.UTC)
	a.clock = func(time.Duration) int64 { return ahead.UnixNano() }
	for id := range int64(50) {
		a.add(id+1, ahead.UnixNano())
	}
	right := ahead.Add(-3 * time.Hour) // 10:30
	a.clock = func(time.Duration) int64 { return right.UnixNano() }
	if got := collectRegisters(t, a); sum(got) != 0 {
		t.Errorf("after the clock was stepped back 3 hours, before any user: %v, want zeros", got)
	}
	a.add(1, right.UnixNano())
	if got := collectRegisters(t, a); nonzero(got) != 1 {
		t.Errorf("after the clock was stepped back 3 hours and one user: %v, want one register set", got)
	}

	// Late by a second across an hour: kept, as before.
	next := time.Date(2026, 12, 5, 11, 0, 0, 0, time.UTC)
	a.clock = func(time.Duration) int64 { return next.UnixNano() }
	a.add(2, next.UnixNano())
	a.add(3, next.Add(-time.Second).UnixNano())
	if got := collectRegisters(t, a); nonzero(got) == 0 || a.hour.Load().hour != next.Unix()/3600 {
		t.Errorf("a user a second late moved the sketch back to hour %d", a.hour.Load().hour)
	}
}
