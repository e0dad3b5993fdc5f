package telebotcore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// Poller is the getUpdates long polling of the front ends' Pollers, for
// updates of type U (one telebot version's Update). [NewPoller] makes one.
type Poller[U any] struct {
	polling.Config // what the front end's PollerOptions set

	client       *http.Client
	lastUpdateID int
	state        polling.State
}

// NewPoller returns the front end's Poller, which front makes around a
// Poller that sends getUpdates with client, with the options opts set;
// pkg starts its errors.
func NewPoller[U, P any, O ~func(*P) error](pkg string, client *http.Client, front func(*Poller[U]) *P, opts []O) (*P, error) {
	if client == nil {
		return nil, fmt.Errorf("%s: NewPoller with a nil *http.Client: want the bot's (tele.Settings.Client), such as httpclient.NewTelegram's", pkg)
	}
	p := front(&Poller[U]{Config: polling.Config{Timeout: polling.DefaultTimeout}, client: client})
	if err := polling.Apply(pkg, p, opts); err != nil {
		return nil, err
	}
	return p, nil
}

// Bot is what a Poller needs of the telebot bot it polls for: where the
// Bot API is, its OnError and how to parse an update.
type Bot[U any] struct {
	URL, Token string
	OnError    func(error)
	Parse      func([]byte) (U, error)
}

// BotOf is the Bot of a telebot bot at url with token, whose OnError,
// onError, takes a context C (tele.Context), given none.
func BotOf[U, C any](url, token string, onError func(error, C), parse func([]byte) (U, error)) Bot[U] {
	return Bot[U]{URL: url, Token: token, Parse: parse, OnError: func(err error) {
		var none C
		onError(err, none)
	}}
}

// Hand takes an update a Poller fetched, and its JSON, unless done is
// closed first: then it returns false and the update stays unconfirmed.
// u points into the answer the update came in, which no one else uses.
type Hand[U any] func(done <-chan struct{}, u *U, raw json.RawMessage) bool

// Send returns the Hand that sends updates to dest.
func Send[U any](dest chan U) Hand[U] {
	return func(done <-chan struct{}, u *U, _ json.RawMessage) bool {
		select {
		case dest <- *u:
			return true
		case <-done:
			return false
		}
	}
}

// Err returns the error Poll stopped on by itself: nil while it runs, and
// when stop ended it.
func (p *Poller[U]) Err() error { return p.state.Err() }

// Ready returns nil while Poll polls, else why not (see
// [polling.State.Ready]).
func (p *Poller[U]) Ready() error { return p.state.Ready() }

// Poll hands the updates of b to hand until stop is closed or the Bot API
// answers 401 or 409.
func (p *Poller[U]) Poll(b Bot[U], hand Hand[U], stop chan struct{}) {
	p.state.Start(stop)
	defer p.state.End()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for ctx.Err() == nil {
		updates, f := p.getUpdates(ctx, b)
		if ctx.Err() != nil {
			return
		}
		if f != nil {
			b.OnError(f)
			wait := p.state.Failed(f)
			if f.Stopped {
				return
			}
			polling.Sleep(ctx.Done(), wait)
			continue
		}
		p.state.Succeeded()
		for i := range updates {
			u := &updates[i]
			if u.parsed && !hand(ctx.Done(), &u.U, u.raw) {
				return
			}
			// Confirmed only once handed on: an update still held when
			// stop comes is fetched again by the next Poll.
			p.lastUpdateID = max(p.lastUpdateID, u.id)
		}
	}
}

// fetched is an update of a getUpdates answer, parsed unless telebot
// cannot parse it.
type fetched[U any] struct {
	U      U
	raw    json.RawMessage
	id     int
	parsed bool
}

// getUpdates sends one getUpdates and returns its updates, the ones that
// cannot be parsed reported to b.OnError, to be confirmed but not handed on.
func (p *Poller[U]) getUpdates(ctx context.Context, b Bot[U]) ([]fetched[U], *telegram.PollError) {
	m := bottoken.NewMasker(b.Token) // b.Token may be the real one
	offset := p.lastUpdateID + 1
	batch, f := polling.GetUpdates(ctx, p.client, p.Request(b.URL+"/bot"+b.Token+"/getUpdates", offset), m)
	if f != nil {
		return nil, f
	}
	if f := batch.StaleReport(m, offset); f != nil {
		b.OnError(f)
	}
	updates := make([]fetched[U], 0, len(batch.Raws))
	for i, raw := range batch.Raws {
		u, err := b.Parse(raw)
		if err != nil {
			b.OnError(batch.SkipReport(m, i, err))
		}
		updates = append(updates, fetched[U]{u, raw, batch.IDs[i], err == nil})
	}
	return updates, nil
}
