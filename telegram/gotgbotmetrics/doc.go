// Package gotgbotmetrics tracks a github.com/PaulSonOfLars/gotgbot/v2 bot:
// each run of a handler registered through a [Tracker] is an action
// (genapp_action_*), named after what the handler is, never after what
// users send; every update the dispatcher handles, taken by a handler or
// not, counts in genapp_telegram_updates_total{type} with its lag, and is
// in flight while it is handled.
//
//	client := httpclient.NewTelegram(token)
//	b, err := gotgbot.NewBot(httpclient.TokenPlaceholder, &gotgbot.BotOpts{
//		BotClient: &gotgbot.BaseBotClient{Client: *client}})
//	d := ext.NewDispatcher(nil)
//	tr, err := gotgbotmetrics.New(d)
//	tr.AddHandler(handlers.NewCommand("start", start))     // start_handler
//	err = tr.AddCallback("menu", menu)                     // menu_callback_handler
//	tr.AddHandler(handlers.NewMessage(message.Text, echo)) // text_handler, unknown_command_handler
//	p, err := gotgbotmetrics.NewPoller(client)
//	err = p.Poll(ctx, b, d) // until ctx ends, a 401 or a 409
//	d.Stop()                // waits for the handlers in flight
//
// Where gotgbot makes it differ from the other adapters:
//   - Updates are counted by the dispatcher's Processor, which New wraps:
//     set a Processor of your own before New.
//   - A handlers.CallbackQuery is callback_handler, its filter being a
//     function: register buttons with [Tracker.AddCallback], or name them
//     with [Tracker.AddHandlerAs].
//   - [Poller.Poll] feeds the dispatcher (Dispatcher.Start), as
//     ext.Updater does; webhook updates go through [ParseUpdate] and
//     Dispatcher.ProcessUpdate.
//
// Names, outcomes, the token and polling: docs/gotgbot.md.
package gotgbotmetrics
