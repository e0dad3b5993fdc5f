// Package tgbotapimetrics is a small router for
// github.com/go-telegram-bot-api/telegram-bot-api/v5, whose maintainers
// declined to add one, with every route tracked as an action: each run of a
// handler counts in genapp_action_count_total with status "ok" or "error"
// and its duration goes to genapp_action_duration_sec, under the name
// [telegram.ActionName] derives from the route.
//
//	r, err := tgbotapimetrics.New(
//		tgbotapimetrics.Command("start", onStart),            // start_handler
//		tgbotapimetrics.Callback("menu", onMenu),             // menu_callback_handler
//		tgbotapimetrics.On(tgbotapimetrics.KindText, onText),        // text_handler
//		tgbotapimetrics.On(tgbotapimetrics.KindUnknownCommand, onUnknown), // unknown_command_handler
//	)
//	...
//	err = r.Poll(ctx, bot, cfg, 8) // or r.Run(ctx, bot.GetUpdatesChan(cfg), 8)
//
// Every update the router is given, routed or not, counts in the
// genapp_telegram_* families: genapp_telegram_updates_total and
// genapp_telegram_update_lag_sec by update type, and
// genapp_telegram_handlers_in_flight while its handler runs (see
// [metrics.Metrics.StartTelegramUpdate]).
//
// [Router.Poll] polls getUpdates itself, so that a failing Bot API gets
// backoff, retry_after and a clear stop on 401 and 409 instead of
// GetUpdatesChan's retry every 3 s for ever.
// Routes are declared once, in [New], which reports every mistake in them as
// an error. Handlers capture the *tgbotapi.BotAPI they reply with; the
// router itself never calls the Bot API.
//
// # Which route takes an update
//
//   - A message whose first entity is a bot command goes to the [Command]
//     route of that command, "@botname" removed (Message.Command). A
//     command addressed to another bot ("/start@other_bot") is ignored when
//     the router knows its bot's username (see [WithBotUsername]). An
//     entity that does not fit the text (length 0, or longer than the
//     text), which makes Message.Command panic, makes no command: the
//     message is routed by its content. A command
//     without a route goes to the [KindUnknownCommand] route, else to the
//     [KindText] route, else to the [KindMessage] route, and is recorded as
//     unknown_command_handler unless the KindUnknownCommand route was given
//     another name.
//   - Any other message goes to the route of its kind (text, photo, ...) or,
//     when there is none, to the [KindMessage] route.
//   - A callback query goes to the [Callback] route whose unique is its data
//     up to the first ":" or "|" (telebot's leading "\f" is ignored), else to
//     the [KindCallback] route (callback_handler).
//   - Other updates go to the route of their kind.
//
// An update no route takes is ignored and recorded nowhere.
//
// # Errors, panics and the bot token
//
// [Router.HandleUpdate] returns the handler's error unchanged; [Router.Run]
// logs it. A panic is recorded as "error", logged as an error (with its
// stack the first time a handler panics at that place in the code) and turned
// into a [*PanicError]: it never stops the router. Every bot token in the
// error texts, panic values and stacks the router logs is replaced by
// "{token}", so the token, which tgbotapi's errors quote in the request URL,
// never reaches the log.
package tgbotapimetrics
