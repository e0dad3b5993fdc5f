package main

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// step is one thing a simulated user does: send text, or press the menu
// button with a payload.
type step struct{ text, press string }

// script is what every simulated user does, in a loop, each from its own
// starting point (user i starts at i*len(script)/len(userChats)). The
// starting points are chosen so that the first three steps of the three
// users run every route, with each outcome it has, and the fourth /ask: the
// page is complete about two seconds after the start.
var script = []step{
	{text: "/start"}, {press: "weather"}, {text: "/fail"}, {text: "/ask what does the bot cost?"}, {text: "hello bot"},
	{text: "/menu"}, {press: "news"}, {text: "/slow"}, {text: "how are you?"},
	{text: "/menu"}, {press: "offer"}, {text: "/panic"}, {text: "/ask why is my bot slow?"}, {text: "/slow"},
	{press: "weather"}, {text: "nice weather"}, {text: "/start"}, {press: "news"},
	{text: "/help"}, {text: "what's new?"}, {text: "/slow"}, {text: "/ask which model answers?"}, {text: "/menu"},
	{press: "weather"}, {text: "thanks"}, {text: "/slow"}, {text: "good bot"},
}

// userChats are the chat ids of the simulated users.
var userChats = []int64{1001, 1002, 1003}

// Pace of each simulated user: one step every stepMin to stepMax.
const (
	stepMin = 200 * time.Millisecond
	stepMax = 600 * time.Millisecond
)

// simulateUsers plays the users against the fake Bot API until ctx ends.
// callbackData gives the data of a menu button, which depends on the bot
// library. With webhook, it also delivers the updates to the bot's webhook,
// as Telegram would, several at a time.
func simulateUsers(ctx context.Context, fake *telegramtest.Server, callbackData func(payload string) string, users int, webhook bool, log *slog.Logger) {
	var wg sync.WaitGroup
	defer wg.Wait()
	for i, chatID := range userChats {
		rng := rand.New(rand.NewPCG(uint64(chatID), 0)) // the same pace on every run
		wg.Go(func() {
			for n := i * len(script) / len(userChats); ; n++ {
				s := script[n%len(script)]
				if s.press != "" {
					fake.PressButton(chatID, callbackData(s.press))
				} else {
					fake.SendText(chatID, s.text)
				}
				if !sleep(ctx, stepMin+time.Duration(rng.Int64N(int64(stepMax-stepMin)))) {
					return
				}
			}
		})
	}
	if users > 0 {
		wg.Go(func() { audience(ctx, fake, users) })
	}
	wg.Go(func() { blocks(ctx, fake, users) })
	wg.Go(func() { sendFailures(ctx, fake) })
	wg.Go(func() { floodControl(ctx, fake) })
	wg.Go(func() { backlog(ctx, fake) })
	if webhook {
		wg.Go(func() { deliver(ctx, fake, log) })
	}
}

// Bounds of -users: up to maxUsersIn20s users all write within the first
// 20 s; more write within users/maxUsersIn20s x 20 s.
const (
	maxUsers      = 1_000_000
	maxUsersIn20s = 5000
	firstWave     = 20 * time.Second
)

// audience plays users 1 to n (private chats whose id is the user's, the
// same in every process): each sends /start once in the first wave, spread
// evenly over firstWave (longer above maxUsersIn20s users, at the same
// pace), then about once a minute, at random.
func audience(ctx context.Context, fake *telegramtest.Server, n int) {
	start := time.Now()
	wave := firstWave * time.Duration(max(n, maxUsersIn20s)) / maxUsersIn20s
	for id := 1; id <= n; id++ {
		if !sleepUntil(ctx, start.Add(wave*time.Duration(id-1)/time.Duration(n))) {
			return
		}
		fake.SendText(int64(id), "/start")
	}
	rng := rand.New(rand.NewPCG(uint64(n), 1))
	for perSecond := max(n/60, 1); sleep(ctx, time.Second); {
		for range perSecond {
			fake.SendText(1+rng.Int64N(int64(n)), "hello bot")
		}
	}
}

// blockEvery is how often one of the simulated users blocks the bot, to
// unblock it blockEvery later.
const blockEvery = 5 * time.Second

// blocks makes a user (of 1 to n, or a scripted one when n is 0) block
// the bot every blockEvery and unblock it the next time: the
// my_chat_member updates Telegram sends for a private chat, with the bot's
// new status kicked, then member.
func blocks(ctx context.Context, fake *telegramtest.Server, n int) {
	rng := rand.New(rand.NewPCG(uint64(n), 2))
	for sleep(ctx, blockEvery) {
		id := userChats[rng.IntN(len(userChats))]
		if n > 0 {
			id = 1 + rng.Int64N(int64(n))
		}
		fake.SendUpdate(myChatMember(fake.Bot(), id, "member", "kicked"))
		if !sleep(ctx, blockEvery) {
			return
		}
		fake.SendUpdate(myChatMember(fake.Bot(), id, "kicked", "member"))
	}
}

// myChatMember is the update of the bot's status changing from old to
// status in the private chat of user id.
func myChatMember(bot telegramtest.User, id int64, old, status string) map[string]any {
	user := map[string]any{"id": id, "is_bot": false, "first_name": "User"}
	return map[string]any{"my_chat_member": map[string]any{
		"chat": map[string]any{"id": id, "type": "private", "first_name": "User"}, "from": user, "date": time.Now().Unix(),
		"old_chat_member": map[string]any{"status": old, "user": bot},
		"new_chat_member": map[string]any{"status": status, "user": bot},
	}}
}

// failedSends are the answers the Bot API gives to sends that cannot
// succeed, in Telegram's words, one every failEvery in turn.
var failedSends = []struct {
	method string
	fault  telegramtest.Fault
}{
	{"sendMessage", telegramtest.Fault{Status: http.StatusForbidden, Description: "Forbidden: bot was blocked by the user"}},
	{"sendMessage", telegramtest.Fault{Status: http.StatusBadRequest, Description: "Bad Request: chat not found"}},
	{"editMessageText", telegramtest.Fault{Status: http.StatusBadRequest, Description: "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"}},
}

const failEvery = 3 * time.Second

// sendFailures makes one send fail every failEvery, as in failedSends.
func sendFailures(ctx context.Context, fake *telegramtest.Server) {
	for n := 0; sleep(ctx, failEvery); n++ {
		f := failedSends[n%len(failedSends)]
		fake.Inject(f.method, f.fault)
	}
}

// floodEvery is how often the fake Bot API answers an edit with 429.
const floodEvery = 4 * time.Second

// floodControl makes the fake Bot API answer one editMessageText call every
// floodEvery with 429 Too Many Requests, as Telegram does to a bot that
// edits too fast, so that the 429 panel and alert of deploy/ have data. The
// menu button whose edit fails records an error.
func floodControl(ctx context.Context, fake *telegramtest.Server) {
	for sleep(ctx, floodEvery) {
		fake.Inject("editMessageText", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 1})
	}
}

// backlogEvery is how often a simulated user's message arrives late, and
// backlogAges how late, in turn: as when a bot restarts and takes the
// updates Telegram held for it, or a webhook recovers from an outage. They
// are a few percent of the updates: the lag panel of deploy/ has a tail,
// and its p95 stays that of the messages handled at once.
const backlogEvery = 3 * time.Second

var backlogAges = []time.Duration{15 * time.Second, 45 * time.Second, 90 * time.Second}

// backlog queues, every backlogEvery, a message dated in the past.
func backlog(ctx context.Context, fake *telegramtest.Server) {
	for n := 0; sleep(ctx, backlogEvery); n++ {
		fake.SendTextAt(userChats[n%len(userChats)], "sorry, I was offline", time.Now().Add(-backlogAges[n%len(backlogAges)]))
	}
}

// hiccupEvery is how often, offline, the proxy in front of the webhook
// fails one update request: the first at once, then one every hiccupEvery.
const hiccupEvery = 15 * time.Second

// withHiccups is h behind a proxy that answers one update request with 502
// Bad Gateway every hiccupEvery, until ctx ends. The fake Bot API, as
// Telegram, keeps the update pending, reports the error (last_error_date)
// in getWebhookInfo, and delivers it again: the webhook panels of deploy/
// have data. Like a real proxy it stands outside the bot's own metrics.
func withHiccups(ctx context.Context, h http.Handler) http.Handler {
	var armed atomic.Bool
	armed.Store(true)
	go func() {
		for sleep(ctx, hiccupEvery) {
			armed.Store(true)
		}
	}()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if armed.CompareAndSwap(true, false) {
			http.Error(w, "simulated proxy hiccup", http.StatusBadGateway)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// deliverEvery is how often pending updates are delivered to the webhook.
const deliverEvery = 50 * time.Millisecond

// deliver POSTs the updates that arrived to the webhook, every
// deliverEvery, until ctx ends: each round starts while the slow updates of
// the rounds before are still being handled, as Telegram keeps delivering
// over its other connections. Like Telegram, it does not hang up on a
// request in flight when the bot starts shutting down: the webhook server
// lets that request finish, then refuses the next one.
func deliver(ctx context.Context, fake *telegramtest.Server, log *slog.Logger) {
	var rounds sync.WaitGroup
	defer rounds.Wait()
	for sleep(ctx, deliverEvery) {
		if fake.Pending() == 0 {
			continue
		}
		rounds.Go(func() {
			if err := fake.DeliverParallel(context.WithoutCancel(ctx)); err != nil && ctx.Err() == nil {
				log.Warn("webhook delivery failed", "error", err)
			}
		})
	}
}

// sleepUntil waits until t and reports whether ctx is still alive.
func sleepUntil(ctx context.Context, t time.Time) bool {
	if d := time.Until(t); d > 0 {
		return sleep(ctx, d)
	}
	return ctx.Err() == nil
}

// sleep waits for d and reports whether ctx is still alive.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}
