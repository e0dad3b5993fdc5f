package telebotmetrics

import (
	"errors"

	tele "gopkg.in/telebot.v4"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/internal/option"
	"github.com/genapp-go/genapp/telegram/internal/telebotcore"
)

// Endpoints is what routes are registered on: *tele.Bot and *tele.Group.
type Endpoints interface {
	Handle(endpoint any, h tele.HandlerFunc, m ...tele.MiddlewareFunc)
}

// Tracker registers telebot handlers as tracked actions, and counts the
// updates the bot processes (see [Tracker.Poller]).
type Tracker struct {
	core    telebotcore.Tracker[tele.Context, tele.HandlerFunc, tele.MiddlewareFunc]
	updates telebotcore.Updates[*tele.Bot, tele.Update]
}

// Option configures a Tracker.
type Option func(*Tracker) error

// WithMetrics records in m instead of [metrics.Default]; a nil m records
// nothing.
func WithMetrics(m *metrics.Metrics) Option {
	return func(t *Tracker) error {
		t.core.Metrics = func() *metrics.Metrics { return m }
		return nil
	}
}

// New returns a Tracker that registers routes on e, a *tele.Bot or a
// *tele.Group, and records in [metrics.Default], looked up at each run,
// unless [WithMetrics] says otherwise.
func New(e Endpoints, opts ...Option) (*Tracker, error) {
	switch e := e.(type) {
	case nil:
		return nil, errors.New("telebotmetrics/v4: New(nil): want the *tele.Bot or *tele.Group to register routes on")
	case *tele.Bot:
		if e == nil {
			return nil, errors.New("telebotmetrics/v4: New with a nil *tele.Bot: want the bot to register routes on")
		}
	case *tele.Group:
		if e == nil {
			return nil, errors.New("telebotmetrics/v4: New with a nil *tele.Group: want the group to register routes on")
		}
	}
	t := &Tracker{
		core: telebotcore.NewTracker(e.Handle, telebotcore.Version[tele.Context]{
			Pkg:     "telebotmetrics/v4",
			IsFlood: telebotcore.Is[tele.FloodError],
		}),
		updates: telebotcore.Updates[*tele.Bot, tele.Update]{Describe: describe, Process: (*tele.Bot).ProcessUpdate},
	}
	if err := option.Apply(pkg+": New", t, opts); err != nil {
		return nil, err
	}
	return t, nil
}

// Handle registers h for endpoint as the bot's or group's Handle does,
// with h and m tracked as the action [telegram.ActionName] names after the
// endpoint: a command ("/start"), a tele.On* event, an exact text or a
// tele.CallbackEndpoint (*tele.Btn, *tele.InlineButton, *tele.ReplyButton).
// Telebot panics on any other endpoint, as it does without
// telebotmetrics/v4.
func (t *Tracker) Handle(endpoint any, h tele.HandlerFunc, m ...tele.MiddlewareFunc) {
	t.core.Handle(endpoint, h, m)
}

// HandleAs is [Tracker.Handle] with the action named name. It returns an
// error and registers nothing when name is not valid (see
// [telegram.CheckName]) or telebot would reject endpoint.
func (t *Tracker) HandleAs(name string, endpoint any, h tele.HandlerFunc, m ...tele.MiddlewareFunc) error {
	return t.core.HandleAs(name, endpoint, h, m)
}
