package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/exporter-toolkit/web"
)

// Paths served by [Serve].
const (
	MetricsPath  = "/prometheus"
	LivenessPath = "/health"
)

// ShutdownTimeout bounds how long [Serve] waits for scrapes in flight once
// its context ends.
const ShutdownTimeout = 5 * time.Second

// ServeOption configures [Serve] and [ServeListener]: [WithWebConfigFile].
// The instance served is the default one, made by [Init] with its [Option]s.
type ServeOption func(*serveConfig)

type serveConfig struct {
	webConfigFile string
}

// WithWebConfigFile secures the server with the Prometheus web configuration
// file at path, the file exporters take as --web.config.file: TLS, client
// certificates, basic auth with bcrypt-hashed passwords, rate limiting and
// response headers (https://prometheus.io/docs/prometheus/latest/configuration/https/),
// applied by github.com/prometheus/exporter-toolkit/web. The file is checked
// before the server starts and read again on every request and TLS
// handshake, so credentials and certificates can be rotated without a
// restart. Its settings cover every path, /health included. An empty path
// leaves the server plain HTTP without authentication, so that a
// -web.config.file flag can default to "". The server then logs through
// [slog.Default].
func WithWebConfigFile(path string) ServeOption {
	return func(c *serveConfig) { c.webConfigFile = path }
}

// Serve runs the embedded metrics server on addr (host:port): GET /prometheus
// serves [Handler] and GET /health answers "ok". It returns when ctx ends,
// after a graceful shutdown, or earlier with the error that stopped it.
// A cancelled context is a clean stop and returns nil.
func Serve(ctx context.Context, addr string, opts ...ServeOption) error {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return ServeListener(ctx, ln, opts...)
}

// ServeListener is [Serve] on a listener the caller opened, such as one on
// 127.0.0.1:0 whose port is chosen by the system. It closes ln.
func ServeListener(ctx context.Context, ln net.Listener, opts ...ServeOption) error {
	var c serveConfig
	for _, o := range opts {
		o(&c)
	}
	srv := &http.Server{Handler: serveMux(), ReadHeaderTimeout: 10 * time.Second}
	serve := func() error { return srv.Serve(ln) }
	if path := c.webConfigFile; path != "" {
		if err := web.Validate(path); err != nil {
			_ = ln.Close()
			return fmt.Errorf("metrics: web config file %s: %w", path, err)
		}
		flags := &web.FlagConfig{WebConfigFile: &path}
		serve = func() error { return web.Serve(ln, srv, flags, slog.Default()) }
	}
	errc := make(chan error, 1)
	go func() { errc <- serve() }()
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
