package httpclient

import (
	"strings"
)

// redact returns err, or when its text holds token, an error whose text has
// TokenPlaceholder in its place and which unwraps to err, so that errors.Is
// and errors.As work as on err. Errors without the token are returned as they
// are, so that comparisons such as err == context.Canceled keep working.
func redact(err error, token string) error {
	if err == nil || token == "" || !strings.Contains(err.Error(), token) {
		return err
	}
	return &redactedError{err: err, token: token}
}

type redactedError struct {
	err   error
	token string
}

func (e *redactedError) Error() string {
	return strings.ReplaceAll(e.err.Error(), e.token, TokenPlaceholder)
}

func (e *redactedError) Unwrap() error { return e.err }
