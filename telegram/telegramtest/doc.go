// Package telegramtest provides a fake Telegram Bot API server for tests, in
// the spirit of net/http/httptest: [NewServer] starts a real HTTP server on the
// loopback interface that speaks the Bot API wire protocol, so a bot built on
// any library (telebot v3 and v4, telegram-bot-api, go-telegram/bot, telego,
// gotgbot, or raw HTTP) runs unmodified against it, with no network access.
//
// Tests play the user with [Server.SendText], [Server.PressButton] and
// [Server.SendUpdate] ([Server.SendTextAt] for a message that waited, as
// behind a backlog: every message is dated, now by default), and read what
// the bot did with [Server.Sent], [Server.WaitSent], [Server.Answered] and
// [Server.Calls]. [Server.Inject] makes calls fail (429 with retry_after,
// 5xx) or slow, to test error paths.
//
// The server accepts requests at both endpoint conventions the libraries use,
// which are the same on the wire: URL + "/bot" + token + "/" + method, with the
// parameters in the query string or in a JSON, form-urlencoded or multipart
// body. Method names are case-insensitive, as in the real API. A wrong token
// gets 401 Unauthorized; any other path 404 Not Found.
//
// What it implements (every other method answers {"ok":true,"result":true}):
//   - getMe: the bot's own [User] (see [Server.Bot]);
//   - getUpdates: long polling as in the real API. offset confirms every
//     update with a lower id, which is then never returned again; a negative
//     offset keeps only the last -offset updates. limit (default 100) is
//     clamped to 1-100. timeout is how many seconds to wait when there is
//     nothing to return, capped by [WithLongPollMax]; the call returns as soon
//     as updates arrive, and [] when the wait ends or the server closes. A
//     newer getUpdates ends a waiting one with 409 Conflict, as when two bot
//     instances run, and getUpdates fails with 409 Conflict while a webhook
//     is set. allowed_updates is accepted and ignored;
//   - sendMessage and the other send* methods, forwardMessage, copyMessage,
//     sendMediaGroup, editMessage*: recorded in [Server.Sent] and answered
//     with a message as the real API does. Like the real API, an edit of a
//     message the bot did not send, or one that changes nothing, fails with
//     400 Bad Request;
//   - answerCallbackQuery: recorded in [Server.Answered];
//   - setWebhook, deleteWebhook and getWebhookInfo, with delivery by
//     [Server.Deliver]; getWebhookInfo reports the pending_update_count and,
//     after a failed delivery, last_error_date and last_error_message;
//   - getFile, and downloads at /file/bot<token>/<file_path> whose content
//     is the text "telegramtest file <file_path>".
//
// The bot token is a secret even in tests: the server never writes it to its
// log, to [Server.Calls], or to any error description.
package telegramtest
