package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"sync"

	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"
	tu "github.com/mymmrac/telego/telegoutil"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/telegometrics"
)

// telegoBot runs the demo on github.com/mymmrac/telego, its handlers
// registered through a telegometrics.Tracker on a th.HandlerGroup.
//
// Updates are routed with HandlerGroup.HandleUpdate, each on a goroutine of
// its own as th.BotHandler does, not by a th.BotHandler: stopping one
// cancels the context of every handler in flight, and the demo lets them
// finish, at most shutdownGrace, as it does with the other libraries.
type telegoBot struct {
	bot    *telego.Bot
	poller *telegometrics.Poller
	routes *th.HandlerGroup
	log    *slog.Logger
}

func newTelego(apiURL string, client *http.Client, d *demo, log *slog.Logger) (*telegoBot, error) {
	// The token telego holds is a placeholder: the client adds the real one.
	b, err := telego.NewBot(telegometrics.TokenPlaceholder, telegometrics.WithClient(client),
		telego.WithAPIServer(apiURL), telego.WithLogger(telegoLogger{log}),
		telego.WithHealthCheck(context.Background())) // getMe, as the other libraries call it
	if err != nil {
		return nil, err
	}
	// Telego's JSON library compiles the codec of telego.Update on first
	// use, which takes about a second (several under -race): done here,
	// while the demo starts and a signal still stops it, so that the first
	// update is not held that long.
	telego.Update{}.Clone()
	routes := &th.HandlerGroup{}
	tr, err := telegometrics.New(routes) // first: every update, in the genapp_telegram_* families
	if err != nil {
		return nil, err
	}
	// A panicking handler would end the process. The recovery hands the
	// panic on as an error; telegometrics has recorded the run as an error
	// before.
	routes.Use(th.PanicRecoveryHandler(func(p any) error { return fmt.Errorf("handler panicked: %v", p) }))
	for _, rt := range d.routes() {
		h := func(ctx *th.Context, u telego.Update) error { return d.handle(ctx, rt, telegoChat{ctx, u}) }
		switch rt.kind {
		case commandRoute:
			err = errors.Join(err, tr.Command(rt.key, h))
		case buttonRoute: // data "menu:<payload>"
			err = errors.Join(err, tr.Callback(rt.key, h))
		case textRoute: // also takes the commands no route takes
			err = errors.Join(err, tr.On(telegram.KindText, h))
		}
	}
	if err != nil {
		return nil, err
	}
	poller, err := telegometrics.NewPoller(client, telegometrics.WithPollTimeout(pollTimeout))
	if err != nil {
		return nil, err
	}
	return &telegoBot{bot: b, poller: poller, routes: routes, log: log}, nil
}

// poll handles the updates of a telegometrics.Poller (telego's
// UpdatesViaLongPolling retries a failing Bot API every 8 s for ever) until
// ctx ends, then waits for the handlers in flight, at most shutdownGrace;
// or until the Poller stops on a 401 or 409, which ends the demo with that
// error. Updates fetched but not handed on stay unconfirmed: the Bot API
// sends them again to the next run.
func (t *telegoBot) poll(ctx context.Context) error {
	var handlers sync.WaitGroup
	for u := range t.poller.Updates(ctx, t.bot) { // closed when ctx ends or the Poller stops
		handlers.Go(func() { t.handle(context.WithoutCancel(ctx), u) })
	}
	waitFor(wgDone(&handlers), shutdownGrace, t.log)
	return t.poller.Err()
}

func (t *telegoBot) ready() error { return t.poller.Ready() }

// handle routes u through the tracked routes and logs the handler's error.
func (t *telegoBot) handle(ctx context.Context, u telego.Update) {
	if err := t.routes.HandleUpdate(ctx, t.bot, u); err != nil {
		t.log.Error("telegram handler failed", "update_id", u.UpdateID, "error", err)
	}
}

// handleUpdate routes the update through the tracked routes, on the
// request's goroutine: the request lasts as long as the handler.
func (t *telegoBot) handleUpdate(ctx context.Context, data []byte) error {
	u, err := telegometrics.ParseUpdate(data) // telego panics routing some updates
	if err != nil {
		return err
	}
	t.handle(ctx, u)
	return nil
}

func (t *telegoBot) setWebhook(publicURL, secret string) error {
	return t.bot.SetWebhook(context.Background(), &telego.SetWebhookParams{URL: publicURL, SecretToken: secret})
}

func (t *telegoBot) deleteWebhook() error {
	return t.bot.DeleteWebhook(context.Background(), nil)
}

// callbackData is the data of the menu button with payload: "menu:<payload>".
func (t *telegoBot) callbackData(payload string) string { return telegoData(payload) }

func telegoData(payload string) string { return menuButton + ":" + payload }

// telegoLogger logs telego's error lines (its texts hold only the token
// placeholder) and drops its debug lines.
type telegoLogger struct{ log *slog.Logger }

func (l telegoLogger) Debugf(string, ...any) {}
func (l telegoLogger) Errorf(format string, args ...any) {
	l.log.Error("telego", "error", strings.TrimSpace(fmt.Sprintf(format, args...)))
}

// telegoChat is a chat on a telego update.
type telegoChat struct {
	ctx *th.Context
	u   telego.Update
}

func (t telegoChat) ChatID() int64 {
	switch {
	case t.u.Message != nil:
		return t.u.Message.Chat.ID
	case t.u.CallbackQuery != nil && t.u.CallbackQuery.Message != nil:
		return t.u.CallbackQuery.Message.GetChat().ID
	}
	return 0 // a button on an inline message: the demo sends none
}

func (t telegoChat) Text() string {
	if t.u.Message == nil {
		return ""
	}
	return t.u.Message.Text
}

func (t telegoChat) Payload() string {
	if t.u.CallbackQuery == nil {
		return ""
	}
	_, payload, _ := strings.Cut(t.u.CallbackQuery.Data, ":")
	return payload
}

func (t telegoChat) Send(text string, menu bool) error {
	msg := tu.Message(tu.ID(t.ChatID()), text)
	if menu {
		msg.ReplyMarkup = telegoMenu()
	}
	_, err := t.ctx.Bot().SendMessage(t.ctx, msg)
	return err
}

func (t telegoChat) SendEditable(text string) (func(string) error, error) {
	m, err := t.ctx.Bot().SendMessage(t.ctx, tu.Message(tu.ID(t.ChatID()), text))
	if err != nil {
		return nil, err
	}
	return func(text string) error {
		_, err := t.ctx.Bot().EditMessageText(t.ctx, tu.EditMessageText(tu.ID(m.Chat.ID), m.MessageID, text))
		return err
	}, nil
}

func (t telegoChat) Respond(text string) error {
	return t.ctx.Bot().AnswerCallbackQuery(t.ctx, tu.CallbackQuery(t.u.CallbackQuery.ID).WithText(text))
}

func (t telegoChat) Edit(text string) error {
	m := t.u.CallbackQuery.Message
	if m == nil {
		return errors.New("the pressed button is on an inline message: the demo sends none")
	}
	_, err := t.ctx.Bot().EditMessageText(t.ctx, tu.EditMessageText(tu.ID(m.GetChat().ID), m.GetMessageID(), text).WithReplyMarkup(telegoMenu()))
	return err
}

// telegoMenu is the inline keyboard of menuItems.
func telegoMenu() *telego.InlineKeyboardMarkup {
	var row []telego.InlineKeyboardButton
	for _, item := range menuItems {
		row = append(row, tu.InlineKeyboardButton(item.title).WithCallbackData(telegoData(item.payload)))
	}
	return tu.InlineKeyboard(row)
}
