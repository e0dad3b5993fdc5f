// Package webhook serves the updates Telegram POSTs to a bot's webhook, for
// a bot of any library, and watches the webhook from Telegram's side.
//
// [Handler] refuses what Telegram did not send (a request without the
// secret token given to setWebhook, another method, an oversized body)
// before the bot sees it, and names its route so that metrics.Middleware
// records every request under one resource, [Resource], whatever path the
// webhook is served on.
//
// [Monitor] polls getWebhookInfo and records the updates Telegram holds for
// the webhook and the age of its last failed delivery, which the bot
// cannot see from its own requests.
package webhook
