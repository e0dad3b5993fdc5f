package gotelegrammetrics

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
)

// Middleware returns the global middleware, for bot.WithMiddlewares, that
// records every update the bot dispatches, whichever handler the bot chose,
// in the genapp_telegram_updates_total, _update_lag_sec and
// _handlers_in_flight families, and counts it for [Tracker.Wait] from the
// moment the bot dispatches it.
//
// A bot whose handlers are all registered through the Tracker (its default
// handler included) does not need it: each tracked handler records the
// update it is given in the same families, and counts it for Wait from the
// moment it starts, at the cost of one allocation per update; the
// Middleware adds a second, and a clock read. Install it for the updates of handlers registered
// on the bot directly, and for a Wait that also sees the updates the bot
// dispatched but has not started yet: go-telegram/bot starts each handler
// on a goroutine of its own, after the [Poller] or webhook handing it the
// update has moved on, and maybe confirmed it to the Bot API.
//
// Give it first to bot.WithMiddlewares: go-telegram/bot wraps each
// update's handler in the global middlewares when it dispatches the
// update, then runs the result; a middleware outside this one that dropped
// the update would leave it counted. It is no route middleware: the bot
// wraps those once, when the route is registered; given to a route, it
// records the route's first update only.
func (t *Tracker) Middleware() bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		t.inFlight.add()
		r := &run{flight: &t.inFlight}
		r.state.Store(runDispatched)
		return func(ctx context.Context, b *bot.Bot, u *models.Update) {
			if !r.state.CompareAndSwap(runDispatched, runOpen) {
				next(ctx, b, u) // a wrapping run twice: given as a route's middleware
				return
			}
			r.Context = ctx
			defer r.close()
			r.update = t.metrics().StartTelegramUpdate(updateInfo(u))
			next(r, b, u)
		}
	}
}

// close ends the update of a run a Middleware began, and its count, unless
// a tracked handler claimed them: that one ends them when it returns.
func (r *run) close() {
	if r.state.CompareAndSwap(runOpen, runClosed) {
		r.update.End()
		r.flight.done()
	}
}

// inFlight counts the updates being handled. Unlike a sync.WaitGroup it
// may be waited for while updates still come in (a webhook request racing
// the shutdown), and it tells how many are left. The count is atomic: the
// lock is taken only when it drops to 0 once somebody waits.
type inFlight struct {
	n       atomic.Int64
	waiting atomic.Bool // set by the first wait, and kept
	mu      sync.Mutex
	idle    chan struct{} // closed when n drops to 0; nil while nobody waits
}

func (f *inFlight) add() { f.n.Add(1) }

func (f *inFlight) done() {
	// wait sets waiting before it reads n, done reads waiting after it
	// changed n: one of them sees the other.
	if f.n.Add(-1) != 0 || !f.waiting.Load() {
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.idle != nil && f.n.Load() == 0 {
		close(f.idle)
		f.idle = nil
	}
}

func (f *inFlight) wait(ctx context.Context) error {
	f.mu.Lock()
	f.waiting.Store(true)
	if f.n.Load() == 0 {
		f.mu.Unlock()
		return nil
	}
	if f.idle == nil {
		f.idle = make(chan struct{})
	}
	idle := f.idle
	f.mu.Unlock()
	select {
	case <-idle:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("gotelegrammetrics: %d updates still being handled: %w", f.n.Load(), ctx.Err())
	}
}

// updateInfo returns the type of u, the name of its Bot API field that is
// set, and when Telegram stamped it: the date of a message (its edit_date
// when edited), of a chat member change, join request or reaction; the
// zero time for the kinds the Bot API gives no stamp.
func updateInfo(u *models.Update) (typ string, date time.Time) {
	if u == nil {
		return metrics.TelegramUpdateOther, time.Time{}
	}
	msg := func(typ string, m *models.Message, edited bool) (string, time.Time) {
		d := m.Date
		if edited {
			d = m.EditDate
		}
		return typ, telegram.Date(int64(d))
	}
	switch {
	case u.Message != nil:
		return msg(models.AllowedUpdateMessage, u.Message, false)
	case u.EditedMessage != nil:
		return msg(models.AllowedUpdateEditedMessage, u.EditedMessage, true)
	case u.ChannelPost != nil:
		return msg(models.AllowedUpdateChannelPost, u.ChannelPost, false)
	case u.EditedChannelPost != nil:
		return msg(models.AllowedUpdateEditedChannelPost, u.EditedChannelPost, true)
	case u.BusinessMessage != nil:
		return msg(models.AllowedUpdateBusinessMessage, u.BusinessMessage, false)
	case u.EditedBusinessMessage != nil:
		return msg(models.AllowedUpdateEditedBusinessMessage, u.EditedBusinessMessage, true)
	case u.CallbackQuery != nil:
		return models.AllowedUpdateCallbackQuery, time.Time{}
	case u.InlineQuery != nil:
		return models.AllowedUpdateInlineQuery, time.Time{}
	case u.ChosenInlineResult != nil:
		return models.AllowedUpdateChosenInlineResult, time.Time{}
	case u.ShippingQuery != nil:
		return models.AllowedUpdateShippingQuery, time.Time{}
	case u.PreCheckoutQuery != nil:
		return models.AllowedUpdatePreCheckoutQuery, time.Time{}
	case u.Poll != nil:
		return models.AllowedUpdatePoll, time.Time{}
	case u.PollAnswer != nil:
		return models.AllowedUpdatePollAnswer, time.Time{}
	case u.MyChatMember != nil:
		return models.AllowedUpdateMyChatMember, telegram.Date(int64(u.MyChatMember.Date))
	case u.ChatMember != nil:
		return models.AllowedUpdateChatMember, telegram.Date(int64(u.ChatMember.Date))
	case u.ChatJoinRequest != nil:
		return models.AllowedUpdateChatJoinRequest, telegram.Date(int64(u.ChatJoinRequest.Date))
	case u.MessageReaction != nil:
		return models.AllowedUpdateMessageReaction, telegram.Date(int64(u.MessageReaction.Date))
	case u.MessageReactionCount != nil:
		return models.AllowedUpdateMessageReactionCount, telegram.Date(int64(u.MessageReactionCount.Date))
	case u.ChatBoost != nil:
		return models.AllowedUpdateChatBoost, time.Time{}
	case u.RemovedChatBoost != nil:
		return models.AllowedUpdateRemovedChatBoost, time.Time{}
	case u.PurchasedPaidMedia != nil:
		return models.AllowedUpdatePurchasedPaidMedia, time.Time{}
	case u.DeletedBusinessMessages != nil:
		return models.AllowedUpdateDeletedBusinessMessages, time.Time{}
	case u.BusinessConnection != nil:
		return models.AllowedUpdateBusinessConnection, time.Time{}
	}
	return metrics.TelegramUpdateOther, time.Time{}
}
