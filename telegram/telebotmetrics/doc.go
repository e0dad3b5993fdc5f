// Package telebotmetrics tracks the handlers of a gopkg.in/telebot.v3 bot as actions:
// each run of a handler counts in genapp_action_count_total with status "ok"
// or "error" and its duration goes to genapp_action_duration_sec, under the
// name [telegram.ActionName] derives from the endpoint it was registered for.
//
// Register handlers through a [Tracker] instead of the bot or group:
//
//	tr := telebotmetrics.New(bot)
//	tr.Handle("/start", onStart)      // start_handler
//	tr.Handle(&btnMenu, onMenu)       // menu_callback_handler (btnMenu.Unique == "menu")
//	tr.Handle(tele.OnText, onText)    // text_handler, and unknown_command_handler
//	tr.Handle(tele.OnCallback, onCb)  // callback_handler
//
// # Where tracking sits
//
// Telebot builds a route's chain at Handle time as: the middleware installed
// with Use on the bot, then on the group, then the middleware passed to
// Handle, then the handler. The tracker adds itself as the first middleware
// passed to Handle, so:
//
//   - middleware given to Handle runs inside the tracked action: its time
//     counts, and an update it rejects is still a run of the route;
//   - middleware installed with Use runs outside it, as without telebotmetrics: a
//     global filter that drops an update means no handler ran and nothing is
//     recorded, and a recover middleware installed with Use (such as
//     telebot's middleware.Recover) sees the handler's panic after the
//     tracker has recorded it.
//
// # Outcomes
//
// A returned error is recorded as "error" and returned unchanged, so it
// still reaches the middleware installed with Use and then the bot's
// OnError. A panic is recorded as "error" and continues unchanged: with a
// recover middleware installed with Use it is recovered there; without one
// it ends the process, as it would without telebotmetrics, because telebot runs
// handlers on their own goroutines.
//
// # Unknown commands and callbacks
//
// Telebot hands a command that has no route to the OnText handler, and a
// callback whose button has no route to the OnCallback handler. A run of the
// OnText handler for a message that is a command (telebot's own syntax,
// "/word" or "/word@bot" followed by a space or the end) is recorded as
// unknown_command_handler, any other as text_handler (or the name given to
// HandleAs). Without an OnText handler telebot drops unknown commands and
// nothing is recorded. Callbacks without a route are recorded under the
// OnCallback handler's name, callback_handler by default.
//
// # Updates
//
// Each update a route takes is also counted for the bot's health:
// genapp_telegram_updates_total{type}, genapp_telegram_update_lag_sec{type}
// (from the date Telegram stamped it with; callbacks and queries have none)
// and genapp_telegram_handlers_in_flight while the route runs. Telebot has
// no middleware for all updates (Use middleware is copied into each
// route), so this is done by the tracked route too: an update that no
// route takes (no handler for its kind, a command for another bot), or
// that a Use filter drops, is not counted.
//
// # Polling
//
// Give the bot a [Poller] instead of telebot's LongPoller, which retries a
// failing getUpdates at once, thousands of times a second, and silently:
// the Poller backs off, honours retry_after, stops on 401 and 409, reports
// every failure to OnError, and survives answers that make telebot panic.
//
// # The bot token
//
// telebotmetrics writes no log lines and makes no errors of its own. Errors from
// telebot's HTTP calls quote the request URL, which contains the token;
// give the bot an *http.Client from this module's httpclient package (its
// Telegram preset removes the token from errors) to keep it out of OnError.
package telebotmetrics
