package telegram

import (
	"fmt"
	"slices"
)

// UpdateType names the field of the Bot API's Update object that carries an
// update: the type label of genapp_telegram_updates_total and
// genapp_telegram_update_lag_sec, and what a Poller's WithAllowedUpdates
// asks Telegram for.
type UpdateType string

// The update types of the Bot API, in the order of its documentation.
const (
	UpdateMessage                 UpdateType = "message"
	UpdateEditedMessage           UpdateType = "edited_message"
	UpdateChannelPost             UpdateType = "channel_post"
	UpdateEditedChannelPost       UpdateType = "edited_channel_post"
	UpdateBusinessConnection      UpdateType = "business_connection"
	UpdateBusinessMessage         UpdateType = "business_message"
	UpdateEditedBusinessMessage   UpdateType = "edited_business_message"
	UpdateDeletedBusinessMessages UpdateType = "deleted_business_messages"
	UpdateMessageReaction         UpdateType = "message_reaction"
	UpdateMessageReactionCount    UpdateType = "message_reaction_count"
	UpdateInlineQuery             UpdateType = "inline_query"
	UpdateChosenInlineResult      UpdateType = "chosen_inline_result"
	UpdateCallbackQuery           UpdateType = "callback_query"
	UpdateShippingQuery           UpdateType = "shipping_query"
	UpdatePreCheckoutQuery        UpdateType = "pre_checkout_query"
	UpdatePurchasedPaidMedia      UpdateType = "purchased_paid_media"
	UpdatePoll                    UpdateType = "poll"
	UpdatePollAnswer              UpdateType = "poll_answer"
	UpdateMyChatMember            UpdateType = "my_chat_member"
	UpdateChatMember              UpdateType = "chat_member"
	UpdateChatJoinRequest         UpdateType = "chat_join_request"
	UpdateChatBoost               UpdateType = "chat_boost"
	UpdateRemovedChatBoost        UpdateType = "removed_chat_boost"

	// UpdateOther is the type label of an update of none of the types
	// above: one of a Bot API newer than this module.
	UpdateOther UpdateType = "other"
)

var updateTypes = [...]UpdateType{
	UpdateMessage, UpdateEditedMessage, UpdateChannelPost, UpdateEditedChannelPost,
	UpdateBusinessConnection, UpdateBusinessMessage, UpdateEditedBusinessMessage, UpdateDeletedBusinessMessages,
	UpdateMessageReaction, UpdateMessageReactionCount, UpdateInlineQuery, UpdateChosenInlineResult,
	UpdateCallbackQuery, UpdateShippingQuery, UpdatePreCheckoutQuery, UpdatePurchasedPaidMedia,
	UpdatePoll, UpdatePollAnswer, UpdateMyChatMember, UpdateChatMember, UpdateChatJoinRequest,
	UpdateChatBoost, UpdateRemovedChatBoost,
}

// UpdateTypes returns the Bot API's update types, [UpdateOther] left out.
// The slice is the caller's.
func UpdateTypes() []UpdateType { return slices.Clone(updateTypes[:]) }

// CheckUpdateTypes returns an error that names the first of types that is
// not one of [UpdateTypes], and nil when every one is.
func CheckUpdateTypes(types ...UpdateType) error {
	for _, t := range types {
		if !slices.Contains(updateTypes[:], t) {
			return fmt.Errorf("unknown update type %q: want one of the telegram.Update* constants, such as %q", t, UpdateMessage)
		}
	}
	return nil
}

// Kind is what a route of kind takes (the On method of the adapters that
// route by kind): messages by content, any command no command route takes,
// any button no button route takes, or an update type other than message.
// A route's action name is its kind followed by "_handler".
type Kind string

// The kinds.
const (
	// Messages, by content. Register them after the command routes: a
	// command is a text message too, and one that a KindText or
	// KindMessage route takes is recorded as unknown_command_handler.
	KindText      Kind = "text"
	KindPhoto     Kind = "photo"
	KindVoice     Kind = "voice"
	KindAudio     Kind = "audio"
	KindAnimation Kind = "animation"
	KindDocument  Kind = "document"
	KindSticker   Kind = "sticker"
	KindVideo     Kind = "video"
	KindVideoNote Kind = "video_note"
	KindContact   Kind = "contact"
	KindLocation  Kind = "location"
	KindMessage   Kind = "message" // any message no other route takes

	// KindUnknownCommand takes any command no command route takes; its
	// action is unknown_command_handler.
	KindUnknownCommand Kind = "unknown_command"
	// KindCallback takes any callback query no button route takes; its
	// action is callback_handler.
	KindCallback Kind = "callback"

	// Updates other than messages and callback queries, one kind each,
	// named as their [UpdateType].
	KindEditedMessage           Kind = Kind(UpdateEditedMessage)
	KindChannelPost             Kind = Kind(UpdateChannelPost)
	KindEditedChannelPost       Kind = Kind(UpdateEditedChannelPost)
	KindBusinessConnection      Kind = Kind(UpdateBusinessConnection)
	KindBusinessMessage         Kind = Kind(UpdateBusinessMessage)
	KindEditedBusinessMessage   Kind = Kind(UpdateEditedBusinessMessage)
	KindDeletedBusinessMessages Kind = Kind(UpdateDeletedBusinessMessages)
	KindMessageReaction         Kind = Kind(UpdateMessageReaction)
	KindMessageReactionCount    Kind = Kind(UpdateMessageReactionCount)
	KindInlineQuery             Kind = Kind(UpdateInlineQuery)
	KindChosenInlineResult      Kind = Kind(UpdateChosenInlineResult)
	KindShippingQuery           Kind = Kind(UpdateShippingQuery)
	KindPreCheckoutQuery        Kind = Kind(UpdatePreCheckoutQuery)
	KindPurchasedPaidMedia      Kind = Kind(UpdatePurchasedPaidMedia)
	KindPoll                    Kind = Kind(UpdatePoll)
	KindPollAnswer              Kind = Kind(UpdatePollAnswer)
	KindMyChatMember            Kind = Kind(UpdateMyChatMember)
	KindChatMember              Kind = Kind(UpdateChatMember)
	KindChatJoinRequest         Kind = Kind(UpdateChatJoinRequest)
	KindChatBoost               Kind = Kind(UpdateChatBoost)
	KindRemovedChatBoost        Kind = Kind(UpdateRemovedChatBoost)
)

var kinds = [...]Kind{
	KindText, KindPhoto, KindVoice, KindAudio, KindAnimation, KindDocument, KindSticker,
	KindVideo, KindVideoNote, KindContact, KindLocation, KindMessage, KindUnknownCommand, KindCallback,
	KindEditedMessage, KindChannelPost, KindEditedChannelPost, KindBusinessConnection,
	KindBusinessMessage, KindEditedBusinessMessage, KindDeletedBusinessMessages,
	KindMessageReaction, KindMessageReactionCount, KindInlineQuery, KindChosenInlineResult,
	KindShippingQuery, KindPreCheckoutQuery, KindPurchasedPaidMedia, KindPoll, KindPollAnswer,
	KindMyChatMember, KindChatMember, KindChatJoinRequest, KindChatBoost, KindRemovedChatBoost,
}

// Kinds returns every kind. The slice is the caller's.
func Kinds() []Kind { return slices.Clone(kinds[:]) }

// CheckKind returns an error that names kind when it is not one of
// [Kinds].
func CheckKind(kind Kind) error {
	if !slices.Contains(kinds[:], kind) {
		return fmt.Errorf("unknown kind %q: want one of the telegram.Kind* constants, such as %q", kind, KindText)
	}
	return nil
}
