// Package telegometrics tracks the handlers of a github.com/mymmrac/telego bot
// as actions: each run of a handler counts in genapp_action_count_total with
// status "ok" or "error" and its duration goes to genapp_action_duration_sec,
// under the name [telegram.ActionName] derives from what the handler is
// registered for.
//
// Telego routes by predicates, which are opaque functions: no name can be
// read from them. Register handlers through a [Tracker] instead of the
// *th.BotHandler or *th.HandlerGroup: it builds the telego predicates and
// the action name together.
//
//	tr := telegometrics.New(bh)
//	tr.Command("start", onStart)                   // th.CommandEqual("start"): start_handler
//	tr.Callback("menu", onMenu)                    // menu, menu:42, menu|42: menu_callback_handler
//	tr.On(telegometrics.KindUnknownCommand, onOther) // th.AnyCommand(): unknown_command_handler
//	tr.On(telegometrics.KindText, onText)            // th.AnyMessageWithText(): text_handler
//	tr.HandleAs("faq_handler", onFAQ, th.TextContains("?"))
//
// Telego hands an update to the first route, in the order of registration,
// whose predicates match: register commands and buttons before the routes
// that take any command or any text, as with telego alone.
//
// # Where tracking sits
//
// The tracked action is the handler alone. Middleware installed with Use
// runs around it, as without telegometrics: a middleware that drops an update
// means no handler ran and nothing is recorded, and th.PanicRecovery sees
// a handler's panic after the tracker has recorded it.
//
// # Outcomes
//
// A returned error is recorded as "error" and returned unchanged, so it
// still reaches the middleware and then th.WithErrorHandler (or the bot's
// logger). A Bot API 429 is recorded with error_name "flood_wait". A panic
// is recorded as "error" and continues unchanged: with th.PanicRecovery
// installed with Use it is recovered there; without it, it ends the
// process, as it would without telegometrics, because telego runs handlers
// on their own goroutines.
//
// # Unknown commands
//
// A message that is a command (telego's th.CommandRegexp) handled by the
// [KindText] or [KindMessage] route is recorded as unknown_command_handler:
// a command route registered before would have taken it.
//
// # The bot token and the HTTP client
//
// Telego uses fasthttp by default, which this module's httpclient cannot
// instrument, and checks the token's format, which
// httpclient.TokenPlaceholder does not pass. Give the bot [TokenPlaceholder]
// and [WithClient]: the Bot API calls then go through an
// httpclient.NewTelegram client, which adds the real token below
// net/http, so that no URL, error or log line of telego holds it.
//
// # Polling
//
// Telego's UpdatesViaLongPolling retries every failure after a fixed 8 s,
// for ever: a revoked token (401) or a webhook (409) is retried until the
// process is stopped, a retry_after longer than 8 s is not honoured, an
// answer with no update that comes back at once is polled again at once,
// and one update it cannot parse fails the whole answer again and again.
// [Poller] replaces it, on the shared policy of the other adapters.
package telegometrics
