package metrics

import (
	"bytes"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
)

// stopClock makes m's Telegram clock read t.
func stopClock(m *Metrics, t time.Time) {
	m.f.telegram.clock = func(time.Duration) int64 { return t.UnixNano() }
}

// cumulative returns the cumulative count of each upper bound of h.
func cumulative(h *dto.Histogram) map[float64]uint64 {
	c := map[float64]uint64{}
	for _, b := range h.GetBucket() {
		c[b.GetUpperBound()] = b.GetCumulativeCount()
	}
	return c
}

func TestTelegramUpdateFamilies(t *testing.T) {
	m := newTest(t)
	stamp := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	stopClock(m, stamp.Add(90*time.Second+250*time.Millisecond))

	backlog := m.StartTelegramUpdate("message", stamp)                                     // 90.25 s late
	recent := m.StartTelegramUpdate("message", stamp.Add(90*time.Second))                  // 0.25 s
	m.StartTelegramUpdate("message", stamp.Add(90*time.Second+250*time.Millisecond)).End() // 0 s
	m.StartTelegramUpdate("edited_message", stamp.Add(88*time.Second)).End()               // 2.25 s
	m.StartTelegramUpdate("callback_query", time.Time{}).End()                             // no stamp
	m.StartTelegramUpdate("future_update_type", stamp.Add(time.Hour)).End()                // clock behind Telegram's
	m.StartTelegramUpdate("", time.Time{}).End()

	e := scrape(t, m)
	base := L{"env": "dev", "app": "demobot"}
	with := func(k, v string) L { l := L{k: v}; l["env"], l["app"] = base["env"], base["app"]; return l }
	for typ, want := range map[string]float64{"message": 3, "edited_message": 1, "callback_query": 1, "other": 2} {
		if got := e.Counter(t, "genapp_telegram_updates_total", with("type", typ)); got != want {
			t.Errorf("updates{type=%q} = %v, want %v", typ, got, want)
		}
	}
	if got := e.Series("genapp_telegram_updates_total"); got != 4 {
		t.Errorf("%d update series, want 4 (message, edited_message, callback_query, other)", got)
	}
	// callback_query carries no stamp: no lag series.
	if got := e.LabelValues("genapp_telegram_update_lag_sec", "type"); !slices.Equal(got, []string{"edited_message", "message", "other"}) {
		t.Errorf("lag types = %v", got)
	}
	msg := e.One(t, "genapp_telegram_update_lag_sec", with("type", "message")).GetHistogram()
	if msg.GetSampleCount() != 3 || msg.GetSampleSum() != 90.5 {
		t.Errorf("message lag count, sum = %d, %v; want 3, 90.5", msg.GetSampleCount(), msg.GetSampleSum())
	}
	wantBuckets := map[float64]uint64{0.05: 1, 0.1: 1, 0.25: 2, 0.5: 2, 1: 2, 2: 2, 3: 2, 5: 2, 10: 2, 20: 2, 30: 2, 60: 2,
		120: 3, 300: 3, 600: 3, 1800: 3, 3600: 3, math.Inf(1): 3}
	if got := cumulative(msg); !mapsEqual(got, wantBuckets) {
		t.Errorf("message lag buckets = %v, want %v", got, wantBuckets)
	}
	if count, sum := e.Histogram(t, "genapp_telegram_update_lag_sec", with("type", "edited_message")); count != 1 || sum != 2.25 {
		t.Errorf("edited_message lag = %d, %v; want 1, 2.25", count, sum)
	}
	if count, sum := e.Histogram(t, "genapp_telegram_update_lag_sec", with("type", "other")); count != 1 || sum != 0 {
		t.Errorf("other lag = %d, %v; want 1, 0 (a date ahead of the clock)", count, sum)
	}
	if got := e.One(t, "genapp_telegram_handlers_in_flight", base).GetGauge().GetValue(); got != 2 {
		t.Errorf("in flight = %v, want 2", got)
	}

	backlog.End()
	recent.End()
	if got := scrape(t, m).One(t, "genapp_telegram_handlers_in_flight", base).GetGauge().GetValue(); got != 0 {
		t.Errorf("in flight after End = %v, want 0", got)
	}

	for name, typ := range map[string]dto.MetricType{
		"genapp_telegram_updates_total": dto.MetricType_COUNTER, "genapp_telegram_update_lag_sec": dto.MetricType_HISTOGRAM,
		"genapp_telegram_handlers_in_flight": dto.MetricType_GAUGE,
	} {
		f := e.Families[name]
		if f.GetType() != typ || f.GetHelp() == "" {
			t.Errorf("%s: type %v, help %q; want %v and a help string", name, f.GetType(), f.GetHelp(), typ)
		}
	}
}

func mapsEqual(a, b map[float64]uint64) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// TestTelegramUpdateTypes: every known type is recorded as itself (the
// telegram package's test holds its list equal to this one), anything else
// as other.
func TestTelegramUpdateTypes(t *testing.T) {
	m := newTest(t)
	for _, typ := range telegramUpdateTypes {
		m.StartTelegramUpdate(typ, time.Time{}).End()
	}
	m.StartTelegramUpdate("future_update", time.Time{}).End()
	e := scrape(t, m)
	if got := e.LabelValues("genapp_telegram_updates_total", "type"); !slices.Equal(got, slices.Sorted(slices.Values(append(telegramUpdateTypes[:], "other")))) {
		t.Errorf("type values = %v", got)
	}
	if got := e.Sum("genapp_telegram_updates_total", L{}); got != 24 {
		t.Errorf("updates = %v, want 24", got)
	}
}

func TestTelegramFloodWait(t *testing.T) {
	var logs bytes.Buffer
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithMaxSeries(4),
		WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
	if err != nil {
		t.Fatal(err)
	}
	m.RecordTelegramFloodWait("sendMessage", 3*time.Second)
	m.RecordTelegramFloodWait("sendMessage", 35*time.Second)
	m.RecordTelegramFloodWait("sendPhoto", -time.Second)
	m.RecordTelegramFloodWait("answerCallbackQuery", 86400*time.Second)
	// The limit of 4 leaves room for 3 methods and the overflow.
	m.RecordTelegramFloodWait("editMessageText", time.Second)
	m.RecordTelegramFloodWait(strings.Repeat("x", MaxLabelLen+1), time.Second)
	m.RecordTelegramFloodWait("", time.Second)

	e := scrape(t, m)
	want := map[string]struct {
		count   uint64
		sum     float64
		buckets map[float64]uint64
	}{
		"sendMessage":         {2, 38, map[float64]uint64{1: 0, 2: 0, 3: 1, 5: 1, 10: 1, 20: 1, 30: 1, 60: 2}},
		"sendPhoto":           {1, 0, map[float64]uint64{1: 1}},
		"answerCallbackQuery": {1, 86400, map[float64]uint64{14400: 0, 86400: 1}},
		OverflowValue:         {3, 3, map[float64]uint64{1: 3}},
	}
	if got := e.Series("genapp_telegram_flood_wait_sec"); got != len(want) {
		t.Errorf("%d flood wait series, want %d:\n%s", got, len(want), e.Text)
	}
	for method, w := range want {
		h := e.One(t, "genapp_telegram_flood_wait_sec", L{"env": "dev", "app": "demobot", "method": method}).GetHistogram()
		if h.GetSampleCount() != w.count || h.GetSampleSum() != w.sum {
			t.Errorf("flood wait{method=%q} = %d, %v; want %d, %v", method, h.GetSampleCount(), h.GetSampleSum(), w.count, w.sum)
		}
		got := cumulative(h)
		for le, n := range w.buckets {
			if got[le] != n {
				t.Errorf("flood wait{method=%q} bucket le=%v: %d, want %d", method, le, got[le], n)
			}
		}
	}
	if got := e.Counter(t, "genapp_series_overflow_total", L{"label": "method"}); got != 3 {
		t.Errorf("overflow{label=method} = %v, want 3", got)
	}
	for _, reason := range []string{"series limit reached", "label value longer than MaxLabelLen", "empty label value"} {
		if n := strings.Count(logs.String(), reason); n != 1 {
			t.Errorf("%d warnings %q, want 1:\n%s", n, reason, logs.String())
		}
	}
}

func TestTelegramWebhookInfo(t *testing.T) {
	m := newTest(t)
	e := scrape(t, m)
	for _, name := range []string{"genapp_telegram_webhook_pending_updates", "genapp_telegram_webhook_last_error_age_sec"} {
		if e.Families[name] != nil {
			t.Errorf("%s exposed before any getWebhookInfo was reported", name)
		}
	}

	m.SetTelegramWebhookInfo(17, time.Time{})
	e = scrape(t, m)
	if got := e.One(t, "genapp_telegram_webhook_pending_updates", L{"env": "dev", "app": "demobot"}).GetGauge().GetValue(); got != 17 {
		t.Errorf("pending = %v, want 17", got)
	}
	if e.Families["genapp_telegram_webhook_last_error_age_sec"] != nil {
		t.Error("last error age exposed while Telegram reports no last_error_date")
	}

	lastError := time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC)
	stopClock(m, lastError.Add(90*time.Second))
	m.SetTelegramWebhookInfo(-5, lastError)
	e = scrape(t, m)
	if got := e.One(t, "genapp_telegram_webhook_pending_updates", L{}).GetGauge().GetValue(); got != 0 {
		t.Errorf("pending = %v, want 0 for a negative count", got)
	}
	if got := e.One(t, "genapp_telegram_webhook_last_error_age_sec", L{"env": "dev", "app": "demobot"}).GetGauge().GetValue(); got != 90 {
		t.Errorf("last error age = %v, want 90", got)
	}
	// The age grows between reports: it is computed at the scrape.
	stopClock(m, lastError.Add(150*time.Second))
	if got := scrape(t, m).One(t, "genapp_telegram_webhook_last_error_age_sec", L{}).GetGauge().GetValue(); got != 150 {
		t.Errorf("last error age = %v, want 150", got)
	}
	stopClock(m, lastError.Add(-time.Minute))
	if got := scrape(t, m).One(t, "genapp_telegram_webhook_last_error_age_sec", L{}).GetGauge().GetValue(); got != 0 {
		t.Errorf("last error age = %v, want 0 for an error date ahead of the clock", got)
	}
}

// TestTelegramNotInLLMCommon22: the llm_common 2.2.0 page has none of the
// genapp_telegram_* families, whatever is recorded.
func TestTelegramNotInLLMCommon22(t *testing.T) {
	m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithCompatibility(LLMCommon22))
	if err != nil {
		t.Fatal(err)
	}
	u := m.StartTelegramUpdate("message", time.Now())
	m.RecordTelegramFloodWait("sendMessage", time.Second)
	m.SetTelegramWebhookInfo(3, time.Now())
	u.End()
	for name := range scrape(t, m).Families {
		if strings.HasPrefix(name, "genapp_telegram_") {
			t.Errorf("%s exposed in the LLMCommon22 mode", name)
		}
	}
}

func TestTelegramNilSafe(t *testing.T) {
	var m *Metrics
	u := m.StartTelegramUpdate("message", time.Now())
	u.End()
	TelegramUpdate{}.End()
	m.RecordTelegramFloodWait("sendMessage", time.Second)
	m.SetTelegramWebhookInfo(1, time.Now())
}

// TestTelegramInFlightConcurrent: concurrent updates leave the gauge at 0.
func TestTelegramInFlightConcurrent(t *testing.T) {
	m := newTest(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				u := m.StartTelegramUpdate("message", time.Now())
				m.RecordTelegramFloodWait("sendMessage", time.Second)
				u.End()
			}
		})
	}
	wg.Wait()
	e := scrape(t, m)
	if got := e.One(t, "genapp_telegram_handlers_in_flight", L{}).GetGauge().GetValue(); got != 0 {
		t.Errorf("in flight = %v, want 0", got)
	}
	if got := e.Counter(t, "genapp_telegram_updates_total", L{"type": "message"}); got != 800 {
		t.Errorf("updates = %v, want 800", got)
	}
}

func TestTelegramAllocations(t *testing.T) {
	m := newTest(t)
	date := time.Now()
	m.RecordTelegramFloodWait("sendMessage", time.Second) // create the series
	for name, f := range map[string]func(){
		"StartTelegramUpdate/End":         func() { m.StartTelegramUpdate("message", date).End() },
		"StartTelegramUpdate other":       func() { m.StartTelegramUpdate("not_a_type", time.Time{}).End() },
		"RecordTelegramFloodWait":         func() { m.RecordTelegramFloodWait("sendMessage", time.Second) },
		"StartTelegramUpdate nil Metrics": func() { (*Metrics)(nil).StartTelegramUpdate("message", date).End() },
		"TelegramUpdate.Track": func() {
			u := m.StartTelegramUpdate("message", date)
			a := u.Track("start_handler")
			a.End(nil)
			u.End()
		},
	} {
		f() // first use creates the children
		if n := testing.AllocsPerRun(1000, f); n != 0 {
			t.Errorf("%s: %v allocations per run, want 0", name, n)
		}
	}
}

// TestTelegramUpdateTrack: the action an update's Track starts is recorded
// as Track's, timed from the update's start; in the LLMCommon22 mode too,
// where the update itself records nothing; and not at all from the zero
// TelegramUpdate.
func TestTelegramUpdateTrack(t *testing.T) {
	for _, compat := range []Compatibility{LLMCommon26, LLMCommon22} {
		m, err := New("demobot", "dev", WithRegistry(prometheus.NewRegistry()), WithCompatibility(compat))
		if err != nil {
			t.Fatal(err)
		}
		u := m.StartTelegramUpdate("message", time.Now())
		time.Sleep(30 * time.Millisecond) // before the handler starts: counted in its duration
		a := u.Track("start_handler")
		a.End(nil)
		u.End()
		never := TelegramUpdate{}.Track("never_handler")
		never.End(nil)

		e := scrape(t, m)
		count, sum := e.Histogram(t, "genapp_action_duration_sec", L{"name": "start_handler"})
		if count != 1 || sum < 0.03 || sum > 10 {
			t.Errorf("%v: start_handler duration count, sum = %d, %v; want 1, from 0.03 s", compat, count, sum)
		}
		if got := e.Sum("genapp_action_count_total", L{"name": "start_handler"}); got != 1 {
			t.Errorf("%v: start_handler counted %v times, want 1", compat, got)
		}
		if got := e.LabelValues("genapp_action_duration_sec", "name"); !slices.Equal(got, []string{"start_handler"}) {
			t.Errorf("%v: actions %v, want start_handler only", compat, got)
		}
	}
}

// TestWallAt: the wall clock read off the monotonic one agrees with
// time.Now; within a second of its last reading it does not read the wall
// clock again; after a second it does, and so catches up with a step.
func TestWallAt(t *testing.T) {
	t.Cleanup(func() { anchor.Store(nil) })
	if d := time.Since(wallAt(now())).Abs(); d > time.Second {
		t.Errorf("wallAt(now()) is %v off time.Now", d)
	}
	stepped := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC) // a wall clock far behind
	mono := now()
	anchor.Store(&wallAnchor{wall: stepped.UnixNano(), mono: mono})
	if got, want := wallAt(mono+time.Millisecond), stepped.Add(time.Millisecond); !got.Equal(want) {
		t.Errorf("within the second, wallAt = %v, want %v: read off the anchor", got, want)
	}
	anchor.Store(&wallAnchor{wall: stepped.UnixNano(), mono: mono - 2*time.Second})
	if d := time.Since(wallAt(now())).Abs(); d > time.Second {
		t.Errorf("after a second, wallAt is %v off time.Now: the wall clock was not read again", d)
	}
	anchor.Store(&wallAnchor{wall: stepped.UnixNano(), mono: now() + time.Hour}) // ahead: read again too
	if d := time.Since(wallAt(now())).Abs(); d > time.Second {
		t.Errorf("with an anchor ahead of now, wallAt is %v off time.Now", d)
	}
}

// TestLagSeconds: the lag of a date before the clock, in seconds to the
// nanosecond; 0 for a date ahead; finite and positive for dates no int64
// of nanoseconds holds.
func TestLagSeconds(t *testing.T) {
	wall := time.Unix(1_700_000_000, 500_000_000).UnixNano()
	for _, c := range []struct {
		date time.Time
		want float64
	}{
		{time.Unix(1_699_999_990, 0), 10.5},
		{time.Unix(1_700_000_000, 750_000_000), 0},
		{time.Unix(1_700_000_001, 0), 0},
		{time.Unix(1<<62, 0), 0},
		{time.Unix(-1<<62, 0), float64(1_700_000_000) + float64(1<<62) + 0.5},
	} {
		if got := lagSeconds(wall, c.date); got != c.want {
			t.Errorf("lagSeconds(%v) = %v, want %v", c.date, got, c.want)
		}
	}
}
