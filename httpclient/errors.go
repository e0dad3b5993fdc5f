package httpclient

import (
	"strings"

	"github.com/genapp-go/genapp/internal/bottoken"
)

// redact returns err, or when its text holds token, or the secret m looks
// for on its own, an error whose text has TokenPlaceholder in place of the
// token and the rest masked by m, and which unwraps to err, so that
// errors.Is and errors.As work as on err. Errors without the token are
// returned as they are, so that comparisons such as err == context.Canceled
// keep working.
func redact(err error, token string, m bottoken.Masker) error {
	if err == nil || token == "" {
		return err
	}
	if text := err.Error(); !strings.Contains(text, token) && m.MaskString(text) == text {
		return err
	}
	return &redactedError{err: err, token: token, masker: m}
}

type redactedError struct {
	err    error
	token  string
	masker bottoken.Masker
}

func (e *redactedError) Error() string {
	return e.masker.MaskString(strings.ReplaceAll(e.err.Error(), e.token, TokenPlaceholder))
}

func (e *redactedError) Unwrap() error { return e.err }
