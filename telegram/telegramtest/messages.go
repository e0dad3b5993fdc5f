package telegramtest

import (
	"cmp"
	"context"
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Message is one message the bot sent or edited.
type Message struct {
	// Method is the API method, e.g. "sendMessage" or "editMessageText".
	Method string
	// ChatID is the chat the message is in; 0 for inline messages.
	ChatID int64
	// MessageID is the id of the sent or edited message; 0 for inline
	// messages.
	MessageID int
	// Text is the message text, or the caption of a media message.
	Text string
	// ReplyMarkup is the reply_markup parameter as raw JSON, "" if none.
	ReplyMarkup string
}

// CallbackData returns the callback data of the message's inline buttons,
// row after row, for the test to press one with [Server.PressButton]. It is
// empty when the message has no inline keyboard; buttons without callback
// data (URL buttons, say) give "".
func (m Message) CallbackData() []string {
	var markup struct {
		InlineKeyboard [][]struct {
			CallbackData string `json:"callback_data"`
		} `json:"inline_keyboard"`
	}
	if json.Unmarshal([]byte(m.ReplyMarkup), &markup) != nil {
		return nil
	}
	var data []string
	for _, row := range markup.InlineKeyboard {
		for _, b := range row {
			data = append(data, b.CallbackData)
		}
	}
	return data
}

// messageKey identifies a message, as message ids are unique per chat.
type messageKey struct {
	chat int64
	id   int
}

// Sent returns a snapshot of the messages the bot sent or edited, in order.
func (s *Server) Sent() []Message {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Message(nil), s.sent.kept()...)
}

// WaitSent blocks until the bot has sent at least n messages and returns
// them all (those [WithHistory] keeps). If ctx ends or the server closes first, it returns the messages
// sent so far and an error. Give ctx a deadline.
//
// A message counts as sent once the server has handled the call, which is
// a moment before the bot has read the answer: a test that stops the bot
// right after WaitSent may cancel that last call on the bot's side.
func (s *Server) WaitSent(ctx context.Context, n int) ([]Message, error) {
	for {
		s.mu.Lock()
		sent := append([]Message(nil), s.sent.kept()...)
		total := s.sent.total()
		changed := s.changed
		s.mu.Unlock()
		if total >= n {
			return sent, nil
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return sent, ctx.Err()
		case <-s.ctx.Done():
			return sent, errClosed
		}
	}
}

// Answered returns the ids of the callback queries the bot answered, in
// order.
func (s *Server) Answered() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.answered.kept()...)
}

// chatParam parses the chat_id parameter. Chats are numeric; "@username"
// chats are unknown to this server, as unknown chats are to the real API.
func chatParam(p map[string]string) (int64, *response) {
	v := p["chat_id"]
	if v == "" {
		r := badRequest("chat_id is empty")
		return 0, &r
	}
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id == 0 {
		r := badRequest("chat not found")
		return 0, &r
	}
	return id, nil
}

// inlineMarkup returns the reply markup the API echoes in a message: only
// inline keyboards are part of a message.
func inlineMarkup(raw string) json.RawMessage {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(raw), &m) != nil || m["inline_keyboard"] == nil {
		return nil
	}
	return json.RawMessage(raw)
}

// newBotMessage stores and returns a new message from the bot in chat.
// s.mu must be held.
func (s *Server) newBotMessage(chat int64, text, caption, markup string) *apiMessage {
	m := &apiMessage{
		MessageID:   s.newMessageID(),
		From:        &s.bot,
		Chat:        chatOf(chat),
		Date:        time.Now().Unix(),
		Text:        text,
		Caption:     caption,
		ReplyMarkup: inlineMarkup(markup),
	}
	key := messageKey{chat, m.MessageID}
	s.botMessages[key] = m
	s.botOrder.add(key, func(old messageKey) { delete(s.botMessages, old) })
	return m
}

// record appends to Sent and wakes WaitSent. s.mu must be held.
func (s *Server) record(method string, chat int64, id int, text, markup string) {
	s.sent.add(Message{Method: method, ChatID: chat, MessageID: id, Text: text, ReplyMarkup: markup}, nil)
	s.notify()
}

// sendMessage implements sendMessage, the other send* methods that answer
// with a Message (sendPhoto, sendDocument, ...) and forwardMessage.
func (s *Server) sendMessage(method string, p map[string]string) response {
	chat, bad := chatParam(p)
	if bad != nil {
		return *bad
	}
	text := p["text"]
	if strings.EqualFold(method, "sendMessage") && text == "" {
		return badRequest("message text is empty")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.newBotMessage(chat, text, p["caption"], p["reply_markup"])
	s.record(method, chat, m.MessageID, cmp.Or(text, p["caption"]), p["reply_markup"])
	return ok(*m)
}

// sendMediaGroup sends one message per element of the media parameter and
// answers with the array of them.
func (s *Server) sendMediaGroup(method string, p map[string]string) response {
	chat, bad := chatParam(p)
	if bad != nil {
		return *bad
	}
	var media []struct {
		Caption string `json:"caption"`
	}
	if err := json.Unmarshal([]byte(p["media"]), &media); err != nil || len(media) == 0 {
		return badRequest("media must be a non-empty array")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	result := make([]apiMessage, len(media))
	for i, item := range media {
		m := s.newBotMessage(chat, "", item.Caption, "")
		s.record(method, chat, m.MessageID, item.Caption, "")
		result[i] = *m
	}
	return ok(result)
}

// copyMessage sends a copy and answers with its MessageId, as the real API
// does. The copy's text is not known to this server, only its caption.
func (s *Server) copyMessage(method string, p map[string]string) response {
	chat, bad := chatParam(p)
	if bad != nil {
		return *bad
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.newBotMessage(chat, "", p["caption"], p["reply_markup"])
	s.record(method, chat, m.MessageID, p["caption"], p["reply_markup"])
	return ok(map[string]int{"message_id": m.MessageID})
}

// editMessage implements editMessageText, editMessageCaption,
// editMessageReplyMarkup and the other editMessage* methods. Like the real
// API, it answers true for inline messages, fails for messages the bot did
// not send, and rejects an edit that changes nothing.
func (s *Server) editMessage(method string, p map[string]string) response {
	text, caption, markup := p["text"], p["caption"], p["reply_markup"]
	lower := strings.ToLower(method)
	if lower == "editmessagetext" && text == "" {
		return badRequest("message text is empty")
	}
	if p["inline_message_id"] != "" {
		s.mu.Lock()
		defer s.mu.Unlock()
		s.record(method, 0, 0, cmp.Or(text, caption), markup)
		return ok(true)
	}
	chat, bad := chatParam(p)
	if bad != nil {
		return *bad
	}
	id, err := strconv.Atoi(p["message_id"])
	if err != nil {
		return badRequest("message identifier is not specified")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	m := s.botMessages[messageKey{chat, id}]
	if m == nil {
		return badRequest("message to edit not found")
	}
	edited := *m
	switch lower {
	case "editmessagetext":
		edited.Text = text
		edited.ReplyMarkup = inlineMarkup(markup)
	case "editmessagecaption":
		edited.Caption = caption
		edited.ReplyMarkup = inlineMarkup(markup)
	case "editmessagereplymarkup":
		edited.ReplyMarkup = inlineMarkup(markup)
	}
	if edited.Text == m.Text && edited.Caption == m.Caption && string(edited.ReplyMarkup) == string(m.ReplyMarkup) &&
		lower != "editmessagemedia" && lower != "editmessagelivelocation" {
		return badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	edited.EditDate = time.Now().Unix()
	*m = edited
	s.record(method, chat, id, cmp.Or(edited.Text, edited.Caption), markup)
	return ok(edited)
}

// answerCallbackQuery records the answered callback query id.
func (s *Server) answerCallbackQuery(p map[string]string) response {
	id := p["callback_query_id"]
	if id == "" {
		return badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.answered.add(id, nil)
	s.notify()
	return ok(true)
}

// lastBotMessage returns the newest message the bot sent to chat, or a new
// one if there is none, for a callback query to point at. s.mu must be
// held.
func (s *Server) lastBotMessage(chat int64) apiMessage {
	sent := s.sent.kept()
	for i := len(sent) - 1; i >= 0; i-- {
		if m := s.botMessages[messageKey{chat, sent[i].MessageID}]; sent[i].ChatID == chat && m != nil {
			return *m
		}
	}
	return *s.newBotMessage(chat, "", "", "")
}
