// Package telebotmetrics (import path telegram/telebotmetrics/v4) tracks
// a gopkg.in/telebot.v4 bot. Each run of a handler registered through a
// [Tracker] counts in genapp_action_count_total (status "ok" or "error")
// and genapp_action_duration_sec, under the name [telegram.ActionName]
// gives its endpoint. Every update the bot gets counts once in
// genapp_telegram_updates_total{type}, routed or not, with its lag, and in
// genapp_telegram_handlers_in_flight until its handlers have returned.
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
//   - Its middleware runs for routed updates only, and some routes several
//     times for one update (OnUserJoined once per new member; OnForward and
//     OnReply besides the route that takes the message): updates are
//     counted where they are delivered, by tr.Poller (or
//     [Tracker.ProcessUpdate] in a webhook handler of your own), which has
//     the Synchronous bot process each on a goroutine of its own, so that
//     it knows when its handlers end. Each route's run is an action.
//   - Handle panics on an endpoint telebot rejects, as the bot's does.
//
// See docs/telebot4.md for what v4 does differently from v3.
package telebotmetrics
