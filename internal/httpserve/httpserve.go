package httpserve

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"
)

// ErrTimeout is the error of a stop that closed connections still
// answering a request once the timeout passed.
var ErrTimeout = errors.New("httpserve: requests still being answered at the end of the shutdown timeout: their connections were closed")

// Run serves srv with serve (srv.Serve or srv.ServeTLS on the caller's
// listener) until ctx ends, then stops it: the requests being answered have
// at most timeout to finish; then every connection is closed, those of
// clients still sending a request at once. It returns nil after a stop in
// time, ErrTimeout after one that cut requests short, or the error serve
// failed with. Run wraps srv.Handler and sets srv.ConnContext and
// srv.ConnState: set the others before.
func Run(ctx context.Context, srv *http.Server, serve func() error, timeout time.Duration) error {
	busy := &busyConns{conns: map[net.Conn]struct{}{}}
	srv.Handler = busy.handler(srv.Handler)
	srv.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		return context.WithValue(ctx, connKey{}, c)
	}
	srv.ConnState = busy.connState
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
	defer cancel()
	shutdown := make(chan struct{})
	go func() { defer close(shutdown); _ = srv.Shutdown(shutdownCtx) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
wait:
	for busy.any() {
		select {
		case <-shutdown: // in time, or at the end of the timeout
			break wait
		case <-tick.C:
		}
	}
	var err error
	if busy.any() {
		err = ErrTimeout
	}
	_ = srv.Close()
	<-shutdown
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) {
		return serveErr
	}
	return err
}

// connKey is the context key of a request's connection.
type connKey struct{}

// busyConns are the connections of a server that answer a request: from
// the start of its handler until net/http has sent the answer and set the
// connection idle, or closed it.
type busyConns struct {
	mu    sync.Mutex
	conns map[net.Conn]struct{}
}

func (b *busyConns) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if c, ok := r.Context().Value(connKey{}).(net.Conn); ok {
			b.mu.Lock()
			b.conns[c] = struct{}{}
			b.mu.Unlock()
		}
		next.ServeHTTP(w, r)
	})
}

func (b *busyConns) connState(c net.Conn, s http.ConnState) {
	if s == http.StateIdle || s == http.StateClosed || s == http.StateHijacked {
		b.mu.Lock()
		delete(b.conns, c)
		b.mu.Unlock()
	}
}

func (b *busyConns) any() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.conns) > 0
}
