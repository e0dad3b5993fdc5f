package gotgbotmetrics

import (
	"reflect"
	"strings"

	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/message"

	"github.com/genapp-go/genapp/telegram"
)

// unwrap returns the handler that handlers.Named wrap (through pointers),
// which says what the handler is.
func unwrap(h ext.Handler) ext.Handler {
	for range 10 { // Named in Named: bounded, a cycle cannot be built but a deep chain could
		switch n := h.(type) {
		case handlers.Named:
			h = n.Handler
		case *handlers.Named:
			h = n.Handler
		default:
			return deref(h)
		}
	}
	return deref(h)
}

// deref returns the value a pointer to one of gotgbot's handlers points to.
func deref(h ext.Handler) ext.Handler {
	switch p := h.(type) {
	case *handlers.Command:
		return *p
	case *handlers.Message:
		return *p
	case *handlers.CallbackQuery:
		return *p
	}
	return h
}

// actionName is the name the type of h gives its action.
func actionName(h ext.Handler) string {
	switch h := unwrap(h).(type) {
	case handlers.Command:
		return telegram.ActionName("/" + h.Command)
	case handlers.Message:
		return telegram.ActionName("\a" + messageKind(h.Filter))
	case handlers.CallbackQuery:
		return telegram.UnroutedCallback
	case nil: // a handlers.Named around nothing, which gotgbot runs (and panics on) all the same
		return telegram.ActionName("\anamed")
	default:
		kind, ok := updateKinds[reflect.TypeOf(h).Name()]
		if !ok {
			kind = reflect.TypeOf(h).String()
			kind = kind[strings.LastIndexByte(kind, '.')+1:]
			kind = snake(kind)
		}
		return telegram.ActionName("\a" + kind)
	}
}

// updateKinds are the update kinds of the handlers of package handlers,
// by type name.
var updateKinds = map[string]string{
	"BusinessConnection": "business_connection",
	"ChatJoinRequest":    "chat_join_request",
	"ChatMember":         "chat_member",
	"ChosenInlineResult": "chosen_inline_result",
	"Conversation":       "conversation",
	"InlineQuery":        "inline_query",
	"MyChatMember":       "my_chat_member",
	"Poll":               "poll",
	"PollAnswer":         "poll_answer",
	"PreCheckoutQuery":   "pre_checkout_query",
	"PurchasedPaidMedia": "purchased_paid_media",
	"Reaction":           "message_reaction",
	"ShippingQuery":      "shipping_query",
}

// messageFilters name the message kinds gotgbot's message filters select.
var messageFilters = map[uintptr]string{}

func init() {
	for kind, f := range map[string]filters.Message{
		"text": message.Text, "caption": message.Caption, "command": message.Command,
		"photo": message.Photo, "animation": message.Animation, "audio": message.Audio,
		"document": message.Document, "sticker": message.Sticker, "video": message.Video,
		"video_note": message.VideoNote, "voice": message.Voice, "contact": message.Contact,
		"dice": message.Dice, "game": message.Game, "poll": message.Poll, "venue": message.Venue,
		"location": message.Location, "new_chat_members": message.NewChatMembers,
		"left_chat_member": message.LeftChatMember, "pinned_message": message.PinnedMessage,
		"story": message.Story, "successful_payment": message.SuccessfulPayment,
		"message": message.All,
	} {
		messageFilters[reflect.ValueOf(f).Pointer()] = kind
	}
}

// messageKind names the messages filter selects: one of gotgbot's message
// kinds, else "message".
func messageKind(filter filters.Message) string {
	if filter == nil {
		return "message"
	}
	if kind, ok := messageFilters[reflect.ValueOf(filter).Pointer()]; ok {
		return kind
	}
	return "message"
}

// snake turns a Go type name, "AdminOnly", into "admin_only".
func snake(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			if i > 0 {
				b.WriteByte('_')
			}
			c += 'a' - 'A'
		}
		b.WriteByte(c)
	}
	return b.String()
}
