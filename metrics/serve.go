package metrics

import (
	"context"
	"errors"
	"net"
	"net/http"
	"time"
)

// Paths served by [Serve].
const (
	MetricsPath  = "/prometheus"
	LivenessPath = "/health"
)

// ShutdownTimeout bounds how long [Serve] waits for scrapes in flight once
// its context ends.
const ShutdownTimeout = 5 * time.Second

// Serve runs the embedded metrics server on addr (host:port): GET /prometheus
// serves [Handler] and GET /health answers "ok". It returns when ctx ends,
// after a graceful shutdown, or earlier with the error that stopped it.
// A cancelled context is a clean stop and returns nil.
func Serve(ctx context.Context, addr string) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return ServeListener(ctx, ln)
}

// ServeListener is [Serve] on a listener the caller opened, such as one on
// 127.0.0.1:0 whose port is chosen by the system. It closes ln.
func ServeListener(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: serveMux(), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), ShutdownTimeout)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if serveErr := <-errc; !errors.Is(serveErr, http.ErrServerClosed) && err == nil {
		err = serveErr
	}
	return err
}

// serveMux returns the routes of the embedded server.
func serveMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.Handle("GET "+MetricsPath, Handler())
	mux.HandleFunc("GET "+LivenessPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}
