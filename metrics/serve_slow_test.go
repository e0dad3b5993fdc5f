package metrics_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"testing"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

// ioGuard bounds every read and write of the raw connections below: a
// server that does not answer, or does not close, fails the test then.
const ioGuard = 5 * time.Second

// TestServeShutdownCutsSlowClients: a connection that is still sending its
// request ShutdownTimeout after the context ends is closed, and the stop
// is clean.
func TestServeShutdownCutsSlowClients(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- metrics.ServeListener(ctx, ln) }()
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\n", metrics.MetricsPath); err != nil {
		t.Fatal(err)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ServeListener: %v, want nil: a slow client makes no failed stop", err)
		}
	case <-time.After(metrics.ShutdownTimeout + ioGuard):
		t.Fatal("ServeListener did not return")
	}
	if err := conn.SetReadDeadline(time.Now().Add(ioGuard)); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("read after the stop: %v, want the connection closed", err)
	}
}
