package main

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"

	"github.com/PaulSonOfLars/gotgbot/v2"
	"github.com/PaulSonOfLars/gotgbot/v2/ext"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers"
	"github.com/PaulSonOfLars/gotgbot/v2/ext/handlers/filters/message"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/telegram/gotgbotmetrics"
)

// gotgbotBot runs the demo on github.com/PaulSonOfLars/gotgbot/v2, its
// handlers registered on the dispatcher through a gotgbotmetrics.Tracker.
type gotgbotBot struct {
	bot    *gotgbot.Bot
	poller *gotgbotmetrics.Poller
	d      *ext.Dispatcher
	log    *slog.Logger
}

func newGotgbot(apiURL string, client *http.Client, d *demo, log *slog.Logger) (*gotgbotBot, error) {
	opts := &gotgbot.RequestOpts{APIURL: apiURL, Timeout: apiTimeout}
	// gotgbot.NewBot checks the token with getMe: the client adds the real
	// one in place of the placeholder.
	b, err := gotgbot.NewBot(httpclient.TokenPlaceholder, &gotgbot.BotOpts{
		BotClient:   &gotgbot.BaseBotClient{Client: *client, DefaultRequestOpts: opts},
		RequestOpts: opts,
	})
	if err != nil {
		return nil, err
	}
	dispatcher := ext.NewDispatcher(&ext.DispatcherOpts{
		Error: func(_ *gotgbot.Bot, ctx *ext.Context, err error) ext.DispatcherAction {
			log.Error("telegram handler failed", "update_id", ctx.UpdateId, "error", err)
			return ext.DispatcherActionNoop
		},
		// gotgbot recovers a handler's panic; gotgbotmetrics has recorded the
		// run as an error before.
		Panic: func(_ *gotgbot.Bot, ctx *ext.Context, r any) {
			log.Error("telegram handler panicked", "update_id", ctx.UpdateId, "panic", r)
		},
		UnhandledErrFunc: func(err error) { log.Error("telegram update not handled", "error", err) },
		MaxRoutines:      workers,
	})
	// gotgbot handlers have no context.Context; the one that waits, /slow,
	// takes at most 1.5 s, less than the shutdownGrace it is given.
	tr, err := gotgbotmetrics.New(dispatcher)
	if err != nil {
		return nil, err
	}
	for _, rt := range d.routes() {
		h := func(b *gotgbot.Bot, ctx *ext.Context) error {
			return d.handle(context.Background(), rt, gotgbotChat{b, ctx})
		}
		switch rt.kind {
		case commandRoute:
			tr.AddHandler(handlers.NewCommand(rt.key, h))
		case buttonRoute:
			if err := tr.AddCallback(rt.key, h); err != nil {
				return nil, err
			}
		case textRoute: // after the commands: takes the commands no route takes
			tr.AddHandler(handlers.NewMessage(message.Text, h))
		}
	}
	// The Poller's client is the one bot's BaseBotClient copies.
	p, err := gotgbotmetrics.NewPoller(client, gotgbotmetrics.WithPollTimeout(pollTimeout), gotgbotmetrics.WithErrorFunc(func(err error) {
		log.Error("telegram polling failed", "error", err)
	}))
	if err != nil {
		return nil, err
	}
	return &gotgbotBot{bot: b, poller: p, d: dispatcher, log: log}, nil
}

// poll runs a gotgbotmetrics.Poller (gotgbot's Updater polls a failing Bot
// API every second, or in a busy loop, and never stops) until ctx ends or
// the Bot API answers 401 or 409, which ends the demo with that error, then
// waits for the handlers in flight. The getUpdates in flight is cancelled;
// updates fetched and not yet handed to the dispatcher are dropped
// unconfirmed, and the Bot API sends them again to the next run.
func (g *gotgbotBot) poll(ctx context.Context) error {
	err := g.poller.Poll(ctx, g.bot, g.d)
	stopped := make(chan struct{})
	go func() { defer close(stopped); g.d.Stop() }()
	waitFor(stopped, shutdownGrace, g.log)
	return err
}

func (g *gotgbotBot) ready() error { return g.poller.Ready() }

// handleUpdate handles the update on the request's goroutine, so that the
// request lasts as long as its handler. An update gotgbot cannot take is
// no update (400).
func (g *gotgbotBot) handleUpdate(_ context.Context, data []byte) error {
	u, err := gotgbotmetrics.ParseUpdate(data)
	if err != nil {
		return err
	}
	if err := g.d.ProcessUpdate(g.bot, &u, nil); err != nil {
		g.log.Error("telegram update not handled", "update_id", u.UpdateId, "error", err)
	}
	return nil
}

func (g *gotgbotBot) setWebhook(publicURL, secret string) error {
	_, err := g.bot.SetWebhook(publicURL, &gotgbot.SetWebhookOpts{SecretToken: secret})
	return err
}

func (g *gotgbotBot) deleteWebhook() error {
	_, err := g.bot.DeleteWebhook(nil)
	return err
}

// callbackData is the data of the menu button with payload, as for
// tgbotapi: "menu:<payload>".
func (g *gotgbotBot) callbackData(payload string) string { return tgbotapiData(payload) }

// gotgbotChat is a chat on a gotgbot update.
type gotgbotChat struct {
	b   *gotgbot.Bot
	ctx *ext.Context
}

func (g gotgbotChat) ChatID() int64 {
	if chat := g.ctx.EffectiveChat; chat != nil {
		return chat.Id
	}
	return 0 // a button on an inline message: the demo sends none
}

func (g gotgbotChat) Text() string {
	if g.ctx.Message == nil {
		return ""
	}
	return g.ctx.Message.Text
}

func (g gotgbotChat) Payload() string {
	if g.ctx.CallbackQuery == nil {
		return ""
	}
	_, payload, _ := strings.Cut(g.ctx.CallbackQuery.Data, ":")
	return payload
}

func (g gotgbotChat) Send(text string, menu bool) error {
	opts := &gotgbot.SendMessageOpts{}
	if menu {
		opts.ReplyMarkup = gotgbotMenu()
	}
	_, err := g.b.SendMessage(g.ChatID(), text, opts)
	return err
}

func (g gotgbotChat) SendEditable(text string) (func(string) error, error) {
	m, err := g.b.SendMessage(g.ChatID(), text, nil)
	if err != nil {
		return nil, err
	}
	return func(text string) error {
		_, _, err := g.b.EditMessageText(text, &gotgbot.EditMessageTextOpts{ChatId: m.Chat.Id, MessageId: m.MessageId})
		return err
	}, nil
}

func (g gotgbotChat) Respond(text string) error {
	_, err := g.ctx.CallbackQuery.Answer(g.b, &gotgbot.AnswerCallbackQueryOpts{Text: text})
	return err
}

func (g gotgbotChat) Edit(text string) error {
	m := g.ctx.CallbackQuery.Message
	if m == nil {
		return errors.New("the pressed button is on an inline message: the demo sends none")
	}
	_, _, err := g.b.EditMessageText(text, &gotgbot.EditMessageTextOpts{ChatId: m.GetChat().Id, MessageId: m.GetMessageId(), ReplyMarkup: gotgbotMenu()})
	return err
}

// gotgbotMenu is the inline keyboard of menuItems.
func gotgbotMenu() gotgbot.InlineKeyboardMarkup {
	var row []gotgbot.InlineKeyboardButton
	for _, item := range menuItems {
		row = append(row, gotgbot.InlineKeyboardButton{Text: item.title, CallbackData: tgbotapiData(item.payload)})
	}
	return gotgbot.InlineKeyboardMarkup{InlineKeyboard: [][]gotgbot.InlineKeyboardButton{row}}
}
