// Package telebotmetrics/v4 tracks the handlers of a gopkg.in/telebot.v4 bot as
// actions, exactly as package telebotmetrics does for telebot v3: each run of a
// handler counts in genapp_action_count_total with status "ok" or "error"
// and its duration goes to genapp_action_duration_sec, under the name
// telegram.ActionName derives from the endpoint it was registered for.
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
// Telebot v4, like v3, builds a route's chain at Handle time: the
// middleware installed with Use on the bot, then on the group, then the
// middleware passed to Handle, then the handler. The tracker is the first
// middleware passed to Handle: middleware given to Handle runs inside the
// tracked action; middleware installed with Use runs outside it, so a
// global filter that drops an update means nothing is recorded, and a
// recover middleware installed with Use sees a panic after it was
// recorded.
//
// # Outcomes
//
// A returned error is recorded as "error" (error_name flood_wait for
// telebot's FloodError) and returned unchanged, to the Use middleware and
// then the bot's OnError. A panic is recorded as "error" and continues
// unchanged: telebot v4's middleware.Recover, installed with Use, hands
// an error or string panic to OnError (and drops any other value);
// without a recover middleware the panic ends the process, as it would
// without telebotmetrics/v4, because telebot runs handlers on their own goroutines.
//
// # Unknown commands, forwards and replies
//
// A run of the OnText handler for a message that is a command (telebot's
// syntax, "/word" or "/word@bot" followed by a space or the end) is
// recorded as unknown_command_handler, any other as text_handler (or the
// name given to HandleAs). Callbacks without a route are recorded under
// the OnCallback handler's name. Telebot v4 runs the OnForward handler
// for a forwarded message, and the OnReply handler for a reply text that
// no command or text route takes, in addition to the route that takes the
// message: each is a run of its own action.
//
// # Updates
//
// As with telebotmetrics, each update a route takes is counted by the tracked route
// for the bot's health (genapp_telegram_updates_total{type},
// genapp_telegram_update_lag_sec{type}, genapp_telegram_handlers_in_flight):
// telebot has no middleware for all updates. An update that no route
// takes, or that a Use filter drops, is not counted; OnForward and OnReply
// runs do not count it again (a forward or reply that only they take is
// not counted either).
//
// # Polling
//
// Give the bot a [Poller] instead of telebot's LongPoller, which, in v4 as
// in v3, retries a failing getUpdates at once and silently (see [Poller]).
//
// # The bot token
//
// telebotmetrics/v4 writes no log lines and makes no errors of its own that hold the
// token. Telebot's HTTP errors quote the request URL, token included: give
// the bot an *http.Client from this module's httpclient package (its
// Telegram preset removes the token from errors) to keep it out of
// OnError.
package telebotmetrics
