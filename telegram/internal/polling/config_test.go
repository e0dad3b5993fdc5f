package polling

import (
	"slices"
	"testing"
	"time"

	"github.com/genapp-go/genapp/telegram"
)

// TestConfig: the timeout is whole seconds, at least 1 s; allowed_updates
// is nil until set, empty but not nil when set to none; every bad value is
// an error that the package starts, and leaves the Config as it was.
func TestConfig(t *testing.T) {
	c := Config{Timeout: DefaultTimeout}
	for _, tc := range []struct{ d, want time.Duration }{{0, time.Second}, {999 * time.Millisecond, time.Second}, {2500 * time.Millisecond, 2 * time.Second}, {time.Hour, time.Hour}} {
		if err := c.SetTimeout("pkg", tc.d); err != nil || c.Timeout != tc.want {
			t.Errorf("SetTimeout(%v): Timeout %v, error %v; want %v", tc.d, c.Timeout, err, tc.want)
		}
	}
	if err := c.SetTimeout("pkg", -time.Nanosecond); err == nil || err.Error() != "pkg: WithPollTimeout(-1ns): want 0 or more (rounded down to whole seconds, at least 1 s)" || c.Timeout != time.Hour {
		t.Errorf("SetTimeout(-1ns): Timeout %v, error %v", c.Timeout, err)
	}

	if r := c.Request("u", 3); r.Allowed != nil || r.URL != "u" || r.Offset != 3 || r.Timeout != time.Hour {
		t.Errorf("Request without SetAllowed = %+v, want allowed_updates nil (left out)", r)
	}
	if err := c.SetAllowed("pkg", nil); err != nil || c.Allowed == nil || len(c.Allowed) != 0 {
		t.Errorf("SetAllowed(none): Allowed %#v, error %v; want empty, not nil", c.Allowed, err)
	}
	if err := c.SetAllowed("pkg", []telegram.UpdateType{telegram.UpdateChatMember, telegram.UpdateMessage}); err != nil || !slices.Equal(c.Request("u", 0).Allowed, []string{"chat_member", "message"}) {
		t.Errorf("SetAllowed(two): Allowed %q, error %v", c.Allowed, err)
	}
	if err := c.SetAllowed("pkg", []telegram.UpdateType{telegram.UpdateOther}); err == nil || err.Error() != `pkg: WithAllowedUpdates: unknown update type "other": want one of the telegram.Update* constants, such as "message"` || len(c.Allowed) != 2 {
		t.Errorf("SetAllowed(other): Allowed %q, error %v", c.Allowed, err)
	}
}
