// Package gotgbotmetrics tracks the handlers of a
// github.com/PaulSonOfLars/gotgbot/v2 bot as actions: each run of a handler
// counts in genapp_action_count_total with status "ok" or "error" and its
// duration goes to genapp_action_duration_sec, under a name
// [telegram.ActionName] derives from what the handler is, never from what
// users send.
//
// Register handlers through a [Tracker] instead of the dispatcher:
//
//	d := ext.NewDispatcher(nil)
//	tr := gotgbotmetrics.New(d)
//	tr.AddHandler(handlers.NewCommand("start", start))        // start_handler
//	tr.AddHandler(handlers.NewMessage(message.Text, echo))    // text_handler, and unknown_command_handler
//	err := tr.AddHandlerAs("menu_callback_handler", 0,
//		handlers.NewCallback(callbackquery.Prefix("menu"), menu))
//
// # Names
//
// A handler's action name comes from its type: a handlers.Command is
// "<command>_handler"; a handlers.Message is named after its filter when
// that is one of gotgbot's message kinds (message.Text is text_handler,
// message.Photo photo_handler, ...), else message_handler; the other
// handlers of package handlers after the update kind they take
// (inline_query_handler, chat_member_handler, ...); a handlers.Named after
// the handler it wraps; any other type after its Go type name. A
// handlers.CallbackQuery is callback_handler: its filter is a function,
// which does not say which buttons it takes. Name the handlers of buttons
// with [Tracker.AddHandlerAs] ("menu_callback_handler"). The handler's own
// Name, which gotgbot uses to remove it, is kept.
//
// A handler of text messages (a handlers.Message with the filter
// message.Text or message.Command) that runs for a command no tracked
// handlers.Command takes records unknown_command_handler instead of its own
// name: a text, "/word" or "/word@bot", that gotgbot's Command would have
// read as a command. Other message handlers, such as one for every message
// in a group of its own, keep their name.
//
// # Outcomes
//
// A handler that returns nil, [ext.EndGroups] or [ext.ContinueGroups] (the
// dispatcher's control flow) is recorded as "ok"; any other error as
// "error", with error_name flood_wait for a 429 of the Bot API. The error is
// returned unchanged, to the dispatcher's Error handler. A panic is recorded
// as "error" and continues unchanged: gotgbot's dispatcher recovers it and
// hands it to its Panic handler, as it does without tracking.
//
// # Updates
//
// New wraps the dispatcher's Processor, which gotgbot runs once for every
// update, before any handler: each update counts in
// genapp_telegram_updates_total{type} (message, callback_query, ...), the
// time since Telegram stamped it (a message's date, its edit_date when
// edited) goes to genapp_telegram_update_lag_sec{type}, and
// genapp_telegram_handlers_in_flight holds the updates being handled. They
// replace the gotgbot_* families of gotgbot's metricsBot sample.
//
// # Polling
//
// Poll with a [Poller] instead of gotgbot's Updater, whose loop polls a
// failing Bot API every second or in a busy loop, ignores retry_after and
// never stops on 401 or 409. Updates that reach the dispatcher otherwise,
// such as through the Updater's webhook, are tracked all the same.
//
// # The bot token
//
// gotgbotmetrics writes nothing with the token. gotgbot's errors quote the
// request URL, which holds the token: give the bot a BaseBotClient whose
// Client is this module's httpclient.NewTelegram client, and
// httpclient.TokenPlaceholder as the token.
package gotgbotmetrics
