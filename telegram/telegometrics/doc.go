// Package telegometrics tracks a github.com/mymmrac/telego bot: each run of a
// handler registered through a [Tracker] counts in
// genapp_action_count_total{name, status, error_name} and
// genapp_action_duration_sec{name}, named after what it is registered for;
// every update the bot handles counts once in
// genapp_telegram_updates_total{type}, with its lag, and in flight while its
// handlers run.
//
//	client := httpclient.NewTelegram(token)
//	bot, err := telego.NewBot(telegometrics.TokenPlaceholder, telegometrics.WithClient(client))
//	poller, err := telegometrics.NewPoller(client)
//	bh, err := th.NewBotHandler(bot, poller.Updates(ctx, bot)) // in place of UpdatesViaLongPolling
//	tr, err := telegometrics.New(bh)                 // before any route or middleware on bh
//	err = tr.Command("start", onStart)                // start_handler
//	err = tr.Callback("menu", onMenu)                 // menu, menu:42, menu|42: menu_callback_handler
//	err = tr.On(telegram.KindText, onText)            // text_handler, unknown_command_handler
//	err = tr.HandleAs("faq_handler", onFAQ, th.TextContains("?"))
//
// Where telego differs from the other adapters:
//   - Its predicates are opaque functions: the Tracker builds them with the
//     action name, and Tracker.Group registers in a group of the router.
//   - New installs the middleware that counts the updates with Use: call it
//     first, once per router.
//   - Telego calls the Bot API through fasthttp and rejects
//     httpclient.TokenPlaceholder: give it [TokenPlaceholder] and [WithClient].
//
// See docs/telego.md.
package telegometrics
