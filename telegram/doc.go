// Package telegram is the vocabulary the bot-library adapters share: the
// action names of routes ([ActionName]: a stable, low-cardinality name from
// what a route is registered for, never from what users send), the Bot
// API's update types ([UpdateType]) and the kinds of routes ([Kind]), and
// the error of their Pollers ([PollError]) with its policy.
//
// Each adapter is a package named after its library, with one contract
// (New, WithMetrics, NewPoller, ParseUpdate): telebotmetrics
// (gopkg.in/telebot.v3, and /v4 for telebot v4), tgbotapimetrics
// (github.com/go-telegram-bot-api/telegram-bot-api/v5), gotelegrammetrics
// (github.com/go-telegram/bot), telegometrics (github.com/mymmrac/telego)
// and gotgbotmetrics (github.com/PaulSonOfLars/gotgbot/v2).
package telegram
