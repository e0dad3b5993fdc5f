package metrics

import "strings"

// Reasons of genapp_telegram_api_errors_total: why the Bot API refused a
// call, from the error_code and description of its answer. The description
// itself is never a label value.
const (
	TelegramErrorBlockedByUser      = "blocked_by_user"      // the user blocked the bot
	TelegramErrorUserDeactivated    = "user_deactivated"     // the user deleted their account
	TelegramErrorChatNotFound       = "chat_not_found"       // no such chat or user, or it is gone
	TelegramErrorKickedFromChat     = "kicked_from_chat"     // the bot was removed from the group or channel
	TelegramErrorNotEnoughRights    = "not_enough_rights"    // the bot lacks a right in the chat
	TelegramErrorCantInitiate       = "cant_initiate"        // the user never started the bot, or is a bot
	TelegramErrorMessageNotModified = "message_not_modified" // an edit that changes nothing
	TelegramErrorMessageNotFound    = "message_not_found"    // the message to edit, delete, forward or reply to is gone
	TelegramErrorMessageTooLong     = "message_too_long"     // text or caption over the limit
	TelegramErrorFloodWait          = "flood_wait"           // 429 Too Many Requests
	TelegramErrorBadRequest         = "bad_request"          // any other 400
	TelegramErrorUnauthorized       = "unauthorized"         // 401: the token is revoked or wrong
	TelegramErrorConflict           = "conflict"             // 409: a webhook is set, or another instance polls
	TelegramErrorServerError        = "server_error"         // 5xx
	TelegramErrorOther              = "other"                // anything else
)

// telegramErrorReasons are the reasons, "other" last.
var telegramErrorReasons = [...]string{
	TelegramErrorBlockedByUser, TelegramErrorUserDeactivated, TelegramErrorChatNotFound, TelegramErrorKickedFromChat,
	TelegramErrorNotEnoughRights, TelegramErrorCantInitiate, TelegramErrorMessageNotModified, TelegramErrorMessageNotFound,
	TelegramErrorMessageTooLong, TelegramErrorFloodWait, TelegramErrorBadRequest, TelegramErrorUnauthorized,
	TelegramErrorConflict, TelegramErrorServerError, TelegramErrorOther,
}

// telegramErrorRules map the start or part of a description, in lower
// case, to its reason, tried in order.
var telegramErrorRules = []struct {
	part   string
	reason string
}{
	{"bot was blocked by the user", TelegramErrorBlockedByUser},
	{"user is deactivated", TelegramErrorUserDeactivated},
	{"bot was kicked from", TelegramErrorKickedFromChat},
	{"bot is not a member of", TelegramErrorKickedFromChat},
	{"bot can't initiate conversation", TelegramErrorCantInitiate},
	{"bot can't send messages to bots", TelegramErrorCantInitiate},
	{"bot can't send messages to the user", TelegramErrorCantInitiate},
	{"chat not found", TelegramErrorChatNotFound},
	{"user not found", TelegramErrorChatNotFound},
	{"peer_id_invalid", TelegramErrorChatNotFound},
	{"chat was deactivated", TelegramErrorChatNotFound},
	{"chat was deleted", TelegramErrorChatNotFound},
	{"not enough rights", TelegramErrorNotEnoughRights},
	{"have no rights", TelegramErrorNotEnoughRights},
	{"need administrator rights", TelegramErrorNotEnoughRights},
	{"chat_admin_required", TelegramErrorNotEnoughRights},
	{"chat_write_forbidden", TelegramErrorNotEnoughRights},
	{"_forbidden", TelegramErrorNotEnoughRights}, // CHAT_SEND_GIFS_FORBIDDEN and its kin
	{"restricted message forwarding", TelegramErrorNotEnoughRights},
	{"message is not modified", TelegramErrorMessageNotModified},
	{"message to edit not found", TelegramErrorMessageNotFound},
	{"message to delete not found", TelegramErrorMessageNotFound},
	{"message to forward not found", TelegramErrorMessageNotFound},
	{"message to copy not found", TelegramErrorMessageNotFound},
	{"message to react not found", TelegramErrorMessageNotFound},
	{"message to pin not found", TelegramErrorMessageNotFound},
	{"reply message not found", TelegramErrorMessageNotFound},
	{"message to be replied not found", TelegramErrorMessageNotFound},
	{"message_id_invalid", TelegramErrorMessageNotFound},
	{"message is too long", TelegramErrorMessageTooLong},
	{"message_too_long", TelegramErrorMessageTooLong},
	{"caption is too long", TelegramErrorMessageTooLong},
	{"media_caption_too_long", TelegramErrorMessageTooLong},
}

// TelegramErrorReason returns the reason of a Bot API error answer: one of
// the TelegramError* constants, from its error_code and description.
// Descriptions are matched by their known wording, in any case; the code
// decides for the others (400 bad_request, 401 unauthorized, 409 conflict,
// 429 flood_wait, 5xx server_error, else other).
func TelegramErrorReason(code int, description string) string {
	switch {
	case code == 429:
		return TelegramErrorFloodWait
	case code == 401:
		return TelegramErrorUnauthorized
	case code == 409:
		return TelegramErrorConflict
	case code >= 500 && code <= 599:
		return TelegramErrorServerError
	}
	if len(description) <= 512 {
		d := strings.ToLower(description)
		for _, r := range telegramErrorRules {
			if strings.Contains(d, r.part) {
				return r.reason
			}
		}
	}
	if code == 400 {
		return TelegramErrorBadRequest
	}
	return TelegramErrorOther
}
