package webhook

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/genapp-go/genapp/telegram/internal/option"
)

// SecretHeader is the header that carries, in every update request Telegram
// sends to a webhook, the secret token the bot gave setWebhook.
const SecretHeader = "X-Telegram-Bot-Api-Secret-Token"

// Resource is the route a [Handler] names (in Request.Pattern) for
// metrics.Middleware, which records it as the resource "telegram/webhook":
// the path a webhook is served on often holds the bot token, and must not
// reach the exposition.
const Resource = "/telegram/webhook"

// DefaultMaxUpdateSize bounds the body of an update request unless
// [WithMaxUpdateSize] says otherwise. An update is a few kilobytes: a
// message holds at most 4096 characters of text.
const DefaultMaxUpdateSize = 1 << 20

// Handler serves the update requests Telegram POSTs to a webhook and hands
// the body of each, one JSON-encoded Update, to the deliver function given
// to [New]. It answers
//
//   - 405 Method Not Allowed to any method but POST;
//   - 401 Unauthorized to a request without the secret token (compared in
//     constant time): anyone who finds the URL could post forged updates
//     otherwise;
//   - 413 Request Entity Too Large to a body over the size limit;
//   - 400 Bad Request when deliver returns an error: the body was no update
//     the bot could take;
//   - 200 OK once deliver has returned nil. Telegram sends an update again
//     until it gets a 2xx, so deliver should return nil once the update is
//     the bot's, even when its handler failed.
//
// The answers say what was wrong in a few words and never quote the
// request. Handler checks no path: mount it on the webhook's path (a
// ServeMux route), and serve it behind metrics.Middleware, which records
// its requests as the resource "telegram/webhook" (see [Resource]). It
// names that route on the request it is given: make it the route's handler
// itself, since a wrapper in between that hands on a copy of the request
// (http.TimeoutHandler, http.StripPrefix) hides the name, and the requests
// are then recorded under the route's pattern, a bot token in it masked.
type Handler struct {
	secret  []byte
	deliver func(ctx context.Context, update []byte) error
	maxSize int64
}

// Option configures a Handler.
type Option func(*Handler) error

// WithMaxUpdateSize bounds the body of an update request to n bytes
// instead of [DefaultMaxUpdateSize]; n must be positive.
func WithMaxUpdateSize(n int64) Option {
	return func(h *Handler) error {
		if n < 1 {
			return fmt.Errorf("webhook: WithMaxUpdateSize(%d): want a positive number of bytes", n)
		}
		h.maxSize = n
		return nil
	}
}

// New returns a Handler that accepts the requests carrying secret in
// [SecretHeader], the secret_token the bot gives setWebhook (see
// [CheckSecret] and [NewSecret]), and hands each update to deliver with
// the request's context. It returns an error when the secret is not one
// Telegram accepts, deliver is nil or an option is nil or invalid: a webhook
// without a secret takes forged updates.
func New(secret string, deliver func(ctx context.Context, update []byte) error, opts ...Option) (*Handler, error) {
	if err := CheckSecret(secret); err != nil {
		return nil, err
	}
	if deliver == nil {
		return nil, errors.New("webhook: New with a nil deliver function: want one that hands the update to the bot")
	}
	h := &Handler{secret: []byte(secret), deliver: deliver, maxSize: DefaultMaxUpdateSize}
	if err := option.Apply("webhook: New", h, opts); err != nil {
		return nil, err
	}
	return h, nil
}

// CheckSecret reports whether secret is a secret_token setWebhook accepts:
// 1 to 256 characters of [A-Za-z0-9_-]. The error does not quote it.
func CheckSecret(secret string) error {
	if secret == "" || len(secret) > 256 {
		return fmt.Errorf("webhook: secret token of %d characters: want 1 to 256 characters of [A-Za-z0-9_-]", len(secret))
	}
	for i := 0; i < len(secret); i++ {
		c := secret[i]
		if !('a' <= c && c <= 'z') && !('A' <= c && c <= 'Z') && !('0' <= c && c <= '9') && c != '_' && c != '-' {
			return fmt.Errorf("webhook: secret token: character %d is not allowed: want only [A-Za-z0-9_-]", i)
		}
	}
	return nil
}

// NewSecret returns a random secret token for setWebhook: 26 characters,
// 128 bits of entropy.
func NewSecret() string { return rand.Text() }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	r.Pattern = Resource
	switch {
	case r.Method != http.MethodPost:
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "updates are POSTed", http.StatusMethodNotAllowed)
		return
	case subtle.ConstantTimeCompare([]byte(r.Header.Get(SecretHeader)), h.secret) != 1:
		http.Error(w, "wrong "+SecretHeader, http.StatusUnauthorized)
		return
	}
	update, err := io.ReadAll(http.MaxBytesReader(w, r.Body, h.maxSize))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		http.Error(w, fmt.Sprintf("update larger than %d bytes", h.maxSize), http.StatusRequestEntityTooLarge)
		return
	case err != nil: // the client went away
		http.Error(w, "update not read", http.StatusBadRequest)
		return
	}
	if err := h.deliver(r.Context(), update); err != nil {
		http.Error(w, "not a Telegram update", http.StatusBadRequest)
	}
}
