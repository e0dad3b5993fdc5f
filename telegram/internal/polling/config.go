package polling

import (
	"fmt"
	"time"

	"github.com/genapp-go/genapp/telegram"
)

// DefaultTimeout is the long-poll timeout of a Poller without
// WithPollTimeout, in every adapter but telegometrics (telego's own, 8 s).
const DefaultTimeout = 10 * time.Second

// Config is what the WithPollTimeout and WithAllowedUpdates options of
// every adapter's Poller set: the timeout and the allowed_updates of its
// getUpdates.
type Config struct {
	Timeout time.Duration // whole seconds, at least 1 s
	// Allowed is nil without WithAllowedUpdates: allowed_updates is left
	// out, and the Bot API keeps the list it was given before. An empty,
	// non-nil Allowed is sent as [], the Bot API's default types.
	Allowed []string
}

// SetTimeout sets the timeout to d rounded down to whole seconds, at
// least 1 s: a Poller does not short-poll. A negative d is an error that
// pkg starts.
func (c *Config) SetTimeout(pkg string, d time.Duration) error {
	if d < 0 {
		return fmt.Errorf("%s: WithPollTimeout(%v): want 0 or more (rounded down to whole seconds, at least 1 s)", pkg, d)
	}
	c.Timeout = max(d.Truncate(time.Second), time.Second)
	return nil
}

// SetAllowed sets allowed_updates to types, none being [] (not nil: see
// [Config.Allowed]). A type not in [telegram.UpdateTypes] is an error that
// pkg starts.
func (c *Config) SetAllowed(pkg string, types []telegram.UpdateType) error {
	if err := telegram.CheckUpdateTypes(types...); err != nil {
		return fmt.Errorf("%s: WithAllowedUpdates: %w", pkg, err)
	}
	c.Allowed = make([]string, len(types))
	for i, t := range types {
		c.Allowed[i] = string(t)
	}
	return nil
}

// Request is the getUpdates of c to url (with the token) from offset.
func (c *Config) Request(url string, offset int) Request {
	return Request{URL: url, Offset: offset, Timeout: c.Timeout, Allowed: c.Allowed}
}
