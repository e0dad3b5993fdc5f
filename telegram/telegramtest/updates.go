package telegramtest

import (
	"context"
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"time"
)

// pendingUpdate is an update queued for the bot and not yet confirmed.
type pendingUpdate struct {
	id  int
	raw json.RawMessage // the encoded update, update_id included
}

// apiMessage is a Bot API Message, as far as this server fills it in.
type apiMessage struct {
	MessageID   int             `json:"message_id"`
	From        *User           `json:"from,omitempty"`
	Chat        apiChat         `json:"chat"`
	Date        int64           `json:"date"`
	EditDate    int64           `json:"edit_date,omitempty"`
	Text        string          `json:"text,omitempty"`
	Caption     string          `json:"caption,omitempty"`
	Entities    []apiEntity     `json:"entities,omitempty"`
	ReplyMarkup json.RawMessage `json:"reply_markup,omitempty"`
}

type apiChat struct {
	ID        int64  `json:"id"`
	Type      string `json:"type"`
	FirstName string `json:"first_name,omitempty"`
}

type apiEntity struct {
	Type   string `json:"type"`
	Offset int    `json:"offset"`
	Length int    `json:"length"`
}

// chatOf returns the chat with id: positive ids are private chats with the
// user of the same id, as in the real API; negative ids are groups, and
// "-100..." ids supergroups.
func chatOf(id int64) apiChat {
	switch {
	case id > 0:
		return apiChat{ID: id, Type: "private", FirstName: "Test"}
	case id <= -1_000_000_000_000:
		return apiChat{ID: id, Type: "supergroup"}
	default:
		return apiChat{ID: id, Type: "group"}
	}
}

// userOf returns the simulated user behind chat id.
func userOf(id int64) *User {
	return &User{ID: id, FirstName: "Test", Username: "user" + strconv.FormatInt(id, 10)}
}

// commandRx matches a bot command at the start of a text, with its optional
// "@botname" suffix, as Telegram marks it with a bot_command entity.
var commandRx = regexp.MustCompile(`^/[A-Za-z0-9_]{1,32}(@[A-Za-z0-9_]+)?`)

// SendText queues a text message from the user chatID in the private chat
// with the bot (chatID is both the user and the chat id; use a positive
// number) and returns its update_id. Its date is now. A text starting with a
// command, such as "/start" or "/start@test_bot payload", carries a
// bot_command entity that covers the command and its @botname suffix, as
// real clients send it.
func (s *Server) SendText(chatID int64, text string) int {
	return s.SendTextAt(chatID, text, time.Now())
}

// SendTextAt is [Server.SendText] with the message dated date, in whole
// seconds as Telegram stamps them: a date in the past simulates an update
// that waited that long for the bot, as behind a backlog.
func (s *Server) SendTextAt(chatID int64, text string, date time.Time) int {
	return s.enqueue(func() map[string]any {
		msg := apiMessage{
			MessageID: s.newMessageID(),
			From:      userOf(chatID),
			Chat:      chatOf(chatID),
			Date:      date.Unix(),
			Text:      text,
		}
		if cmd := commandRx.FindString(text); cmd != "" {
			// The command is ASCII, so its length in bytes is its length in
			// the UTF-16 code units that entity offsets count.
			msg.Entities = []apiEntity{{Type: "bot_command", Offset: 0, Length: len(cmd)}}
		}
		return map[string]any{"message": msg}
	})
}

// PressButton queues a callback_query with data, as if the user chatID
// pressed an inline button on the last message the bot sent to that chat
// (a fresh bot message if there is none), and returns its update_id. The
// callback query id is the decimal update_id, so a test can find it in
// [Server.Answered]. For telebot buttons, data is "\f<unique>|<payload>".
func (s *Server) PressButton(chatID int64, data string) int {
	return s.enqueue(func() map[string]any {
		return map[string]any{"callback_query": map[string]any{
			"id":            strconv.Itoa(s.nextUpdateID),
			"from":          userOf(chatID),
			"message":       s.lastBotMessage(chatID),
			"chat_instance": strconv.FormatInt(chatID, 10),
			"data":          data,
		}}
	})
}

// SendUpdate queues any update, such as a photo message or a
// chosen_inline_result, and returns the update_id the server assigned to
// it (replacing any update_id in u). A message of a message-like update
// (message, edited_message, channel_post, edited_channel_post,
// business_message, edited_business_message) given as a map[string]any
// without a "date" is dated now, as Telegram dates every message; u itself
// is not changed. u is encoded as JSON; SendUpdate panics if it cannot be.
func (s *Server) SendUpdate(u map[string]any) int {
	return s.enqueue(func() map[string]any {
		c := make(map[string]any, len(u)+1)
		for k, v := range u {
			c[k] = v
		}
		for _, field := range messageFields {
			if msg, ok := c[field].(map[string]any); ok {
				if _, dated := msg["date"]; !dated {
					dated := make(map[string]any, len(msg)+1)
					for k, v := range msg {
						dated[k] = v
					}
					dated["date"] = time.Now().Unix()
					c[field] = dated
				}
			}
		}
		return c
	})
}

// messageFields are the fields of an Update that hold a Message.
var messageFields = [...]string{"message", "edited_message", "channel_post", "edited_channel_post", "business_message", "edited_business_message"}

// Pending returns the number of queued updates the bot has not confirmed
// (by a later getUpdates offset or a successful webhook delivery).
func (s *Server) Pending() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.updates)
}

// enqueue assigns the next update_id, encodes the update built by build
// (called with s.mu held) and wakes waiting long polls.
func (s *Server) enqueue(build func() map[string]any) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextUpdateID++
	u := build()
	u["update_id"] = s.nextUpdateID
	raw, err := json.Marshal(u)
	if err != nil {
		panic("telegramtest: encoding update: " + err.Error())
	}
	s.updates = append(s.updates, pendingUpdate{id: s.nextUpdateID, raw: raw})
	s.notify()
	return s.nextUpdateID
}

// newMessageID returns the next message id. s.mu must be held.
func (s *Server) newMessageID() int {
	s.nextMessageID++
	return s.nextMessageID
}

// getUpdates implements long polling; the package documentation states
// its semantics.
func (s *Server) getUpdates(ctx context.Context, p map[string]string) response {
	offset, err1 := intParam(p, "offset", 0)
	limit, err2 := intParam(p, "limit", 100)
	timeout, err3 := intParam(p, "timeout", 0)
	if err1 != nil || err2 != nil || err3 != nil {
		return badRequest("offset, limit and timeout must be integers")
	}
	limit = min(max(limit, 1), 100)
	wait := min(time.Duration(max(timeout, 0))*time.Second, s.longPollMax)
	timer := time.NewTimer(wait)
	defer timer.Stop()

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.webhook.url != "" {
		return apiError(http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
	}
	s.pollGen++
	gen := s.pollGen
	s.notify() // ends an older waiting poll
	s.confirm(offset)
	waiting := wait > 0
	for {
		if gen != s.pollGen {
			return apiError(http.StatusConflict, "Conflict: terminated by other getUpdates request; make sure that only one bot instance is running")
		}
		if s.webhook.url != "" {
			return apiError(http.StatusConflict, "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first")
		}
		if len(s.updates) > 0 || !waiting {
			n := min(limit, len(s.updates))
			result := make([]json.RawMessage, n)
			for i := range n {
				result[i] = s.updates[i].raw
			}
			return ok(result)
		}
		changed := s.changed
		s.mu.Unlock()
		select {
		case <-changed:
		case <-timer.C:
			waiting = false
		case <-ctx.Done():
			waiting = false
		case <-s.ctx.Done():
			waiting = false
		}
		s.mu.Lock()
	}
}

// confirm drops the updates that offset confirms. s.mu must be held.
func (s *Server) confirm(offset int) {
	switch {
	case offset > 0:
		i := 0
		for i < len(s.updates) && s.updates[i].id < offset {
			i++
		}
		s.updates = s.updates[i:]
	case offset < 0 && -offset < len(s.updates):
		s.updates = s.updates[len(s.updates)+offset:]
	}
}

// intParam parses an optional integer parameter.
func intParam(p map[string]string, name string, def int) (int, error) {
	v, found := p[name]
	if !found || v == "" {
		return def, nil
	}
	return strconv.Atoi(v)
}
