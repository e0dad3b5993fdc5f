package telebotcore

import (
	"encoding/json"
	"errors"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/record"
)

// Updates counts the updates a telebot bot processes, where they are
// delivered rather than in a route: telebot has no middleware that sees
// every update (Use middleware is copied into each route's chain), runs
// none for an update no route takes, and runs some routes several times
// for one update (v4's OnUserJoined once per new member; OnForward and
// OnReply besides the route that takes the message). B is one telebot
// version's *Bot, U its Update.
type Updates[B, U any] struct {
	// Describe returns what the update families record of an update (see
	// [record.Info]; a chat's type as [ChatType] gives it).
	Describe func(U) record.Info
	// OlderAPI is set for a telebot that does not decode the newer update
	// types (v3): an update Describe calls other is described from its
	// JSON (see [record.DescribeJSON]).
	OlderAPI bool
	// Process is the bot's ProcessUpdate.
	Process func(B, U)
}

// Handle counts *u in m (its type, its lag, the person who sent it, the
// bot's new status for a my_chat_member) and has b process it, in flight
// until Process returns: with a Synchronous bot, once the handlers it ran
// have returned. raw is its JSON, nil when unknown.
func (d *Updates[B, U]) Handle(m *metrics.Metrics, b B, u *U, raw json.RawMessage) {
	// u is passed on by value: a pointer given to a func field escapes.
	info := d.Describe(*u)
	if info.Type == telegram.UpdateOther && raw != nil && d.OlderAPI {
		info = record.DescribeJSON(raw)
	}
	defer record.Update(m, info).End()
	d.Process(b, *u)
}

// ChatType is the Bot API's type of a chat of type t in telebot, which
// calls a channel without a username "privatechannel".
func ChatType[T ~string](t T) string {
	if t == "privatechannel" {
		return "channel"
	}
	return string(t)
}

// Inner is a telebot Poller of bot B and update U (tele.Poller).
type Inner[B, U any] interface {
	Poll(b B, dest chan U, stop chan struct{})
}

// Dispatch is the telebot Poller that a Tracker's Poller method returns:
// it runs Inner, and has the bot process each update Inner delivers on a
// goroutine of its own, through Handle, as telebot's Start does with
// handlers. It hands nothing to the dest Start gives it.
type Dispatch[B, U any] struct {
	Inner Inner[B, U]
	// Direct, set when Inner is the module's Poller, polls with a Hand:
	// the updates come with their JSON, without a channel in between.
	Direct func(b B, hand Hand[U], stop chan struct{})
	// Handle counts and processes an update (see [Updates.Handle]).
	Handle func(b B, u *U, raw json.RawMessage)
	// OnError reports to the bot's OnError; Pkg starts the errors.
	OnError func(B, error)
	Pkg     string
	// StopBySend stops Inner by a send on its stop channel instead of
	// closing it: telebot v3's Webhook closes the channel itself once it
	// has received from it, and panics when it is closed already.
	StopBySend bool
}

// Poll implements tele.Poller.
func (d *Dispatch[B, U]) Poll(b B, _ chan U, stop chan struct{}) {
	if d.Direct != nil {
		// u points into the answer it came in: the goroutine's closure is
		// its one allocation, where a copy of the Update would be another.
		d.Direct(b, func(done <-chan struct{}, u *U, raw json.RawMessage) bool {
			select {
			case <-done:
				return false
			default:
			}
			go d.Handle(b, u, raw)
			return true
		}, stop)
		return
	}
	if d.Inner == nil {
		d.OnError(b, errors.New(d.Pkg+": Tracker.Poller(nil): no Poller to take the updates of; want the bot's, such as NewPoller's or a *tele.Webhook"))
		return
	}
	in, innerStop, done := make(chan U), make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		d.Inner.Poll(b, in, innerStop)
	}()
	// The updates received are kept in slabs: one allocation for
	// slabSize of them, where a copy each for its goroutine would be one
	// each. A slab lives until the last of its updates is handled.
	var slab []U
	for {
		select {
		case u := <-in:
			if len(slab) == cap(slab) {
				slab = make([]U, 0, slabSize)
			}
			slab = append(slab, u)
			go d.Handle(b, &slab[len(slab)-1], nil)
		case <-done: // stopped by itself (a *tele.Webhook whose setWebhook failed)
			return
		case <-stop:
			if d.StopBySend {
				select {
				case innerStop <- struct{}{}:
				case <-done:
				}
			} else {
				closeOnce(innerStop)
			}
			// What is delivered after stop is dropped, as telebot's Start
			// leaves it in Bot.Updates.
			for {
				select {
				case <-in:
				case <-done:
					return
				}
			}
		}
	}
}

const slabSize = 32

// closeOnce closes stop unless the Poller it was given to has closed it
// (telebot's Webhook does when setWebhook fails).
func closeOnce(stop chan struct{}) {
	defer func() { _ = recover() }()
	select {
	case <-stop:
	default:
		close(stop)
	}
}
