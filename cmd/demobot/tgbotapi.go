package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/tgbotapimetrics"
)

// workers is how many updates the tgbotapi bot handles at a time when
// polling.
const workers = 8

// tgbotapiBot runs the demo on github.com/go-telegram-bot-api/telegram-bot-api/v5
// with its handlers routed and tracked by a tgbotapimetrics.Router.
type tgbotapiBot struct {
	api    *tgbotapi.BotAPI
	router *tgbotapimetrics.Router
	poller *tgbotapimetrics.Poller
	log    *slog.Logger
}

func newTgbotapi(apiURL string, client *http.Client, d *demo, log *slog.Logger) (*tgbotapiBot, error) {
	// The client adds the real token in place of the placeholder.
	api, err := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, apiURL+"/bot%s/%s", client)
	if err != nil {
		return nil, err
	}
	opts := []tgbotapimetrics.Option{tgbotapimetrics.WithLogger(log), tgbotapimetrics.WithShutdownTimeout(shutdownGrace)}
	if api.Self.UserName != "" { // webhook mode too: commands for other bots are not ours
		opts = append(opts, tgbotapimetrics.WithBotUsername(api.Self.UserName))
	}
	for _, rt := range d.routes() {
		h := func(ctx context.Context, u tgbotapi.Update) error {
			return d.handle(ctx, rt, tgbotapiChat{api, u})
		}
		switch rt.kind {
		case commandRoute:
			opts = append(opts, tgbotapimetrics.Command(rt.key, h))
		case buttonRoute:
			opts = append(opts, tgbotapimetrics.Callback(rt.key, h))
		case textRoute: // also takes the commands no route takes
			opts = append(opts, tgbotapimetrics.On(telegram.KindText, h))
		}
	}
	router, err := tgbotapimetrics.New(opts...)
	if err != nil {
		return nil, err
	}
	// The BotAPI's client, to the server of its endpoint.
	poller, err := tgbotapimetrics.NewPoller(client, tgbotapimetrics.WithAPIURL(apiURL), tgbotapimetrics.WithPollTimeout(pollTimeout))
	if err != nil {
		return nil, err
	}
	return &tgbotapiBot{api: api, router: router, poller: poller, log: log}, nil
}

// poll routes the updates of getUpdates with Router.Poll (tgbotapi's
// GetUpdatesChan retries a failing Bot API every 3 s for ever) until ctx
// ends, then waits for the handlers in flight, or until the Bot API
// answers 401 or 409, which ends the demo with that error. The getUpdates
// in flight at the end is cancelled: updates not handed to a worker stay
// unconfirmed, and the Bot API sends them again to the next run.
func (t *tgbotapiBot) poll(ctx context.Context) error {
	err := t.router.Poll(ctx, t.api, t.poller, workers)
	var abandoned *tgbotapimetrics.AbandonedError
	if errors.As(err, &abandoned) {
		t.log.Warn("still running at shutdown, not waiting any longer", "error", abandoned)
		if err == error(abandoned) {
			return nil
		}
	}
	return err
}

func (t *tgbotapiBot) ready() error { return t.poller.Ready() }

func (t *tgbotapiBot) handleUpdate(ctx context.Context, data []byte) error {
	u, err := tgbotapimetrics.ParseUpdate(data)
	if err != nil {
		return err
	}
	err = t.router.HandleUpdate(ctx, u)
	var panicked *tgbotapimetrics.PanicError
	if err != nil && !errors.As(err, &panicked) { // the router logs panics itself
		t.log.Error("telegram handler failed", "update_id", u.UpdateID, "error", err)
	}
	return nil
}

// setWebhook calls setWebhook directly: tgbotapi's WebhookConfig has no
// secret_token.
func (t *tgbotapiBot) setWebhook(publicURL, secret string) error {
	_, err := t.api.MakeRequest("setWebhook", tgbotapi.Params{"url": publicURL, "secret_token": secret})
	return err
}

func (t *tgbotapiBot) deleteWebhook() error {
	_, err := t.api.Request(tgbotapi.DeleteWebhookConfig{})
	return err
}

// callbackData is the data of the menu button with payload: "menu:<payload>".
func (t *tgbotapiBot) callbackData(payload string) string { return tgbotapiData(payload) }

func tgbotapiData(payload string) string { return menuButton + ":" + payload }

// tgbotapiChat is a chat on a tgbotapi update.
type tgbotapiChat struct {
	api *tgbotapi.BotAPI
	u   tgbotapi.Update
}

func (t tgbotapiChat) ChatID() int64 {
	if chat := t.u.FromChat(); chat != nil {
		return chat.ID
	}
	return 0 // a button on an inline message: the demo sends none
}

func (t tgbotapiChat) Text() string {
	if t.u.Message == nil {
		return ""
	}
	return t.u.Message.Text
}

func (t tgbotapiChat) Payload() string {
	if t.u.CallbackQuery == nil {
		return ""
	}
	_, payload, _ := strings.Cut(t.u.CallbackQuery.Data, ":")
	return payload
}

func (t tgbotapiChat) Send(text string, menu bool) error {
	msg := tgbotapi.NewMessage(t.ChatID(), text)
	if menu {
		msg.ReplyMarkup = tgbotapiMenu()
	}
	_, err := t.api.Send(msg)
	return err
}

func (t tgbotapiChat) SendEditable(text string) (func(string) error, error) {
	m, err := t.api.Send(tgbotapi.NewMessage(t.ChatID(), text))
	if err != nil {
		return nil, err
	}
	return func(text string) error {
		_, err := t.api.Send(tgbotapi.NewEditMessageText(m.Chat.ID, m.MessageID, text))
		return err
	}, nil
}

func (t tgbotapiChat) Respond(text string) error {
	_, err := t.api.Request(tgbotapi.NewCallback(t.u.CallbackQuery.ID, text))
	return err
}

func (t tgbotapiChat) Edit(text string) error {
	m := t.u.CallbackQuery.Message
	if m == nil {
		return errors.New("the pressed button is on an inline message: the demo sends none")
	}
	_, err := t.api.Send(tgbotapi.NewEditMessageTextAndMarkup(m.Chat.ID, m.MessageID, text, tgbotapiMenu()))
	return err
}

// tgbotapiMenu is the inline keyboard of menuItems.
func tgbotapiMenu() tgbotapi.InlineKeyboardMarkup {
	var row []tgbotapi.InlineKeyboardButton
	for _, item := range menuItems {
		row = append(row, tgbotapi.NewInlineKeyboardButtonData(item.title, tgbotapiData(item.payload)))
	}
	return tgbotapi.NewInlineKeyboardMarkup(row)
}
