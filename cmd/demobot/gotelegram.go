package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	tgbot "github.com/go-telegram/bot"
	"github.com/go-telegram/bot/models"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/telegram/gotelegrammetrics"
)

// frameworkGotelegram is the -framework of github.com/go-telegram/bot.
const frameworkGotelegram = "gotelegram"

// gotelegramBot runs the demo on github.com/go-telegram/bot, its handlers
// registered through a gotelegrammetrics.Tracker and its updates fetched by a
// gotelegrammetrics.Poller (the bot's own loop ignores retry_after and retries 401
// and 409 for ever). The bot runs each update's handler on a goroutine of
// its own.
type gotelegramBot struct {
	bot    *tgbot.Bot
	tr     *gotelegrammetrics.Tracker
	poller *gotelegrammetrics.Poller
	log    *slog.Logger
}

func newGotelegram(apiURL string, client *http.Client, d *demo, log *slog.Logger) (*gotelegramBot, error) {
	tr, err := gotelegrammetrics.New()
	if err != nil {
		return nil, err
	}
	h := func(rt route) tgbot.HandlerFunc {
		return func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
			if err := d.handle(ctx, rt, gotelegramChat{ctx, b, u}); err != nil {
				log.Error("telegram handler failed", "update_id", u.ID, "error", err)
				gotelegrammetrics.Fail(ctx, err)
			}
		}
	}
	routes := d.routes()
	var onText tgbot.HandlerFunc // nil: the updates no route takes are counted only
	for _, rt := range routes {
		if rt.kind == textRoute { // also takes the commands no route takes
			onText = h(rt)
		}
	}
	// The client adds the real token in place of the placeholder.
	b, err := tgbot.New(httpclient.TokenPlaceholder,
		tr.WithDefaultHandler(onText),
		tgbot.WithServerURL(apiURL),
		tgbot.WithHTTPClient(pollTimeout, client),
		tgbot.WithCheckInitTimeout(apiTimeout),
		tgbot.WithErrorsHandler(func(err error) { log.Error("telegram bot failed", "error", err) }),
		tgbot.WithMiddlewares(finish(log)))
	if err != nil {
		return nil, err
	}
	for _, rt := range routes {
		switch rt.kind {
		case commandRoute:
			tr.RegisterHandler(b, tgbot.HandlerTypeMessageText, rt.key, tgbot.MatchTypeCommandStartOnly, h(rt))
		case buttonRoute:
			tr.RegisterHandler(b, tgbot.HandlerTypeCallbackQueryData, rt.key+":", tgbot.MatchTypePrefix, h(rt))
		}
	}
	p, err := gotelegrammetrics.NewPoller(client, gotelegrammetrics.WithAPIURL(apiURL), gotelegrammetrics.WithPollTimeout(pollTimeout),
		gotelegrammetrics.WithErrorsHandler(func(err error) { log.Error("telegram polling failed", "error", err) }))
	if err != nil {
		return nil, err
	}
	return &gotelegramBot{bot: b, tr: tr, poller: p, log: log}, nil
}

// handled is the context key of the channel a webhook request waits on
// until its update has been handled.
type handled struct{}

// finish is the global middleware: go-telegram/bot recovers no panic, and a
// panicking handler would end the process, so it logs the panic
// (gotelegrammetrics has recorded the run as an error before); and it tells a
// webhook request waiting for its update that the update was handled.
func finish(log *slog.Logger) tgbot.Middleware {
	return func(next tgbot.HandlerFunc) tgbot.HandlerFunc {
		return func(ctx context.Context, b *tgbot.Bot, u *models.Update) {
			defer func() {
				if p := recover(); p != nil {
					log.Error("telegram handler panicked", "update_id", u.ID, "panic", fmt.Sprint(p))
				}
				if done, ok := ctx.Value(handled{}).(chan struct{}); ok {
					close(done)
				}
			}()
			next(ctx, b, u)
		}
	}
}

// poll runs the Poller until ctx ends, then waits for the handlers in
// flight, or until the Bot API answers 401 or 409, which ends the demo
// with that error. The getUpdates in flight at the end is cancelled: its
// updates are left unconfirmed, and the Bot API sends them again to the
// next run.
func (g *gotelegramBot) poll(ctx context.Context) error {
	err := g.poller.Run(ctx, g.bot)
	wait, cancel := context.WithTimeout(context.WithoutCancel(ctx), shutdownGrace)
	defer cancel()
	if waitErr := g.tr.Wait(wait); waitErr != nil {
		g.log.Warn("still running at shutdown, not waiting any longer", "error", waitErr)
	}
	return err
}

func (g *gotelegramBot) ready() error { return g.poller.Ready() }

// handleUpdate hands the update to the bot and waits until it has been
// handled, so that a webhook request lasts as long as its handler and
// shutting the webhook server down waits for it. The handler's context is
// not the request's, which ends when the request does.
func (g *gotelegramBot) handleUpdate(ctx context.Context, data []byte) error {
	u, err := gotelegrammetrics.ParseUpdate(data) // go-telegram/bot panics on some updates
	if err != nil {
		return err
	}
	done := make(chan struct{})
	g.bot.ProcessUpdate(context.WithValue(context.WithoutCancel(ctx), handled{}, done), u)
	<-done
	return nil
}

func (g *gotelegramBot) setWebhook(publicURL, secret string) error {
	_, err := g.bot.SetWebhook(context.Background(), &tgbot.SetWebhookParams{URL: publicURL, SecretToken: secret})
	return err
}

func (g *gotelegramBot) deleteWebhook() error {
	_, err := g.bot.DeleteWebhook(context.Background(), &tgbot.DeleteWebhookParams{})
	return err
}

// callbackData is the data of the menu button with payload: "menu:<payload>",
// as for tgbotapi.
func (g *gotelegramBot) callbackData(payload string) string { return tgbotapiData(payload) }

// gotelegramChat is a chat on a go-telegram/bot update.
type gotelegramChat struct {
	ctx context.Context
	b   *tgbot.Bot
	u   *models.Update
}

func (g gotelegramChat) ChatID() int64 {
	switch {
	case g.u.Message != nil:
		return g.u.Message.Chat.ID
	case g.u.CallbackQuery != nil && g.u.CallbackQuery.Message.Message != nil:
		return g.u.CallbackQuery.Message.Message.Chat.ID
	}
	return 0 // a button on an inline message: the demo sends none
}

func (g gotelegramChat) Text() string {
	if g.u.Message == nil {
		return ""
	}
	return g.u.Message.Text
}

func (g gotelegramChat) Payload() string {
	if g.u.CallbackQuery == nil {
		return ""
	}
	_, payload, _ := strings.Cut(g.u.CallbackQuery.Data, ":")
	return payload
}

func (g gotelegramChat) Send(text string, menu bool) error {
	params := &tgbot.SendMessageParams{ChatID: g.ChatID(), Text: text}
	if menu {
		params.ReplyMarkup = gotelegramMenu()
	}
	_, err := g.b.SendMessage(g.ctx, params)
	return err
}

func (g gotelegramChat) SendEditable(text string) (func(string) error, error) {
	m, err := g.b.SendMessage(g.ctx, &tgbot.SendMessageParams{ChatID: g.ChatID(), Text: text})
	if err != nil {
		return nil, err
	}
	return func(text string) error {
		_, err := g.b.EditMessageText(g.ctx, &tgbot.EditMessageTextParams{ChatID: m.Chat.ID, MessageID: m.ID, Text: text})
		return err
	}, nil
}

func (g gotelegramChat) Respond(text string) error {
	_, err := g.b.AnswerCallbackQuery(g.ctx, &tgbot.AnswerCallbackQueryParams{CallbackQueryID: g.u.CallbackQuery.ID, Text: text})
	return err
}

func (g gotelegramChat) Edit(text string) error {
	m := g.u.CallbackQuery.Message.Message
	if m == nil {
		return errors.New("the pressed button is on an inline message: the demo sends none")
	}
	_, err := g.b.EditMessageText(g.ctx, &tgbot.EditMessageTextParams{ChatID: m.Chat.ID, MessageID: m.ID, Text: text, ReplyMarkup: gotelegramMenu()})
	return err
}

// gotelegramMenu is the inline keyboard of menuItems.
func gotelegramMenu() *models.InlineKeyboardMarkup {
	var row []models.InlineKeyboardButton
	for _, item := range menuItems {
		row = append(row, models.InlineKeyboardButton{Text: item.title, CallbackData: tgbotapiData(item.payload)})
	}
	return &models.InlineKeyboardMarkup{InlineKeyboard: [][]models.InlineKeyboardButton{row}}
}
