// Package gotelegrammetrics tracks the handlers of a github.com/go-telegram/bot bot
// as actions: each run of a handler counts in genapp_action_count_total with
// status "ok" or "error" and its duration goes to
// genapp_action_duration_sec, under the name [telegram.ActionName] derives
// from the route it was registered for.
//
// Register handlers through a [Tracker] instead of the bot:
//
//	tr := gotelegrammetrics.New()
//	b, err := bot.New(httpclient.TokenPlaceholder,
//		bot.WithHTTPClient(time.Minute, httpclient.NewTelegram(token)),
//		bot.WithDefaultHandler(tr.DefaultHandler(onText))) // text_handler, unknown_command_handler
//	tr.RegisterHandler(b, bot.HandlerTypeMessageText, "start", bot.MatchTypeCommand, onStart)       // start_handler
//	tr.RegisterHandler(b, bot.HandlerTypeCallbackQueryData, "menu:", bot.MatchTypePrefix, onMenu)   // menu_callback_handler
//
// # Where tracking sits
//
// The bot chooses a handler, then runs it inside the middlewares given to
// bot.WithMiddlewares, which cannot tell which handler was chosen: that is
// why tracking is added at registration, as the first of the route's own
// middlewares. Middleware passed to RegisterHandler runs inside the
// tracked action; global middleware runs outside it.
//
// # Outcomes
//
// go-telegram/bot handlers return nothing. A handler marks its run failed
// with [Fail], passing the context it was given and the error: the run is
// then recorded as "error", with the error_name the error gives (a 429 of
// the Bot API, a *bot.TooManyRequestsError, is "flood_wait"). A handler
// that does not call Fail succeeded.
//
// A panic is recorded as "error" (error_name "panic") and continues
// unchanged. go-telegram/bot v1.19.0 recovers no panic: it runs each
// handler on a goroutine of its own, so a panic ends the process, as it
// does without gotelegrammetrics.
//
// # Update health
//
// A tracked handler also records the update it handles in the
// genapp_telegram_updates_total, _update_lag_sec and _handlers_in_flight
// families, once per update: a tracked handler that another calls with
// its context records its own action only. A handler registered on the bot
// directly records nothing; [Tracker.Middleware] records every update the
// bot dispatches, whichever handler it goes to.
//
// # Polling and shutdown
//
// The bot's own getUpdates loop (b.Start) ignores retry_after, retries a
// revoked token (401) or a conflict (409) for ever, and stops receiving
// anything once the Bot API sends one update it cannot decode; b.Start
// returns without waiting for the handlers it started. Use a [Poller]
// instead, and [Tracker.Wait] to let handlers in flight finish. The bot
// starts each handler on a goroutine of its own: install
// [Tracker.Middleware] for Wait to see an update handed over just before
// the stop whose goroutine has not run yet.
//
// # The bot token
//
// No log line or error of gotelegrammetrics holds the token (a [Poller] logs its
// failures, masked, unless [WithErrorsHandler] takes them).
// Give the bot httpclient.TokenPlaceholder as its token and a client from
// httpclient.NewTelegram, which puts the real token in on the way out: the
// bot's errors and logs (which quote request URLs and answers) then never
// hold it.
package gotelegrammetrics
