package gotelegrammetrics

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/record"
)

// track returns the route middleware that records one run of the chain it
// wraps as the action name(u), and the update it is given: one in
// genapp_telegram_updates_total{type} and _update_lag_sec{type}, and in
// _handlers_in_flight and for [Tracker.Wait] while the chain runs. A
// tracked handler given the context of another (an update dispatched
// again from within a handler) records its own action, not the update a
// second time. The handler's context is a run that [Fail] finds.
func (t *Tracker) track(name func(*models.Update) string) bot.Middleware {
	return func(next bot.HandlerFunc) bot.HandlerFunc {
		return func(ctx context.Context, b *bot.Bot, u *models.Update) {
			t.inFlight.add()
			defer t.inFlight.done()
			var a metrics.Action
			if _, nested := ctx.Value(runKey{}).(*run); nested {
				a = t.metrics().Track(name(u))
			} else {
				update := t.startUpdate(u)
				defer update.End()
				a = update.Track(name(u)) // on the update's clock read
			}
			r := &run{Context: ctx}
			var result error
			defer a.End(&result) // directly, to see a panic
			next(r, b, u)
			result = r.finish()
		}
	}
}

// count is the default handler of [Tracker.WithDefaultHandler] given no
// handler: it records the update, and runs nothing.
func (t *Tracker) count(ctx context.Context, _ *bot.Bot, u *models.Update) {
	if _, nested := ctx.Value(runKey{}).(*run); !nested {
		t.startUpdate(u).End()
	}
}

// startUpdate records u in the update families until End, the person who
// sent it among the active users, and the bot's new status of a
// my_chat_member.
func (t *Tracker) startUpdate(u *models.Update) metrics.TelegramUpdate {
	return record.Update(t.metrics(), describe(u))
}

// inFlight counts the tracked handlers running. Unlike a sync.WaitGroup it
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
		return fmt.Errorf("gotelegrammetrics: %d handlers still running: %w", f.n.Load(), ctx.Err())
	}
}

// describe returns what the update families record of u (see
// [record.Info]): the Bot API field that is set, its stamp, the person in
// its from (a poll answer's or reaction's user) and, for a my_chat_member,
// the chat's type and the bot's new status (the Type of its new member,
// which go-telegram/bot sets from the status it decodes). A nil u is
// other.
func describe(u *models.Update) record.Info {
	switch {
	case u == nil:
		return record.Info{Type: telegram.UpdateOther}
	case u.Message != nil:
		return record.Info{Type: telegram.UpdateMessage, Date: int64(u.Message.Date), From: person(u.Message.From)}
	case u.EditedMessage != nil:
		return record.Info{Type: telegram.UpdateEditedMessage, Date: int64(u.EditedMessage.EditDate), From: person(u.EditedMessage.From)}
	case u.ChannelPost != nil:
		return record.Info{Type: telegram.UpdateChannelPost, Date: int64(u.ChannelPost.Date)}
	case u.EditedChannelPost != nil:
		return record.Info{Type: telegram.UpdateEditedChannelPost, Date: int64(u.EditedChannelPost.EditDate)}
	case u.BusinessMessage != nil:
		return record.Info{Type: telegram.UpdateBusinessMessage, Date: int64(u.BusinessMessage.Date), From: person(u.BusinessMessage.From)}
	case u.EditedBusinessMessage != nil:
		return record.Info{Type: telegram.UpdateEditedBusinessMessage, Date: int64(u.EditedBusinessMessage.EditDate), From: person(u.EditedBusinessMessage.From)}
	case u.CallbackQuery != nil:
		return record.Info{Type: telegram.UpdateCallbackQuery, From: person(&u.CallbackQuery.From)}
	case u.InlineQuery != nil:
		return record.Info{Type: telegram.UpdateInlineQuery, From: person(u.InlineQuery.From)}
	case u.ChosenInlineResult != nil:
		return record.Info{Type: telegram.UpdateChosenInlineResult, From: person(&u.ChosenInlineResult.From)}
	case u.ShippingQuery != nil:
		return record.Info{Type: telegram.UpdateShippingQuery, From: person(u.ShippingQuery.From)}
	case u.PreCheckoutQuery != nil:
		return record.Info{Type: telegram.UpdatePreCheckoutQuery, From: person(u.PreCheckoutQuery.From)}
	case u.Poll != nil:
		return record.Info{Type: telegram.UpdatePoll}
	case u.PollAnswer != nil:
		return record.Info{Type: telegram.UpdatePollAnswer, From: person(u.PollAnswer.User)}
	case u.MyChatMember != nil:
		c := u.MyChatMember
		return record.Info{Type: telegram.UpdateMyChatMember, Date: int64(c.Date), From: person(&c.From),
			ChatType: string(c.Chat.Type), Status: string(c.NewChatMember.Type)}
	case u.ChatMember != nil:
		return record.Info{Type: telegram.UpdateChatMember, Date: int64(u.ChatMember.Date), From: person(&u.ChatMember.From)}
	case u.ChatJoinRequest != nil:
		return record.Info{Type: telegram.UpdateChatJoinRequest, Date: int64(u.ChatJoinRequest.Date), From: person(&u.ChatJoinRequest.From)}
	case u.MessageReaction != nil:
		return record.Info{Type: telegram.UpdateMessageReaction, Date: int64(u.MessageReaction.Date), From: person(u.MessageReaction.User)}
	case u.MessageReactionCount != nil:
		return record.Info{Type: telegram.UpdateMessageReactionCount, Date: int64(u.MessageReactionCount.Date)}
	case u.ChatBoost != nil:
		return record.Info{Type: telegram.UpdateChatBoost}
	case u.RemovedChatBoost != nil:
		return record.Info{Type: telegram.UpdateRemovedChatBoost}
	case u.PurchasedPaidMedia != nil:
		return record.Info{Type: telegram.UpdatePurchasedPaidMedia, From: person(&u.PurchasedPaidMedia.From)}
	case u.DeletedBusinessMessages != nil:
		return record.Info{Type: telegram.UpdateDeletedBusinessMessages}
	case u.BusinessConnection != nil:
		return record.Info{Type: telegram.UpdateBusinessConnection}
	}
	return record.Info{Type: telegram.UpdateOther}
}

// person returns the id of user, 0 for nil or a bot.
func person(user *models.User) int64 {
	if user == nil || user.IsBot {
		return 0
	}
	return user.ID
}
