package telegometrics

import (
	"context"

	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"
)

// Kind is a kind of update, or of message, that [Tracker.On] routes. Its
// name is that of the Bot API field; a route's action name is the kind
// followed by "_handler".
type Kind string

// Kinds [Tracker.On] accepts.
const (
	// Messages, by content. Register them after the command routes: a
	// command is a text message too.
	KindText      Kind = "text" // th.AnyMessageWithText; a command it takes is unknown_command_handler
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
	KindMessage   Kind = "message" // th.AnyMessage; a command it takes is unknown_command_handler
	// KindUnknownCommand takes any command (th.AnyCommand): register it
	// after the command routes. Its action is unknown_command_handler.
	KindUnknownCommand Kind = "unknown_command"

	// Updates other than messages. KindCallback takes any callback query
	// (th.AnyCallbackQuery): register it after the Callback routes, for
	// the buttons none of them takes.
	KindCallback                Kind = "callback"
	KindEditedMessage           Kind = "edited_message"
	KindChannelPost             Kind = "channel_post"
	KindEditedChannelPost       Kind = "edited_channel_post"
	KindBusinessConnection      Kind = "business_connection"
	KindBusinessMessage         Kind = "business_message"
	KindEditedBusinessMessage   Kind = "edited_business_message"
	KindDeletedBusinessMessages Kind = "deleted_business_messages"
	KindMessageReaction         Kind = "message_reaction"
	KindMessageReactionCount    Kind = "message_reaction_count"
	KindInlineQuery             Kind = "inline_query"
	KindChosenInlineResult      Kind = "chosen_inline_result"
	KindShippingQuery           Kind = "shipping_query"
	KindPreCheckoutQuery        Kind = "pre_checkout_query"
	KindPurchasedPaidMedia      Kind = "purchased_paid_media"
	KindPoll                    Kind = "poll"
	KindPollAnswer              Kind = "poll_answer"
	KindMyChatMember            Kind = "my_chat_member"
	KindChatMember              Kind = "chat_member"
	KindChatJoinRequest         Kind = "chat_join_request"
	KindChatBoost               Kind = "chat_boost"
	KindRemovedChatBoost        Kind = "removed_chat_boost"
)

// kindPredicates is the telego predicate of each kind.
var kindPredicates = map[Kind]th.Predicate{
	KindText:           th.AnyMessageWithText(),
	KindPhoto:          withMessage(func(m *telego.Message) bool { return len(m.Photo) > 0 }),
	KindVoice:          withMessage(func(m *telego.Message) bool { return m.Voice != nil }),
	KindAudio:          withMessage(func(m *telego.Message) bool { return m.Audio != nil }),
	KindAnimation:      withMessage(func(m *telego.Message) bool { return m.Animation != nil }),
	KindDocument:       withMessage(func(m *telego.Message) bool { return m.Document != nil }),
	KindSticker:        withMessage(func(m *telego.Message) bool { return m.Sticker != nil }),
	KindVideo:          withMessage(func(m *telego.Message) bool { return m.Video != nil }),
	KindVideoNote:      withMessage(func(m *telego.Message) bool { return m.VideoNote != nil }),
	KindContact:        withMessage(func(m *telego.Message) bool { return m.Contact != nil }),
	KindLocation:       withMessage(func(m *telego.Message) bool { return m.Location != nil }),
	KindMessage:        th.AnyMessage(),
	KindUnknownCommand: th.AnyCommand(),

	KindCallback:                th.AnyCallbackQuery(),
	KindEditedMessage:           th.AnyEditedMessage(),
	KindChannelPost:             th.AnyChannelPost(),
	KindEditedChannelPost:       th.AnyEditedChannelPost(),
	KindBusinessConnection:      th.AnyBusinessConnection(),
	KindBusinessMessage:         th.AnyBusinessMessage(),
	KindEditedBusinessMessage:   th.AnyEditedBusinessMessage(),
	KindDeletedBusinessMessages: th.AnyDeletedBusinessMessages(),
	KindMessageReaction:         th.AnyMessageReaction(),
	KindMessageReactionCount:    th.AnyMessageReactionCount(),
	KindInlineQuery:             th.AnyInlineQuery(),
	KindChosenInlineResult:      th.AnyChosenInlineResult(),
	KindShippingQuery:           th.AnyShippingQuery(),
	KindPreCheckoutQuery:        th.AnyPreCheckoutQuery(),
	KindPurchasedPaidMedia:      th.AnyPurchasedPaidMedia(),
	KindPoll:                    th.AnyPoll(),
	KindPollAnswer:              th.AnyPollAnswer(),
	KindMyChatMember:            th.AnyMyChatMember(),
	KindChatMember:              th.AnyChatMember(),
	KindChatJoinRequest:         th.AnyChatJoinRequest(),
	KindChatBoost:               th.AnyChatBoost(),
	KindRemovedChatBoost:        th.AnyRemovedChatBoost(),
}

// withMessage is the predicate of the messages that has.
func withMessage(has func(*telego.Message) bool) th.Predicate {
	return func(_ context.Context, u telego.Update) bool { return u.Message != nil && has(u.Message) }
}
