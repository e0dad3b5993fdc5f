package metrics

import (
	"context"
	"errors"
)

// Values of the error_name label of genapp_action_count_total for the
// well-known causes of a failed action, in the order they are looked for
// after a name an error gives itself (see [NamedError]).
const (
	// ErrorNamePanic is an action whose code panicked.
	ErrorNamePanic = "panic"
	// ErrorNameFailed is an action marked with [Action.Fail] that returned
	// no error.
	ErrorNameFailed = "failed"
	// ErrorNameDeadline is an error that is context.DeadlineExceeded.
	ErrorNameDeadline = "deadline_exceeded"
	// ErrorNameCanceled is an error that is context.Canceled.
	ErrorNameCanceled = "canceled"
	// ErrorNameTimeout is an error with a Timeout() bool method that
	// reports true: a network or I/O timeout (net.Error, os.ErrDeadlineExceeded).
	ErrorNameTimeout = "timeout"
	// ErrorNameFloodWait is a Telegram 429 "Too Many Requests": the bot
	// adapters of package telegram name it, as this package does not know
	// the bot libraries' error types.
	ErrorNameFloodWait = "flood_wait"
	// ErrorNameOther is any other error. An error's Go type and text are
	// never recorded: they say little, and a text may hold anything.
	ErrorNameOther = "error"
)

// NamedError returns err with name as its error_name, for errors the table
// of [ErrorNameOther] does not know: errors.Is, errors.As and Error see err
// unchanged. It returns nil when err is nil. Any error in the chain with an
// ErrorName() string method names itself the same way; a name longer than
// [MaxLabelLen] is recorded as [OverflowValue], an empty one is ignored.
//
// Names are label values: use a few fixed ones, such as "rate_limited", never
// a text that varies.
func NamedError(name string, err error) error {
	if err == nil {
		return nil
	}
	return &namedError{name: name, err: err}
}

type namedError struct {
	name string
	err  error
}

func (e *namedError) Error() string     { return e.err.Error() }
func (e *namedError) Unwrap() error     { return e.err }
func (e *namedError) ErrorName() string { return e.name }

// errorName returns the error_name of a failed action that returned err.
func errorName(err error) string {
	var name string
	if walk(err, func(e error) bool {
		if n, ok := e.(interface{ ErrorName() string }); ok {
			name = n.ErrorName()
		}
		return name != ""
	}) {
		return name
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ErrorNameDeadline
	case errors.Is(err, context.Canceled):
		return ErrorNameCanceled
	case walk(err, func(e error) bool {
		t, ok := e.(interface{ Timeout() bool })
		return ok && t.Timeout()
	}):
		return ErrorNameTimeout
	}
	return ErrorNameOther
}

// walk reports whether found holds for an error in err's tree, visited
// depth-first in the order of errors.As.
func walk(err error, found func(error) bool) bool {
	for err != nil {
		if found(err) {
			return true
		}
		switch u := err.(type) {
		case interface{ Unwrap() error }:
			err = u.Unwrap()
		case interface{ Unwrap() []error }:
			for _, e := range u.Unwrap() {
				if walk(e, found) {
					return true
				}
			}
			return false
		default:
			return false
		}
	}
	return false
}
