// Package a has tests that pass, skip, fail when FAIL=1 and outlast any
// timeout when HANG=1.
package a

import (
	"os"
	"testing"
	"time"
)

func TestPass(t *testing.T)  { t.Log("noise of a passing test") }
func TestSkipA(t *testing.T) { t.Skip("tool missing: apt-get install tool") }

func TestFail(t *testing.T) {
	if os.Getenv("FAIL") == "1" {
		t.Fatal("boom")
	}
}

func TestHang(t *testing.T) {
	if os.Getenv("HANG") == "1" {
		t.Log("hanging")
		time.Sleep(time.Hour)
	}
}
