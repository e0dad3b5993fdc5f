package adaptertest

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
)

// API is an adapter's API in the shape every adapter shares: L is what its
// New tracks (the library's bot, dispatcher or router; struct{} where New
// takes nothing but options), T its tracker, P its Poller, U the library's
// update type, O and PO its options. A call of [Check] with the adapter's
// functions compiles only when they have these shapes.
type API[L, T, P, U, O, PO any] struct {
	New                func(L, ...O) (*T, error)
	WithMetrics        func(*metrics.Metrics) O
	NewPoller          func(*http.Client, ...PO) (*P, error)
	WithPollTimeout    func(time.Duration) PO
	WithAllowedUpdates func(...telegram.UpdateType) PO
	ParseUpdate        func([]byte) (U, error)
}

// PollerOf is what every adapter's Poller P has besides the library's own
// method that runs it.
type PollerOf[P any] interface {
	*P
	// Err returns the error polling stopped on (a *telegram.PollError),
	// nil while it runs or after a stop the caller asked for.
	Err() error
	// Ready returns nil while polling runs and the bot can take updates,
	// else why not.
	Ready() error
}

// Check asserts the behaviour the shared shape promises: bad arguments to
// NewPoller are errors that name them, never a panic, a Poller that never
// ran is not ready, and ParseUpdate
// parses an update as the Bot API sends it and rejects what is not one.
func Check[L, T, P, U, O, PO any, PP PollerOf[P]](t *testing.T, api API[L, T, P, U, O, PO]) {
	t.Helper()
	client := &http.Client{}
	if p, err := api.NewPoller(client, api.WithPollTimeout(time.Second), api.WithAllowedUpdates(telegram.UpdateMessage, telegram.UpdateCallbackQuery)); err != nil || p == nil {
		t.Errorf("NewPoller with good options = %v, %v", p, err)
	} else {
		if err := PP(p).Err(); err != nil {
			t.Errorf("Err() of a Poller that never ran = %v", err)
		}
		if err := PP(p).Ready(); err == nil || !strings.Contains(err.Error(), "polling has not started") {
			t.Errorf("Ready() of a Poller that never ran = %v, want an error saying polling has not started", err)
		}
	}
	for _, tc := range []struct {
		what   string
		client *http.Client
		opts   []PO
		want   string
	}{
		{"a nil client", nil, nil, "nil"},
		{"an unknown update type", client, []PO{api.WithAllowedUpdates(telegram.UpdateMessage, "mesage")}, `"mesage"`},
		{"the type other", client, []PO{api.WithAllowedUpdates(telegram.UpdateOther)}, `"other"`},
		{"a negative poll timeout", client, []PO{api.WithPollTimeout(-time.Second)}, "-1s"},
	} {
		if p, err := api.NewPoller(tc.client, tc.opts...); err == nil || p != nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("NewPoller with %s = %v, %v; want nil and an error naming %s", tc.what, p, err, tc.want)
		}
	}
	if _, err := api.ParseUpdate([]byte(`{"update_id":7,"message":{"message_id":1,"date":1700000000,"chat":{"id":100,"type":"private"},"from":{"id":100,"is_bot":false,"first_name":"U"},"text":"/start"}}`)); err != nil {
		t.Errorf("ParseUpdate of a message: %v", err)
	}
	for _, bad := range []string{``, `{`, `[]`, `"update"`, `{"update_id":"7"}`} {
		if _, err := api.ParseUpdate([]byte(bad)); err == nil {
			t.Errorf("ParseUpdate(%q) = nil error, want one", bad)
		}
	}
}
