// Package webhook serves the updates Telegram POSTs to a bot's webhook, for
// a bot of any library: [Handler] refuses what Telegram did not send (a
// request without the secret token given to setWebhook, another method, an
// oversized body) before the bot sees it, and names its route so that
// metrics.Middleware records every request under one resource,
// [Resource], whatever path the webhook is served on.
package webhook
