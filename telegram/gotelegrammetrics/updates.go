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
	typ, date := updateInfo(u)
	id, chatType, status := sender(u, typ)
	return record.Update(t.metrics(), typ, date, id, chatType, status)
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

// updateInfo returns the type of u, the name of its Bot API field that is
// set, and when Telegram stamped it: the date of a message (its edit_date
// when edited), of a chat member change, join request or reaction; the
// zero time for the types the Bot API gives no stamp.
func updateInfo(u *models.Update) (telegram.UpdateType, time.Time) {
	if u == nil {
		return telegram.UpdateOther, time.Time{}
	}
	msg := func(typ telegram.UpdateType, m *models.Message, edited bool) (telegram.UpdateType, time.Time) {
		d := m.Date
		if edited {
			d = m.EditDate
		}
		return typ, telegram.Date(int64(d))
	}
	switch {
	case u.Message != nil:
		return msg(telegram.UpdateMessage, u.Message, false)
	case u.EditedMessage != nil:
		return msg(telegram.UpdateEditedMessage, u.EditedMessage, true)
	case u.ChannelPost != nil:
		return msg(telegram.UpdateChannelPost, u.ChannelPost, false)
	case u.EditedChannelPost != nil:
		return msg(telegram.UpdateEditedChannelPost, u.EditedChannelPost, true)
	case u.BusinessMessage != nil:
		return msg(telegram.UpdateBusinessMessage, u.BusinessMessage, false)
	case u.EditedBusinessMessage != nil:
		return msg(telegram.UpdateEditedBusinessMessage, u.EditedBusinessMessage, true)
	case u.CallbackQuery != nil:
		return telegram.UpdateCallbackQuery, time.Time{}
	case u.InlineQuery != nil:
		return telegram.UpdateInlineQuery, time.Time{}
	case u.ChosenInlineResult != nil:
		return telegram.UpdateChosenInlineResult, time.Time{}
	case u.ShippingQuery != nil:
		return telegram.UpdateShippingQuery, time.Time{}
	case u.PreCheckoutQuery != nil:
		return telegram.UpdatePreCheckoutQuery, time.Time{}
	case u.Poll != nil:
		return telegram.UpdatePoll, time.Time{}
	case u.PollAnswer != nil:
		return telegram.UpdatePollAnswer, time.Time{}
	case u.MyChatMember != nil:
		return telegram.UpdateMyChatMember, telegram.Date(int64(u.MyChatMember.Date))
	case u.ChatMember != nil:
		return telegram.UpdateChatMember, telegram.Date(int64(u.ChatMember.Date))
	case u.ChatJoinRequest != nil:
		return telegram.UpdateChatJoinRequest, telegram.Date(int64(u.ChatJoinRequest.Date))
	case u.MessageReaction != nil:
		return telegram.UpdateMessageReaction, telegram.Date(int64(u.MessageReaction.Date))
	case u.MessageReactionCount != nil:
		return telegram.UpdateMessageReactionCount, telegram.Date(int64(u.MessageReactionCount.Date))
	case u.ChatBoost != nil:
		return telegram.UpdateChatBoost, time.Time{}
	case u.RemovedChatBoost != nil:
		return telegram.UpdateRemovedChatBoost, time.Time{}
	case u.PurchasedPaidMedia != nil:
		return telegram.UpdatePurchasedPaidMedia, time.Time{}
	case u.DeletedBusinessMessages != nil:
		return telegram.UpdateDeletedBusinessMessages, time.Time{}
	case u.BusinessConnection != nil:
		return telegram.UpdateBusinessConnection, time.Time{}
	}
	return telegram.UpdateOther, time.Time{}
}

// sender returns who sent u, of type typ (updateInfo's): the id of the
// person in its from (a poll answer's or reaction's user), 0 when it has
// none or the sender is a bot; and for a my_chat_member, the chat's type
// and the bot's new status.
func sender(u *models.Update, typ telegram.UpdateType) (id int64, chatType, status string) {
	switch typ {
	case telegram.UpdateMessage:
		return person(u.Message.From), "", ""
	case telegram.UpdateEditedMessage:
		return person(u.EditedMessage.From), "", ""
	case telegram.UpdateBusinessMessage:
		return person(u.BusinessMessage.From), "", ""
	case telegram.UpdateEditedBusinessMessage:
		return person(u.EditedBusinessMessage.From), "", ""
	case telegram.UpdateCallbackQuery:
		return person(&u.CallbackQuery.From), "", ""
	case telegram.UpdateInlineQuery:
		return person(u.InlineQuery.From), "", ""
	case telegram.UpdateChosenInlineResult:
		return person(&u.ChosenInlineResult.From), "", ""
	case telegram.UpdateShippingQuery:
		return person(u.ShippingQuery.From), "", ""
	case telegram.UpdatePreCheckoutQuery:
		return person(u.PreCheckoutQuery.From), "", ""
	case telegram.UpdatePurchasedPaidMedia:
		return person(&u.PurchasedPaidMedia.From), "", ""
	case telegram.UpdatePollAnswer:
		return person(u.PollAnswer.User), "", ""
	case telegram.UpdateMessageReaction:
		return person(u.MessageReaction.User), "", ""
	case telegram.UpdateMyChatMember:
		c := u.MyChatMember
		// The status of a ChatMember is its Type, which go-telegram/bot
		// sets from the status it decodes.
		return person(&c.From), string(c.Chat.Type), string(c.NewChatMember.Type)
	case telegram.UpdateChatMember:
		return person(&u.ChatMember.From), "", ""
	case telegram.UpdateChatJoinRequest:
		return person(&u.ChatJoinRequest.From), "", ""
	}
	return 0, "", ""
}

// person returns the id of user, 0 for nil or a bot.
func person(user *models.User) int64 {
	if user == nil || user.IsBot {
		return 0
	}
	return user.ID
}
