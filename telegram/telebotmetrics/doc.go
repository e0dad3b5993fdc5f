// Package telebotmetrics tracks a gopkg.in/telebot.v3 bot. Each run of a
// handler registered through a [Tracker] counts in genapp_action_count_total
// (status "ok" or "error") and genapp_action_duration_sec, under the name
// [telegram.ActionName] gives its endpoint. Every update the bot gets
// counts once in genapp_telegram_updates_total{type}, routed or not, with
// its lag, and in genapp_telegram_handlers_in_flight until its handlers
// have returned.
//
//	client := httpclient.NewTelegram(token)
//	p, err := telebotmetrics.NewPoller(client)
//	bot, err := tele.NewBot(tele.Settings{Token: httpclient.TokenPlaceholder, Client: client, Synchronous: true})
//	tr, err := telebotmetrics.New(bot)    // or a *tele.Group
//	bot.Poller = tr.Poller(p)             // or tr.Poller(&tele.Webhook{...})
//	tr.Handle("/start", onStart)          // start_handler
//	tr.Handle(&btnMenu, onMenu)           // menu_callback_handler (btnMenu.Unique == "menu")
//	tr.Handle(tele.OnText, onText)        // text_handler; unknown_command_handler
//	go bot.Start()
//
// Where telebot forces a difference:
//   - Its middleware runs for routed updates only: updates are counted where
//     they are delivered, by tr.Poller (or [Tracker.ProcessUpdate] in a
//     webhook handler of your own), which has the Synchronous bot process
//     each on a goroutine of its own, so that it knows when its handlers end.
//   - Handle panics on an endpoint telebot rejects, as the bot's does.
//   - Telebot v3 decodes no business or paid-media update: those are typed
//     from their JSON when a [Poller] fetched them, else counted as other.
//
// See docs/telegram.md for where tracking sits and what is recorded.
package telebotmetrics
