package metrics

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The genapp_telegram_* families: this module's extension of the genapp_*
// families for Telegram bots, with the same env and app labels. None of them
// is llm_common's, so the [LLMCommon22] mode does not expose them.
const (
	telegramUpdatesName  = "genapp_telegram_updates_total"
	telegramUpdatesHelp  = "Telegram updates the bot started handling, by Bot API update type"
	telegramLagName      = "genapp_telegram_update_lag_sec"
	telegramLagHelp      = "Seconds from the date Telegram stamped an update with (whole seconds) until the bot started handling it"
	telegramInFlightName = "genapp_telegram_handlers_in_flight"
	telegramInFlightHelp = "Telegram updates being handled now"
	telegramFloodName    = "genapp_telegram_flood_wait_sec"
	telegramFloodHelp    = "The retry_after, in seconds, of each 429 Too Many Requests answer of the Bot API, by method"
	webhookPendingName   = "genapp_telegram_webhook_pending_updates"
	webhookPendingHelp   = "Updates Telegram holds for the bot's webhook, as getWebhookInfo's pending_update_count last reported"
	webhookErrorAgeName  = "genapp_telegram_webhook_last_error_age_sec"
	webhookErrorAgeHelp  = "Seconds since the last error delivering an update to the bot's webhook, as getWebhookInfo's last_error_date reported"
)

var (
	// telegramLagBuckets span an update handled at once to one an hour
	// late. Telegram stamps updates in whole seconds, truncated: an update
	// handled the very moment it arrived measures a lag spread evenly over
	// [0, 1) s. Below 1 s the buckets therefore tell the sub-second part of
	// the arrival time, not a wait: a lag under 1 s is "instant", and
	// about half the instant updates fall at or below 0.5 s. The low bounds
	// still matter when the bot's clock runs ahead of Telegram's, and for
	// stamps with finer resolution (a fake server, a replay).
	telegramLagBuckets = []float64{0.05, 0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600}
	// telegramFloodBuckets are whole seconds, as retry_after is, from a
	// short burst limit to the day-long waits Telegram imposes on abuse.
	telegramFloodBuckets = []float64{1, 2, 3, 5, 10, 20, 30, 60, 120, 300, 600, 1800, 3600, 14400, 86400}
)

// telegramUpdateOther is the type label of updates whose type is not one of
// telegramUpdateTypes.
const telegramUpdateOther = "other"

// telegramUpdateTypes are the fields of the Bot API's Update object that
// carry an update, in the order of its documentation: package telegram's
// UpdateTypes, which its tests hold equal.
var telegramUpdateTypes = [...]string{
	"message", "edited_message", "channel_post", "edited_channel_post",
	"business_connection", "business_message", "edited_business_message", "deleted_business_messages",
	"message_reaction", "message_reaction_count", "inline_query", "chosen_inline_result",
	"callback_query", "shipping_query", "pre_checkout_query", "purchased_paid_media",
	"poll", "poll_answer", "my_chat_member", "chat_member", "chat_join_request",
	"chat_boost", "removed_chat_boost",
}

// telegramTypeIndex maps each known type to its index in
// telegramUpdateTypes; telegramUpdateOther has the next one.
var telegramTypeIndex = func() map[string]int {
	idx := make(map[string]int, len(telegramUpdateTypes))
	for i, t := range telegramUpdateTypes {
		idx[t] = i
	}
	return idx
}()

// telegramFamilies are the genapp_telegram_* families with the caches of
// their children. Every child, the unlabelled in-flight gauge included, is
// created on first use: a service that handles no Telegram update exposes
// none of them.
type telegramFamilies struct {
	updates   *prometheus.CounterVec
	lag       *prometheus.HistogramVec
	floodWait *prometheus.HistogramVec

	inFlight, webhookPending, webhookErrorAge *prometheus.Desc
	webhook                                   atomic.Pointer[webhookState]

	clock   func(mono time.Duration) int64 // unixNano; a test stops it
	types   [len(telegramUpdateTypes) + 1]telegramTypeSeries
	running atomic.Int64 // the in-flight gauge: an atomic add where a Gauge's is a compare-and-swap loop
	started atomic.Bool  // an update was started: the in-flight gauge is exposed
	methods seriesCache[string, prometheus.Observer]
}

// telegramTypeSeries holds the children of one update type.
type telegramTypeSeries struct {
	count lazyChild[prometheus.Counter]
	lag   lazyChild[prometheus.Observer]
}

// webhookState is what getWebhookInfo reported last.
type webhookState struct {
	pending   float64
	lastError time.Time // zero: none reported
}

func newTelegramFamilies(constLabels prometheus.Labels, h histograms) *telegramFamilies {
	t := &telegramFamilies{
		updates: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: telegramUpdatesName, Help: telegramUpdatesHelp, ConstLabels: constLabels,
		}, []string{"type"}),
		lag: h.newVec(prometheus.HistogramOpts{
			Name: telegramLagName, Help: telegramLagHelp, ConstLabels: constLabels,
			Buckets: telegramLagBuckets,
		}, []string{"type"}),
		floodWait: h.newVec(prometheus.HistogramOpts{
			Name: telegramFloodName, Help: telegramFloodHelp, ConstLabels: constLabels,
			Buckets: telegramFloodBuckets,
		}, []string{"method"}),
		inFlight:        prometheus.NewDesc(telegramInFlightName, telegramInFlightHelp, nil, constLabels),
		webhookPending:  prometheus.NewDesc(webhookPendingName, webhookPendingHelp, nil, constLabels),
		webhookErrorAge: prometheus.NewDesc(webhookErrorAgeName, webhookErrorAgeHelp, nil, constLabels),
		clock:           unixNano,
	}
	for i := range t.types {
		typ := telegramUpdateOther
		if i < len(telegramUpdateTypes) {
			typ = telegramUpdateTypes[i]
		}
		t.types[i] = telegramTypeSeries{count: lazyWith(t.updates.WithLabelValues, typ), lag: lazyWith(t.lag.WithLabelValues, typ)}
	}
	return t
}

// Describe implements prometheus.Collector.
func (t *telegramFamilies) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, t.updates, t.lag, t.floodWait)
	ch <- t.inFlight
	ch <- t.webhookPending
	ch <- t.webhookErrorAge
}

// Collect implements prometheus.Collector. It sends the in-flight gauge
// once an update was started, and the webhook gauges once getWebhookInfo
// has been reported, the error age computed now, so that it grows between
// reports.
func (t *telegramFamilies) Collect(ch chan<- prometheus.Metric) {
	collect(ch, t.updates, t.lag, t.floodWait)
	if t.started.Load() {
		ch <- prometheus.MustNewConstMetric(t.inFlight, prometheus.GaugeValue, float64(t.running.Load()))
	}
	w := t.webhook.Load()
	if w == nil {
		return
	}
	ch <- prometheus.MustNewConstMetric(t.webhookPending, prometheus.GaugeValue, w.pending)
	if !w.lastError.IsZero() {
		ch <- prometheus.MustNewConstMetric(t.webhookErrorAge, prometheus.GaugeValue, max(time.Unix(0, t.clock(now())).Sub(w.lastError), 0).Seconds())
	}
}

// recordsTelegram reports whether m records the genapp_telegram_* families:
// it is not nil and not in the [LLMCommon22] mode.
func (m *Metrics) recordsTelegram() bool { return m != nil && m.f.compat != LLMCommon22 }

// TelegramUpdate is the handling of one update, begun by
// [Metrics.StartTelegramUpdate]. Call End once, when the handling ends.
type TelegramUpdate struct {
	running *atomic.Int64 // nil: no genapp_telegram_* series recorded
	m       *Metrics      // nil: Track records nothing
	start   time.Duration // on the monotonic clock, see now
	wall    int64         // start on the wall clock, in Unix nanoseconds
}

// StartTelegramUpdate records that the bot starts handling an update of type
// updateType (the name of the Bot API Update field that is set; anything not
// in the Bot API's update types, telegram.UpdateTypes in package
// github.com/genapp-go/genapp/telegram, is recorded as "other"), stamped by
// Telegram at date (the zero time for updates that carry no stamp, such as
// callback queries: then no lag is observed). It counts
// genapp_telegram_updates_total{type}, observes
// genapp_telegram_update_lag_sec{type} (now - date, 0 if negative) and adds 1
// to genapp_telegram_handlers_in_flight until [TelegramUpdate.End].
//
// It does not allocate. On a nil *Metrics it records nothing. In the
// [LLMCommon22] mode it records nothing either, but [TelegramUpdate.Track]
// still tracks actions.
func (m *Metrics) StartTelegramUpdate(updateType string, date time.Time) TelegramUpdate {
	if !m.recordsTelegram() {
		if m == nil {
			return TelegramUpdate{}
		}
		return TelegramUpdate{m: m, start: now()}
	}
	t := m.f.telegram
	i, ok := telegramTypeIndex[updateType]
	if !ok {
		i = len(telegramUpdateTypes)
	}
	s := &t.types[i]
	s.count.get().Inc()
	start := now()
	wall := t.clock(start)
	if !date.IsZero() {
		s.lag.get().Observe(lagSeconds(wall, date))
	}
	t.running.Add(1)
	if !t.started.Load() {
		t.started.Store(true)
	}
	return TelegramUpdate{running: &t.running, m: m, start: start, wall: wall}
}

// lagSeconds returns how long before wall, in Unix nanoseconds, Telegram
// stamped an update at date, in seconds; 0 for a date ahead of wall. It
// subtracts in floating point, which no date overflows.
func lagSeconds(wall int64, date time.Time) float64 {
	lag := float64(wall/1e9) - float64(date.Unix()) + float64(wall%1e9-int64(date.Nanosecond()))/1e9
	return max(lag, 0)
}

// Track starts tracking the action name that handles the update, as
// [Metrics.Track] does, timed from the moment [Metrics.StartTelegramUpdate]
// started the update: it saves a clock read per update, which a bot adapter
// that both starts the update and tracks its handler in one place should.
// It records nothing on the zero TelegramUpdate.
func (u TelegramUpdate) Track(name string) Action {
	if u.m == nil {
		return Action{}
	}
	return Action{series: u.m.actionSeries(name), start: u.start}
}

// TrackContext is [TelegramUpdate.Track] for a handler that runs in ctx:
// with [WithExemplars], a span in ctx gives the duration an exemplar, as
// [Metrics.TrackContext] does.
func (u TelegramUpdate) TrackContext(ctx context.Context, name string) Action {
	a := u.Track(name)
	a.ctx = ctx
	return a
}

// End records that the handling of the update ended: it takes 1 from
// genapp_telegram_handlers_in_flight. It is safe on the zero TelegramUpdate.
func (u TelegramUpdate) End() {
	if u.running != nil {
		u.running.Add(-1)
	}
}

// RecordTelegramFloodWait observes retryAfter, the wait a 429 answer of the
// Bot API asked for (its parameters.retry_after), in
// genapp_telegram_flood_wait_sec{method}. method is the Bot API method that
// was refused, such as "sendMessage"; a negative retryAfter is recorded as 0.
// Like the other label values, method is bounded: see [OverflowValue].
func (m *Metrics) RecordTelegramFloodWait(method string, retryAfter time.Duration) {
	if !m.recordsTelegram() {
		return
	}
	m.f.floodWaitObserver(method).Observe(max(retryAfter, 0).Seconds())
}

// floodWaitObserver returns the genapp_telegram_flood_wait_sec series of
// method, or that of OverflowValue.
func (f *families) floodWaitObserver(method string) prometheus.Observer {
	reason := fit(method, true)
	if reason < 0 {
		o, ok := f.telegram.methods.loadOrCreate(method, f.maxSeries-1, f.newFloodWaitObserver)
		if ok {
			return o
		}
		reason = limitReached
	}
	f.fold(foldMethod, reason, len(method))
	return f.telegram.methods.overflow(OverflowValue, f.newFloodWaitObserver)
}

func (f *families) newFloodWaitObserver(method string) prometheus.Observer {
	return f.telegram.floodWait.WithLabelValues(labelValue(method))
}

// SetTelegramWebhookInfo records what getWebhookInfo reported for the bot's
// webhook: pendingUpdates (its pending_update_count) in
// genapp_telegram_webhook_pending_updates, and lastErrorDate (its
// last_error_date; the zero time when it reports none) as
// genapp_telegram_webhook_last_error_age_sec, the seconds since then computed
// at each scrape and absent while there is no error. Both gauges appear with
// the first call. On a nil *Metrics it records nothing.
//
// The Monitor of package github.com/genapp-go/genapp/telegram/webhook polls
// getWebhookInfo and calls it.
func (m *Metrics) SetTelegramWebhookInfo(pendingUpdates int, lastErrorDate time.Time) {
	if !m.recordsTelegram() {
		return
	}
	m.f.telegram.webhook.Store(&webhookState{pending: float64(max(pendingUpdates, 0)), lastError: lastErrorDate})
}
