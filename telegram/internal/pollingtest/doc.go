// Package pollingtest is what the tests of every adapter's getUpdates
// poller share: the hostile answers they replay, so that each adapter is
// attacked with the same ones, and what they count.
package pollingtest
