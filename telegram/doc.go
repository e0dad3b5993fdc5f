// Package telegram names the handlers of Telegram bots as tracked actions, so
// that every route of a bot shows up in genapp_action_count_total and
// genapp_action_duration_sec under a stable, low-cardinality name.
//
// The adapters build on it: package telebotmetrics instruments gopkg.in/telebot.v3 at
// registration time and package tgbotapimetrics is a tracked router for
// github.com/go-telegram-bot-api/telegram-bot-api/v5. Both derive names with
// [ActionName] from the routes the bot registers, never from what users send:
// command arguments, message text and callback payloads never become label
// values.
package telegram
