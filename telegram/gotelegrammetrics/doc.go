// Package gotelegrammetrics tracks a github.com/go-telegram/bot bot: each run
// of a handler registered through a [Tracker] counts in
// genapp_action_count_total{name, status, error_name} and
// genapp_action_duration_sec{name}, named after its route; every update the
// bot gets counts once in genapp_telegram_updates_total{type}, with its lag,
// and in flight while its handler runs.
//
//	tr, err := gotelegrammetrics.New()
//	b, err := bot.New(httpclient.TokenPlaceholder,
//		tr.WithDefaultHandler(onText), // text_handler, unknown_command_handler; nil: counted only
//		bot.WithServerURL(apiURL), bot.WithHTTPClient(time.Minute, client))
//	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, onStart)     // start_handler
//	tr.RegisterHandler(b, bot.HandlerTypeCallbackQueryData, "menu:", bot.MatchTypePrefix, onMenu) // menu_callback_handler
//	p, err := gotelegrammetrics.NewPoller(client, gotelegrammetrics.WithAPIURL(apiURL))
//	err = p.Run(ctx, b)    // in place of b.Start
//	err = tr.Wait(waitCtx) // the handlers still running
//
// where client is httpclient.NewTelegram(token).
//
// Where go-telegram/bot differs from the other adapters:
//   - New takes no bot: the bot is built with the Tracker's default handler.
//   - Updates are counted by the tracked handlers and by the default handler
//     of [Tracker.WithDefaultHandler]: register every route through the
//     Tracker, and give the bot no default handler of its own.
//   - Handlers return nothing: a handler fails its run with [Fail].
//   - The bot does not tell its server URL: the Poller takes [WithAPIURL].
//
// See docs/gotelegram.md.
package gotelegrammetrics
