package telebotcore

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/option"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// Poller is the getUpdates long polling of the front ends' Pollers, for
// updates of type U (one telebot version's Update). [NewPoller] makes one.
type Poller[U any] struct {
	polling.Config // what the front end's PollerOptions set

	client *http.Client
	offset int // the next getUpdates'
	state  polling.State
}

// NewPoller returns the front end's Poller, which front makes around a
// Poller that sends getUpdates with client, with the options opts set;
// pkg starts its errors.
func NewPoller[U, P any, O ~func(*P) error](pkg string, client *http.Client, front func(*Poller[U]) *P, opts []O) (*P, error) {
	if client == nil {
		return nil, fmt.Errorf("%s: NewPoller with a nil *http.Client: want the bot's (tele.Settings.Client), such as httpclient.NewTelegram's", pkg)
	}
	p := front(&Poller[U]{Config: polling.Config{Timeout: polling.DefaultTimeout}, client: client})
	if err := option.Apply(pkg+": NewPoller", p, opts); err != nil {
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
// u points to a copy of the update that no one else uses.
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
	var slab []U // where the updates handed on live: one allocation for slabSize of them
	polling.Run(ctx, polling.Loop[U]{
		Client: p.client, URL: b.URL + "/bot" + b.Token + "/getUpdates", Masker: bottoken.NewMasker(b.Token), // b.Token may be the real one
		Config: p.Config, State: &p.state, Offset: &p.offset, Parse: b.Parse,
		Hand: func(ctx context.Context, u U, raw json.RawMessage) bool {
			if len(slab) == cap(slab) {
				slab = make([]U, 0, slabSize)
			}
			slab = append(slab, u)
			return hand(ctx.Done(), &slab[len(slab)-1], raw)
		},
		Report: func(f *telegram.PollError, _ time.Duration) { b.OnError(f) },
	})
}
