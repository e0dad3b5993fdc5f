package metrics

import (
	"slices"

	"github.com/prometheus/client_golang/prometheus"
)

// The families of who the bot reaches: why its calls fail, who blocks it,
// and how many distinct users it has. Like the other genapp_telegram_*
// families, the [LLMCommon22] mode does not expose them.
const (
	telegramAPIErrorsName = "genapp_telegram_api_errors_total"
	telegramAPIErrorsHelp = "Bot API calls answered with ok false, by method and reason (the cause read from the error code and description)"
	botStatusName         = "genapp_telegram_bot_status_changes_total"
	botStatusHelp         = "my_chat_member updates by chat type and the bot's new status: in a private chat kicked is a user blocking the bot, member one unblocking it"
)

// Chat types and bot statuses of genapp_telegram_bot_status_changes_total;
// any other value is recorded as "other".
var (
	telegramChatTypes   = [...]string{"private", "group", "supergroup", "channel", "other"}
	telegramBotStatuses = [...]string{"creator", "administrator", "member", "restricted", "left", "kicked", "other"}
)

// audienceFamilies are the families of who the bot reaches.
type audienceFamilies struct {
	apiErrors *prometheus.CounterVec
	statuses  *prometheus.CounterVec
	users     *activeUsers // nil: WithActiveUsers is off

	errors   seriesCache[apiErrorKey, prometheus.Counter]
	folded   [len(telegramErrorReasons)]lazyChild[prometheus.Counter] // {overflow} methods, by reason
	statusOf [len(telegramChatTypes)][len(telegramBotStatuses)]lazyChild[prometheus.Counter]
}

type apiErrorKey struct{ method, reason string }

func newAudienceFamilies(constLabels prometheus.Labels, users *activeUsersConfig) *audienceFamilies {
	a := &audienceFamilies{
		apiErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: telegramAPIErrorsName, Help: telegramAPIErrorsHelp, ConstLabels: constLabels,
		}, []string{"method", "reason"}),
		statuses: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: botStatusName, Help: botStatusHelp, ConstLabels: constLabels,
		}, []string{"chat_type", "status"}),
	}
	for i, reason := range telegramErrorReasons {
		a.folded[i] = lazyWith(a.apiErrors.WithLabelValues, OverflowValue, reason)
	}
	for i, chat := range telegramChatTypes {
		for j, status := range telegramBotStatuses {
			a.statusOf[i][j] = lazyWith(a.statuses.WithLabelValues, chat, status)
		}
	}
	if users != nil {
		a.users = newActiveUsers(*users, constLabels)
	}
	return a
}

// Describe implements prometheus.Collector.
func (a *audienceFamilies) Describe(ch chan<- *prometheus.Desc) {
	describe(ch, a.apiErrors, a.statuses)
	if a.users != nil {
		ch <- a.users.desc
	}
}

// Collect implements prometheus.Collector.
func (a *audienceFamilies) Collect(ch chan<- prometheus.Metric) {
	collect(ch, a.apiErrors, a.statuses)
	if a.users != nil {
		a.users.collect(ch)
	}
}

// WithActiveUsers counts the distinct users of a Telegram bot: every user
// the adapters report ([TelegramUpdate.RecordUser]) goes into a
// HyperLogLog sketch of the current UTC hour, exposed as the 2^p series of
// genapp_telegram_active_users_sketch{register} (2048 by default). The
// recording rules genapp:telegram_active_users:1h, :24h, :7d and :30d of
// deploy/prometheus merge the sketches of every replica and hour into one
// estimate per app and env. User ids are hashed with a key first
// ([ActiveUsersKey]). It is off without this option, and in the
// [LLMCommon22] mode.
func WithActiveUsers(opts ...ActiveUsersOption) Option {
	return func(c *config) {
		u := activeUsersConfig{precision: DefaultActiveUsersPrecision}
		for _, o := range opts {
			o(&u)
		}
		if u.err != nil {
			c.errs = append(c.errs, u.err)
			return
		}
		c.activeUsers = &u
	}
}

// RecordTelegramAPIError counts a Bot API call to method answered with
// "ok": false, error_code code and description in
// genapp_telegram_api_errors_total{method, reason}, reason being
// [TelegramErrorReason] of them; the description is not kept. method is
// bounded like every label value (see [OverflowValue]); a method folded
// into OverflowValue keeps its reason, so the 15 reasons may add up to 15
// series beyond the limit. The client of
// httpclient.NewTelegram calls it for every error answer.
func (m *Metrics) RecordTelegramAPIError(method string, code int, description string) {
	if !m.recordsTelegram() {
		return
	}
	m.f.apiErrorCounter(method, TelegramErrorReason(code, description)).Inc()
}

func (f *families) apiErrorCounter(method, reason string) prometheus.Counter {
	why := fit(method, true)
	if why < 0 {
		if c, ok := f.audience.errors.loadOrCreate(apiErrorKey{method, reason}, f.maxSeries-1, f.newAPIErrorCounter); ok {
			return c
		}
		why = limitReached
	}
	f.fold(foldMethod, why, len(method))
	return f.audience.folded[indexOr(telegramErrorReasons[:], reason)].get()
}

func (f *families) newAPIErrorCounter(k apiErrorKey) prometheus.Counter {
	return f.audience.apiErrors.WithLabelValues(labelValue(k.method), k.reason)
}

// RecordTelegramBotStatus counts a my_chat_member update, which tells the
// bot its own status changed, in
// genapp_telegram_bot_status_changes_total{chat_type, status}: chatType is
// the chat's type (private, group, supergroup, channel) and status the
// bot's new status (creator, administrator, member, restricted, left,
// kicked); any other value is recorded as "other". The adapters of
// package telegram call it for every my_chat_member update.
func (m *Metrics) RecordTelegramBotStatus(chatType, status string) {
	if !m.recordsTelegram() {
		return
	}
	m.f.audience.statusOf[indexOr(telegramChatTypes[:], chatType)][indexOr(telegramBotStatuses[:], status)].get().Inc()
}

// indexOr returns the index of v in values, or that of the last, "other".
func indexOr(values []string, v string) int {
	if i := slices.Index(values, v); i >= 0 {
		return i
	}
	return len(values) - 1
}

// RecordUser counts the person with Telegram id id, who sent the update,
// as active in the hour the update started, when [WithActiveUsers] is on.
// Ids that are not positive are ignored. The adapters of package telegram
// call it with the from of every update a person sent (bots left out). It
// does not allocate, and reads no clock: the update's start is the time.
func (u TelegramUpdate) RecordUser(id int64) {
	if u.running == nil || id <= 0 { // running is nil unless recording
		return
	}
	if a := u.m.f.audience.users; a != nil {
		a.add(id, u.wall)
	}
}
