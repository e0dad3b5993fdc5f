package servetest

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

// Start runs metrics.ServeListener on a free loopback port with opts and
// returns its host:port; the server is stopped, and must stop cleanly, at
// test end.
func Start(t *testing.T, opts ...metrics.ServeOption) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- metrics.ServeListener(ctx, ln, opts...) }()
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("ServeListener: %v", err)
			}
		case <-time.After(metrics.ShutdownTimeout + time.Second):
			t.Error("ServeListener did not return after its context ended")
		}
	})
	return ln.Addr().String()
}
