package telebotcore

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
)

// OnText is the route of telebot's OnText, the same in v3 and v4.
const OnText = "\atext"

// Context is what the tracker needs of a telebot Context.
type Context interface {
	Text() string
}

// Version is what differs between telebot versions, for a Tracker.
type Version[C Context] struct {
	// Pkg is the front end's package name, which starts its errors.
	Pkg string
	// IsFlood tells the version's FloodError (see [Is]).
	IsFlood func(error) bool
}

// Tracker registers telebot handlers as tracked actions. C, H and M are
// one telebot version's Context, HandlerFunc and MiddlewareFunc.
type Tracker[C Context, H ~func(C) error, M ~func(H) H] struct {
	// Metrics returns the instance a run records in, looked up at each run.
	Metrics func() *metrics.Metrics

	v        Version[C]
	register func(endpoint any, h H, m ...M)
}

// NewTracker returns a Tracker that registers with register (the Handle
// of a telebot Bot or Group) and records in [metrics.Default].
func NewTracker[C Context, H ~func(C) error, M ~func(H) H](register func(endpoint any, h H, m ...M), v Version[C]) Tracker[C, H, M] {
	return Tracker[C, H, M]{Metrics: metrics.Default, v: v, register: register}
}

// Handle registers h for endpoint with h and m tracked as the action
// [telegram.ActionName] gives the endpoint; an endpoint telebot rejects
// goes to telebot untouched, which panics as it does without tracking.
func (t *Tracker[C, H, M]) Handle(endpoint any, h H, m []M) {
	route, ok := routeOf(endpoint)
	if !ok {
		t.register(endpoint, h, m...)
		return
	}
	t.handle(telegram.ActionName(route), route, endpoint, h, m)
}

// HandleAs is Handle with the action named name. It returns an error and
// registers nothing when name is not valid or telebot would reject
// endpoint.
func (t *Tracker[C, H, M]) HandleAs(name string, endpoint any, h H, m []M) error {
	if err := telegram.CheckName(name); err != nil {
		return err
	}
	route, ok := routeOf(endpoint)
	if !ok {
		return fmt.Errorf("%s: unsupported endpoint %#v: want a non-empty string (command, tele.On* event or text) or a tele.CallbackEndpoint", t.v.Pkg, endpoint)
	}
	t.handle(name, route, endpoint, h, m)
	return nil
}

func (t *Tracker[C, H, M]) handle(name, route string, endpoint any, h H, m []M) {
	track := t.track(name, route == OnText)
	if len(m) == 0 {
		// Telebot applies route middleware to the handler on every update,
		// which costs an allocation per middleware; the tracker alone is
		// applied once, here, with the same order: Use middleware, tracker,
		// handler.
		t.register(endpoint, track(h))
		return
	}
	t.register(endpoint, h, append([]M{track}, m...)...)
}

// track returns the middleware that records one run of the chain it wraps
// (the update it handles is counted where it is delivered: see [Updates]).
// On the OnText route a message that is a command is an unknown command.
func (t *Tracker[C, H, M]) track(name string, onText bool) M {
	return func(next H) H {
		return func(c C) (err error) {
			n := name
			if onText && commandRx.MatchString(c.Text()) {
				n = telegram.UnknownCommand
			}
			a := t.Metrics().Track(n)
			var named error
			defer a.End(&named)
			err = next(c)
			named = t.nameFloodWait(err)
			return err
		}
	}
}

// nameFloodWait returns err named [metrics.ErrorNameFloodWait] when it is
// telebot's error for a 429 of the Bot API, else err.
func (t *Tracker[C, H, M]) nameFloodWait(err error) error {
	if err != nil && t.v.IsFlood(err) {
		return metrics.NamedError(metrics.ErrorNameFloodWait, err)
	}
	return err
}

// Is reports whether err is, or wraps, an E: Is[tele.FloodError] tells
// telebot's error for a 429.
func Is[E error](err error) bool {
	var e E
	return errors.As(err, &e)
}

// commandRx is the command syntax of telebot v3 and v4 (their cmdRx): a
// message that matches it and still reaches OnText is a command without a
// route.
var commandRx = regexp.MustCompile(`^/\w+(@\w+)?(\s|$)`)

// routeOf returns the handler key telebot files endpoint under, as its
// extractEndpoint does, and false when telebot would reject endpoint. A
// tele.CallbackEndpoint of either version is anything with CallbackUnique.
func routeOf(endpoint any) (string, bool) {
	var route string
	switch e := endpoint.(type) {
	case string:
		route = e
	case interface{ CallbackUnique() string }:
		route = e.CallbackUnique()
	}
	return route, route != ""
}
