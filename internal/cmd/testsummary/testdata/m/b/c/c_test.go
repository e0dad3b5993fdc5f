// Package c has a test that skips and a subtest that skips for another
// reason.
package c

import "testing"

func TestSkipB(t *testing.T) { t.Skipf("tool missing: %s", "apt-get install tool") }

func TestSub(t *testing.T) {
	t.Run("x", func(t *testing.T) { t.Skip("another reason") })
}
