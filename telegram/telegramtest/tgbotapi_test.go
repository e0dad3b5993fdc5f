package telegramtest_test

import (
	"errors"
	"net/http"
	"slices"
	"strconv"
	"testing"

	"github.com/genapp-go/genapp/telegram/telegramtest"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// newTgbotapi connects a tgbotapi client to srv; it calls getMe at once.
func newTgbotapi(t *testing.T, srv *telegramtest.Server) *tgbotapi.BotAPI {
	t.Helper()
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.Endpoint(), &http.Client{})
	if err != nil {
		t.Fatalf("NewBotAPIWithClient: %v", err)
	}
	return bot
}

// TestTgbotapi runs a real tgbotapi bot against the server: a command, a
// text and an inline button arrive through GetUpdatesChan; the bot
// replies, edits its message and answers the callback query.
func TestTgbotapi(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	bot := newTgbotapi(t, srv)
	if bot.Self.UserName != "test_bot" || bot.Self.ID != srv.Bot().ID || !bot.Self.IsBot {
		t.Errorf("getMe = %+v, want %+v", bot.Self, srv.Bot())
	}

	u := tgbotapi.NewUpdate(0)
	u.Timeout = 10
	updates := bot.GetUpdatesChan(u)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for upd := range updates {
			if err := handleTgbotapi(bot, upd); err != nil {
				t.Errorf("update %d: %v", upd.UpdateID, err)
			}
		}
	}()
	defer func() {
		// tgbotapi checks for a stop only between polls, and sleeps 3s
		// after a failed poll. An update ends the poll in flight, or
		// answers the next one at once, so the loop sees the stop without
		// waiting out the long poll and before the server closes.
		bot.StopReceivingUpdates()
		srv.SendUpdate(map[string]any{})
		<-done
		srv.Close()
	}()

	ctx := waitCtx(t)
	srv.SendText(200, "/start@test_bot")
	sent, err := srv.WaitSent(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	first := sent[0]
	if first.Method != "sendMessage" || first.ChatID != 200 || first.Text != "hello start" {
		t.Errorf("reply to /start = %+v", first)
	}
	if data := first.CallbackData(); !slices.Equal(data, []string{"menu"}) {
		t.Errorf("buttons %q of reply markup %s, want the menu button", data, first.ReplyMarkup)
	}

	id := srv.PressButton(200, "menu")
	sent, err = srv.WaitSent(ctx, 2)
	if err != nil {
		t.Fatal(err)
	}
	if edit := sent[1]; edit.Method != "editMessageText" || edit.MessageID != first.MessageID || edit.Text != "pressed menu" {
		t.Errorf("edit after button = %+v, want an edit of message %d", edit, first.MessageID)
	}
	if got := srv.Answered(); len(got) != 1 || got[0] != strconv.Itoa(id) {
		t.Errorf("Answered() = %v, want [%d]", got, id)
	}

	srv.SendText(200, "hi there")
	sent, err = srv.WaitSent(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if sent[2].Text != "echo: hi there" {
		t.Errorf("reply to text = %+v", sent[2])
	}
}

// handleTgbotapi is a small bot: /start offers a button, the button edits
// the message, any other text is echoed.
func handleTgbotapi(bot *tgbotapi.BotAPI, upd tgbotapi.Update) error {
	switch {
	case upd.Message != nil && upd.Message.IsCommand():
		msg := tgbotapi.NewMessage(upd.Message.Chat.ID, "hello "+upd.Message.Command())
		msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(
			tgbotapi.NewInlineKeyboardButtonData("Menu", "menu")))
		_, err := bot.Send(msg)
		return err
	case upd.Message != nil:
		_, err := bot.Send(tgbotapi.NewMessage(upd.Message.Chat.ID, "echo: "+upd.Message.Text))
		return err
	case upd.CallbackQuery != nil:
		cb := upd.CallbackQuery
		if _, err := bot.Request(tgbotapi.NewCallback(cb.ID, "ok")); err != nil {
			return err
		}
		_, err := bot.Send(tgbotapi.NewEditMessageText(cb.Message.Chat.ID, cb.Message.MessageID, "pressed "+cb.Data))
		return err
	}
	return nil
}

// TestTgbotapiFaults proves injected faults reach tgbotapi as *Error with
// the code, the description and, for 429, ResponseParameters.RetryAfter.
func TestTgbotapiFaults(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	bot := newTgbotapi(t, srv)

	srv.Inject("sendMessage", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 7})
	_, err := bot.Send(tgbotapi.NewMessage(1, "x"))
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Code != 429 || apiErr.RetryAfter != 7 ||
		apiErr.Message != "Too Many Requests: retry after 7" {
		t.Errorf("after 429: err = %#v, want *Error{Code: 429, RetryAfter: 7}", err)
	}

	srv.Inject("", telegramtest.Fault{Status: http.StatusServiceUnavailable})
	_, err = bot.Send(tgbotapi.NewMessage(1, "x"))
	if !errors.As(err, &apiErr) || apiErr.Code != 503 || apiErr.Message != "Service Unavailable" {
		t.Errorf("after 503: err = %#v", err)
	}

	if _, err := bot.Send(tgbotapi.NewMessage(1, "fine")); err != nil {
		t.Errorf("after the faults are used up: %v", err)
	}
}
