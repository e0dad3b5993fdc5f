package telebotcore

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// Poller is the getUpdates long polling of the front ends' Pollers, for
// updates of type U (one telebot version's Update). Set Client and
// Timeout before the first Poll.
type Poller[U any] struct {
	Client  *http.Client
	Timeout time.Duration
	Allowed []string

	lastUpdateID int
	err          error
}

// Bot is what a Poller needs of the telebot bot it polls for: where the
// Bot API is, its OnError and how to parse an update.
type Bot[U any] struct {
	URL, Token string
	OnError    func(error)
	Parse      func([]byte) (U, error)
}

// Err returns the error Poll stopped on by itself, nil when stop ended it.
func (p *Poller[U]) Err() error { return p.err }

// Poll sends the updates of b to dest until stop is closed or the Bot API
// answers 401 or 409.
func (p *Poller[U]) Poll(b Bot[U], dest chan U, stop chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	var retry polling.Retry
	for ctx.Err() == nil {
		updates, f := p.getUpdates(ctx, b)
		if ctx.Err() != nil {
			return
		}
		if f != nil {
			b.OnError(f)
			if f.Stopped {
				p.err = f
				return
			}
			polling.Sleep(ctx.Done(), retry.Failed(f.RetryAfter))
			continue
		}
		retry.Succeeded()
		for _, u := range updates {
			if u.parsed {
				select {
				case dest <- u.U:
				case <-ctx.Done():
					return
				}
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
	id     int
	parsed bool
}

// getUpdates sends one getUpdates and returns its updates, the ones that
// cannot be parsed reported to b.OnError, to be confirmed but not handed on.
func (p *Poller[U]) getUpdates(ctx context.Context, b Bot[U]) ([]fetched[U], *telegram.PollError) {
	m := bottoken.NewMasker(b.Token) // b.Token may be the real one
	offset := p.lastUpdateID + 1
	batch, f := polling.GetUpdates(ctx, p.Client, polling.Request{URL: b.URL + "/bot" + b.Token + "/getUpdates", Offset: offset, Timeout: p.Timeout, Allowed: p.Allowed}, m)
	if f != nil {
		return nil, f
	}
	if batch.Stale > 0 {
		b.OnError(polling.Fail(m, batch.Status, fmt.Sprintf("%d updates skipped: confirmed already (update_id below the offset %d)", batch.Stale, offset), nil))
	}
	updates := make([]fetched[U], 0, len(batch.Raws))
	for i, raw := range batch.Raws {
		u, err := b.Parse(raw)
		if err != nil {
			b.OnError(polling.Fail(m, batch.Status, fmt.Sprintf("update %d skipped: telebot cannot parse it", batch.IDs[i]), err))
		}
		updates = append(updates, fetched[U]{u, batch.IDs[i], err == nil})
	}
	return updates, nil
}
