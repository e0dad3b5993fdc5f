package httpserve_test

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/httpserve"
)

// start runs h behind Run on a loopback listener and returns its address,
// the cancel that stops it and the channel of Run's result.
func start(t *testing.T, h http.Handler, timeout time.Duration) (string, context.CancelFunc, <-chan error) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: time.Minute}
	done := make(chan error, 1)
	go func() { done <- httpserve.Run(ctx, srv, func() error { return srv.Serve(ln) }, timeout) }()
	t.Cleanup(cancel)
	return ln.Addr().String(), cancel, done
}

func result(t *testing.T, done <-chan error, within time.Duration) (time.Duration, error) {
	t.Helper()
	t0 := time.Now()
	select {
	case err := <-done:
		return time.Since(t0), err
	case <-time.After(within):
		t.Fatalf("Run still running %v after the stop", within)
		return 0, nil
	}
}

// TestIdleConnectionDoesNotHoldStop: a connection accepted whose request
// never comes, which http.Server.Shutdown alone waits 5 s for, and one
// still sending its headers, are closed at once.
func TestIdleConnectionDoesNotHoldStop(t *testing.T) {
	addr, cancel, done := start(t, http.NotFoundHandler(), 10*time.Second)
	silent, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer silent.Close()
	partial, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer partial.Close()
	if _, err := io.WriteString(partial, "GET / HTTP/1.1\r\nHost: x\r\n"); err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond) // both accepted
	cancel()
	took, err := result(t, done, 5*time.Second)
	if err != nil || took > 2*time.Second {
		t.Errorf("Run = %v after %v, want nil at once", err, took)
	}
}

// TestRequestInFlightFinishes: a request being answered when the stop
// comes gets its whole answer, and the stop is a clean one.
func TestRequestInFlightFinishes(t *testing.T) {
	started := make(chan struct{})
	addr, cancel, done := start(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		close(started)
		time.Sleep(300 * time.Millisecond)
		io.WriteString(w, "answered")
	}), 10*time.Second)
	got := make(chan string, 1)
	go func() {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			got <- err.Error()
			return
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		got <- string(b)
	}()
	<-started
	cancel()
	if _, err := result(t, done, 5*time.Second); err != nil {
		t.Errorf("Run = %v, want nil", err)
	}
	if body := <-got; body != "answered" {
		t.Errorf("the client got %q, want the answer", body)
	}
}

// TestTimeout: a request still being answered at the end of the timeout
// has its connection closed, and Run says so.
func TestTimeout(t *testing.T) {
	started := make(chan struct{})
	release := make(chan struct{})
	defer close(release)
	addr, cancel, done := start(t, http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		close(started)
		<-release
	}), 200*time.Millisecond)
	go func() {
		if resp, err := http.Get("http://" + addr + "/"); err == nil {
			resp.Body.Close()
		}
	}()
	<-started
	cancel()
	took, err := result(t, done, 5*time.Second)
	if !errors.Is(err, httpserve.ErrTimeout) || took < 200*time.Millisecond {
		t.Errorf("Run = %v after %v, want ErrTimeout after the 200ms timeout", err, took)
	}
}

// TestServeError: a serve that fails returns its error at once.
func TestServeError(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln.Close()
	srv := &http.Server{Handler: http.NotFoundHandler()}
	err = httpserve.Run(context.Background(), srv, func() error { return srv.Serve(ln) }, time.Second)
	if err == nil || errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Run on a closed listener = %v, want its error", err)
	}
}
