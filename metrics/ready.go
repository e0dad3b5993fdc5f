package metrics

import (
	"net/http"
	"strings"

	"github.com/genapp-go/genapp/internal/bottoken"
)

// maxReason caps the reason a not-ready answer gives, in bytes.
const maxReason = 200

// WithReadiness serves GET /ready ([ReadinessPath]) on the server of
// [Serve]: 200 "ready" when check returns nil, 503 "not ready: <reason>"
// when it returns an error. Point a Kubernetes readinessProbe at it, and
// keep the livenessProbe on /health, which only says that the process
// answers: a bot that cannot reach Telegram is not made better by a
// restart.
//
// A bot's check is its Poller's Ready (every telegram/*metrics Poller has
// one) when it polls, or, with a webhook, whether its webhook server
// serves and is not shutting down. check is called on every request to
// /ready, concurrently: it must be quick and safe for concurrent use.
//
// The reason is the first line of the error's text, at most 200 bytes,
// with anything shaped like a bot token replaced: the answer goes to
// whoever may reach the server (see [WithSecurity]), so the error must not
// hold other secrets. A nil check leaves /ready unserved: without
// WithReadiness, the server knows nothing of the program's readiness, and
// /ready answers 404 rather than a blind 200.
func WithReadiness(check func() error) ServeOption {
	return func(sc *serveConfig) { sc.ready = check }
}

// readinessHandler answers GET /ready with what check says.
func readinessHandler(check func() error) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		err := check()
		if err == nil {
			_, _ = w.Write([]byte("ready\n"))
			return
		}
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("not ready: " + reason(err) + "\n"))
	})
}

// reason is what a not-ready answer says of err: the first line of its
// text, without bot tokens, at most maxReason bytes.
func reason(err error) string {
	s, _, _ := strings.Cut(bottoken.Redact(err.Error()), "\n")
	s = strings.TrimSpace(s)
	if len(s) > maxReason {
		s = strings.ToValidUTF8(s[:maxReason], "") + "..."
	}
	if s == "" {
		s = "no reason given"
	}
	return s
}
