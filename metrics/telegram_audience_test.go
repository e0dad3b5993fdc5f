package metrics

import (
	"crypto/sha256"
	"encoding/binary"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/dchest/siphash"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
)

func newAudience(t testing.TB, opts ...Option) *Metrics {
	t.Helper()
	m, err := New("bot", "dev", append([]Option{WithRegistry(prometheus.NewRegistry()), WithLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestTelegramAPIErrors: each answer counts once under its method and
// reason, the description never reaches the exposition, and methods are
// bounded like every label value.
func TestTelegramAPIErrors(t *testing.T) {
	m := newAudience(t, WithMaxSeries(10))
	m.RecordTelegramAPIError("sendMessage", 403, "Forbidden: bot was blocked by the user")
	m.RecordTelegramAPIError("sendMessage", 403, "Forbidden: bot was blocked by the user")
	m.RecordTelegramAPIError("sendMessage", 400, "Bad Request: chat not found")
	m.RecordTelegramAPIError("editMessageText", 400, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same")
	m.RecordTelegramAPIError("sendPhoto", 400, "Bad Request: secret-looking text 123456:ABCDEF")
	for i := range 50 {
		m.RecordTelegramAPIError("method"+strconv.Itoa(i), 500, "Internal Server Error")
	}
	m.RecordTelegramAPIError(strings.Repeat("m", MaxLabelLen+1), 429, "Too Many Requests: retry after 5")

	text := promtest.ScrapeOpenMetrics(t, m.Handler())
	for _, leak := range []string{"blocked by", "secret-looking", "123456:ABCDEF", "not modified"} {
		if strings.Contains(text, leak) {
			t.Errorf("the exposition holds %q", leak)
		}
	}
	e := promtest.Scrape(t, m.Handler())
	for _, c := range []struct {
		method, reason string
		want           float64
	}{
		{"sendMessage", TelegramErrorBlockedByUser, 2},
		{"sendMessage", TelegramErrorChatNotFound, 1},
		{"editMessageText", TelegramErrorMessageNotModified, 1},
		{"sendPhoto", TelegramErrorBadRequest, 1},
	} {
		if got := e.Counter(t, telegramAPIErrorsName, promtest.Labels{"method": c.method, "reason": c.reason}); got != c.want {
			t.Errorf("%s %s = %v, want %v", c.method, c.reason, got, c.want)
		}
	}
	if n := e.Series(telegramAPIErrorsName); n != 9+2 {
		t.Errorf("%d series of %s, want 9 within the limit of 10 and 2 folded reasons", n, telegramAPIErrorsName)
	}
	if total := e.Sum(telegramAPIErrorsName, nil); total != 56 {
		t.Errorf("%v errors counted in all, want 56", total)
	}
	// 9 series hold the 10 answers of the first 4 pairs and 5 methods; the
	// 45 other methods and the one too long fold, keeping their reason.
	if got := e.Sum(telegramAPIErrorsName, promtest.Labels{"method": OverflowValue, "reason": TelegramErrorServerError}); got != 45 {
		t.Errorf("%v server errors folded into %s, want 45", got, OverflowValue)
	}
	if got := e.Sum(telegramAPIErrorsName, promtest.Labels{"method": OverflowValue, "reason": TelegramErrorFloodWait}); got != 1 {
		t.Errorf("%v flood waits folded into %s, want 1", got, OverflowValue)
	}
}

// TestTelegramBotStatus: every chat type and status is its own series;
// unknown ones are "other".
func TestTelegramBotStatus(t *testing.T) {
	m := newAudience(t)
	for _, chat := range telegramChatTypes[:4] {
		for _, status := range telegramBotStatuses[:6] {
			m.RecordTelegramBotStatus(chat, status)
		}
	}
	m.RecordTelegramBotStatus("private", "kicked")
	m.RecordTelegramBotStatus("sender", "banished")
	e := promtest.Scrape(t, m.Handler())
	if n := e.Series(botStatusName); n != 4*6+1 {
		t.Errorf("%d series, want 25", n)
	}
	if got := e.Counter(t, botStatusName, promtest.Labels{"chat_type": "private", "status": "kicked"}); got != 2 {
		t.Errorf("private kicked = %v, want 2", got)
	}
	if got := e.Counter(t, botStatusName, promtest.Labels{"chat_type": "other", "status": "other"}); got != 1 {
		t.Errorf("other other = %v, want 1", got)
	}
}

// TestActiveUsersExposition: the registers exposed are those of a reference
// computation over the same ids (the keyed hash, the register index and the
// leading zeros, recomputed here); a million users make no series beyond
// the 2^p registers; nothing is exposed before the first user, without
// the option, or in the 2.2.0 mode.
func TestActiveUsersExposition(t *testing.T) {
	key := []byte("0123456789abcdef0123")
	m := newAudience(t, WithActiveUsers(ActiveUsersKey(key), ActiveUsersPrecision(6)))
	if e := promtest.Scrape(t, m.Handler()); e.Series(activeUsersName) != 0 {
		t.Errorf("registers exposed before the first user")
	}
	ids := []int64{1, 2, 3, 42, 1 << 40, 7_000_000_000}
	for _, id := range ids {
		recordUser(m, id)
	}
	for _, ignored := range []int64{0, -5} {
		recordUser(m, ignored)
	}
	want := reference(key, 6, ids)
	e := promtest.Scrape(t, m.Handler())
	if n := e.Series(activeUsersName); n != 64 {
		t.Fatalf("%d registers exposed, want 64", n)
	}
	for j, v := range want {
		m := e.One(t, activeUsersName, promtest.Labels{"register": strconv.Itoa(j), "app": "bot", "env": "dev"})
		if got := m.GetGauge().GetValue(); got != v {
			t.Errorf("register %d = %v, want %v", j, got, v)
		}
	}

	for id := range int64(1_000_000) {
		recordUser(m, id+10)
	}
	if n := promtest.Scrape(t, m.Handler()).Series(activeUsersName); n != 64 {
		t.Errorf("%d registers after a million users, want 64", n)
	}

	for name, opts := range map[string][]Option{"off": nil, "2.2.0": {WithCompatibility(LLMCommon22), WithActiveUsers()}} {
		m := newAudience(t, opts...)
		recordUser(m, 1)
		if promtest.Scrape(t, m.Handler()).Series(activeUsersName) != 0 {
			t.Errorf("%s: registers exposed", name)
		}
	}
	if _, err := New("bot", "dev", WithRegistry(prometheus.NewRegistry()), WithActiveUsers(ActiveUsersPrecision(20))); err == nil || !strings.Contains(err.Error(), "ActiveUsersPrecision(20)") {
		t.Errorf("New with precision 20: %v", err)
	}
	reg := prometheus.NewRegistry()
	if _, err := New("bot", "dev", WithRegistry(reg), WithActiveUsers()); err != nil {
		t.Fatal(err)
	}
	if _, err := New("bot", "dev", WithRegistry(reg), WithActiveUsers(ActiveUsersPrecision(12))); err == nil || !strings.Contains(err.Error(), "precision 11, not 12") {
		t.Errorf("a second instance on the registry with another precision: %v", err)
	}
}

// reference computes the registers of ids from the definition: SipHash-2-4
// of the id (8 bytes, little endian) under the first 16 bytes of
// SHA-256(key); the first p bits pick the register, which takes the
// position of the first 1 bit after them.
func reference(key []byte, p int, ids []int64) []float64 {
	regs := make([]float64, 1<<p)
	k := sha256.Sum256(key)
	k0, k1 := binary.LittleEndian.Uint64(k[:8]), binary.LittleEndian.Uint64(k[8:16])
	for _, id := range ids {
		h := siphash.Hash(k0, k1, binary.LittleEndian.AppendUint64(nil, uint64(id)))
		j := h >> (64 - p)
		rank := 1
		for bit := 63 - p; bit >= 0 && h&(1<<bit) == 0; bit-- {
			rank++
		}
		regs[j] = max(regs[j], float64(rank))
	}
	return regs
}

// recordUser records an update that user id sent, as the adapters do.
func recordUser(m *Metrics, id int64) {
	u := m.StartTelegramUpdate("message", time.Time{})
	u.RecordUser(id)
	u.End()
}
