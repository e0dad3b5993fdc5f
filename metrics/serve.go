package metrics

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/genapp-go/genapp/internal/httpserve"
)

// Paths served by [Serve]; ReadinessPath only [WithReadiness].
const (
	MetricsPath   = "/prometheus"
	LivenessPath  = "/health"
	ReadinessPath = "/ready"
)

// ShutdownTimeout bounds how long [Serve] waits for scrapes in flight once
// its context ends; it then closes their connections.
const ShutdownTimeout = 5 * time.Second

// Timeouts of the server. A scrape is a GET without a body, sent at once;
// Prometheus waits for the answer at most its scrape_timeout (10 s by
// default) and reuses the connection for the next scrape, one scrape
// interval later (1 min by default).
const (
	readTimeout  = 10 * time.Second // the whole request, headers included
	writeTimeout = time.Minute      // from the end of the request to the end of the answer
	idleTimeout  = 2 * time.Minute  // between two requests on a connection
)

// ServeOption configures [Serve] and [ServeListener]: [WithSecurity],
// [WithReadiness], [WithStatusPage]. The instance served is the default
// one, made by [Init] with its [Option]s.
type ServeOption func(*serveConfig)

type serveConfig struct {
	security   Security     // nil: plain HTTP without authentication
	ready      func() error // nil: ReadinessPath is not served
	statusPage bool         // GET / serves StatusPage
}

// Security secures the server of [Serve] and [ServeListener]: TLS,
// authentication and whatever else applies to every request, /health and
// /ready included. Package metrics/webconfig implements it with a Prometheus web
// configuration file; it is an interface so that programs that do not
// secure their server do not link that package's dependencies.
type Security interface {
	// Secure is called once, as the server starts. It returns the handler
	// to serve, which wraps next, and the TLS configuration of the server:
	// nil serves plain HTTP. An error stops the server before it serves.
	Secure(next http.Handler) (http.Handler, *tls.Config, error)
}

// WithSecurity secures the server with s. A nil s leaves the server plain
// HTTP without authentication.
func WithSecurity(s Security) ServeOption {
	return func(sc *serveConfig) { sc.security = s }
}

// Serve runs the embedded metrics server on addr (host:port): GET /prometheus
// serves [Handler], GET /health answers "ok", with [WithReadiness] GET
// /ready answers whether the program can take work, and with
// [WithStatusPage] GET / serves [StatusPage]. It returns when ctx ends,
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
//
// A client cannot hold the server: a request must arrive within 10 s, its
// answer be read within 1 min, and a connection idle for 2 min is closed. A
// request with a body, which no path reads, is answered and its connection
// closed at once. Once ctx ends, the requests being answered have at most
// ShutdownTimeout to finish; then every connection is closed, those of
// clients still sending a request at once, and the stop is still a clean
// one.
func ServeListener(ctx context.Context, ln net.Listener, opts ...ServeOption) error {
	var c serveConfig
	for _, o := range opts {
		o(&c)
	}
	srv := &http.Server{
		Handler:           serveMux(&c),
		ReadHeaderTimeout: readTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
	}
	serve := func() error { return srv.Serve(ln) }
	if c.security != nil {
		h, tlsConfig, err := c.security.Secure(srv.Handler)
		if err != nil {
			_ = ln.Close()
			return fmt.Errorf("metrics: %w", err)
		}
		srv.Handler = h
		if tlsConfig != nil {
			srv.TLSConfig = tlsConfig
			serve = func() error { return srv.ServeTLS(ln, "", "") }
		}
	}
	srv.Handler = refuseBodies(srv.Handler)
	if err := httpserve.Run(ctx, srv, serve, ShutdownTimeout); err != nil && !errors.Is(err, httpserve.ErrTimeout) {
		return err
	}
	return nil
}

// refuseBodies closes the connection of a request with a body as soon as
// it is answered. net/http would otherwise read what is left of the body,
// at the pace of the client, before the connection can serve again or close.
func refuseBodies(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength != 0 {
			w.Header().Set("Connection", "close")
			_ = http.NewResponseController(w).SetReadDeadline(time.Now())
		}
		next.ServeHTTP(w, r)
	})
}

// serveMux returns the routes of the embedded server configured by c.
func serveMux(c *serveConfig) *http.ServeMux {
	mux := http.NewServeMux()
	if c.statusPage {
		mux.Handle("GET /", StatusPage())
	}
	mux.Handle("GET "+MetricsPath, Handler())
	mux.HandleFunc("GET "+LivenessPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	if c.ready != nil {
		mux.Handle("GET "+ReadinessPath, readinessHandler(c.ready))
	}
	return mux
}
