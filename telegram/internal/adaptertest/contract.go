package adaptertest

import (
	"fmt"
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
	// Package is the adapter's import path below telegram/, which starts
	// its errors: "telebotmetrics/v4".
	Package string
	// Target returns what New tracks, made offline: the library's bot,
	// dispatcher or router (the zero L where New takes only options).
	Target func(*testing.T) L

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

// Check asserts the behaviour the shared shape promises: New takes
// WithMetrics, and a nil option is an error; bad arguments to NewPoller (a nil client, a negative poll timeout, an update type outside
// telegram.UpdateTypes, a nil option) are errors that name them, in the
// same words in every adapter, never a panic; a Poller that never ran is
// not ready; and ParseUpdate parses an update as the Bot API sends it and
// rejects what is not one.
func Check[L, T, P, U, O, PO any, PP PollerOf[P]](t *testing.T, api API[L, T, P, U, O, PO]) {
	t.Helper()
	client := &http.Client{}
	newPoller := func(what string, client *http.Client, opts ...PO) (p *P, err error) {
		t.Helper()
		defer func() {
			if r := recover(); r != nil {
				p, err = nil, fmt.Errorf("panicked: %v", r)
				t.Errorf("NewPoller with %s panicked: %v", what, r)
			}
		}()
		return api.NewPoller(client, opts...)
	}
	if p, err := newPoller("good options", client, api.WithPollTimeout(time.Second), api.WithAllowedUpdates(telegram.UpdateMessage, telegram.UpdateCallbackQuery), api.WithAllowedUpdates()); err != nil || p == nil {
		t.Errorf("NewPoller with good options = %v, %v", p, err)
	} else {
		if err := PP(p).Err(); err != nil {
			t.Errorf("Err() of a Poller that never ran = %v", err)
		}
		if err := PP(p).Ready(); err == nil || !strings.Contains(err.Error(), "polling has not started") {
			t.Errorf("Ready() of a Poller that never ran = %v, want an error saying polling has not started", err)
		}
	}
	if p, err := newPoller("a nil client", nil); err == nil || p != nil || !strings.HasPrefix(err.Error(), api.Package+": NewPoller with a nil *http.Client: want ") {
		t.Errorf("NewPoller with a nil client = %v, %v; want nil and an error naming the nil *http.Client", p, err)
	}
	var none PO
	for _, tc := range []struct {
		what string
		opts []PO
		want string // after "<Package>: "
	}{
		{"an unknown update type", []PO{api.WithAllowedUpdates(telegram.UpdateMessage, "mesage")}, `WithAllowedUpdates: unknown update type "mesage": want one of the telegram.Update* constants, such as "message"`},
		{"the type other", []PO{api.WithAllowedUpdates(telegram.UpdateOther)}, `WithAllowedUpdates: unknown update type "other": want one of the telegram.Update* constants, such as "message"`},
		{"a negative poll timeout", []PO{api.WithPollTimeout(-1500 * time.Millisecond)}, "WithPollTimeout(-1.5s): want 0 or more (rounded down to whole seconds, at least 1 s)"},
		{"a nil option", []PO{api.WithPollTimeout(time.Second), none, api.WithAllowedUpdates()}, "NewPoller: option 2 of 3 is nil"},
		{"a nil option alone", []PO{none}, "NewPoller: option 1 of 1 is nil"},
	} {
		want := api.Package + ": " + tc.want
		if p, err := newPoller(tc.what, client, tc.opts...); err == nil || p != nil || err.Error() != want {
			t.Errorf("NewPoller with %s = %v, %v; want nil and the error %q", tc.what, p, err, want)
		}
	}
	checkNew(t, api)
	if _, err := api.ParseUpdate([]byte(`{"update_id":7,"message":{"message_id":1,"date":1700000000,"chat":{"id":100,"type":"private"},"from":{"id":100,"is_bot":false,"first_name":"U"},"text":"/start"}}`)); err != nil {
		t.Errorf("ParseUpdate of a message: %v", err)
	}
	for _, bad := range []string{``, `{`, `[]`, `"update"`, `{"update_id":"7"}`} {
		if _, err := api.ParseUpdate([]byte(bad)); err == nil {
			t.Errorf("ParseUpdate(%q) = nil error, want one", bad)
		}
	}
}

// checkNew asserts that New takes WithMetrics, and that a nil option is an
// error that says which, never a panic.
func checkNew[L, T, P, U, O, PO any](t *testing.T, api API[L, T, P, U, O, PO]) {
	t.Helper()
	newTracker := func(what string, opts ...O) (tr *T, err error) {
		t.Helper()
		defer func() {
			if r := recover(); r != nil {
				tr, err = nil, fmt.Errorf("panicked: %v", r)
				t.Errorf("New with %s panicked: %v", what, r)
			}
		}()
		return api.New(api.Target(t), opts...)
	}
	if tr, err := newTracker("WithMetrics", api.WithMetrics(metrics.Default())); err != nil || tr == nil {
		t.Errorf("New with WithMetrics = %v, %v", tr, err)
	}
	var none O
	want := api.Package + ": New: option 2 of 2 is nil"
	if tr, err := newTracker("a nil option", api.WithMetrics(nil), none); err == nil || tr != nil || err.Error() != want {
		t.Errorf("New with a nil option = %v, %v; want nil and the error %q", tr, err, want)
	}
}
