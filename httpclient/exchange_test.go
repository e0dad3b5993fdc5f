package httpclient

import (
	"testing"
	"unsafe"
)

// TestExchangeSizeClass: the exchange, the one allocation the
// instrumentation adds to a plain exchange, stays in the allocator's
// 176-byte size class (see exchange).
func TestExchangeSizeClass(t *testing.T) {
	if size := unsafe.Sizeof(exchange{}); size > 176 {
		t.Errorf("an exchange is %d bytes, more than the 176 of its size class", size)
	}
}
