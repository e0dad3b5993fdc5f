// Package tgbotapimetrics is a router for
// github.com/go-telegram-bot-api/telegram-bot-api/v5 with every route
// tracked as an action (genapp_action_*), named after the route, never
// after what users send; every update the router is given, routed or not,
// counts in genapp_telegram_updates_total{type} with its lag, and is in
// flight while its handler runs.
//
//	client := httpclient.NewTelegram(token)
//	bot, err := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, tgbotapi.APIEndpoint, client)
//	r, err := tgbotapimetrics.New(
//		tgbotapimetrics.Command("start", onStart),          // start_handler
//		tgbotapimetrics.Callback("menu", onMenu),           // menu_callback_handler
//		tgbotapimetrics.On(telegram.KindText, onText),      // text_handler, unknown_command_handler
//	)
//	p, err := tgbotapimetrics.NewPoller(client)
//	err = r.Poll(ctx, bot, p, 8) // 8 handlers at a time, until ctx ends, a 401 or a 409
//
// Where tgbotapi makes it differ from the other adapters:
//   - tgbotapi has no router: New takes no library value, routes are its
//     options, and handlers capture the *tgbotapi.BotAPI they reply with.
//   - tgbotapi has no dispatcher: [Router.Poll] runs the [Poller] and the
//     handlers, [Router.Run] handles a channel of updates (GetUpdatesChan),
//     and webhook updates go through [ParseUpdate] and [Router.HandleUpdate].
//   - The BotAPI does not say which Bot API server it calls: give the
//     Poller the one in its endpoint with [WithAPIURL].
//
// Routing, outcomes, shutdown, the token and polling: docs/telegram.md.
package tgbotapimetrics
