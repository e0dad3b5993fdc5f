package main

import (
	"context"
	"log/slog"
	"net/http"
	"sync"

	tele "gopkg.in/telebot.v3"
	"gopkg.in/telebot.v3/middleware"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/telegram/tbot"
)

// telebotBot runs the demo on gopkg.in/telebot.v3, its handlers registered
// through a tbot.Tracker.
//
// The bot is Synchronous: ProcessUpdate runs the handler before it returns,
// so that poll can wait for the handlers in flight, which Bot.Start/Stop
// cannot, and a webhook request lasts as long as its handler.
type telebotBot struct {
	bot    *tele.Bot
	client *http.Client
	log    *slog.Logger
}

func newTelebot(apiURL string, client *http.Client, d *demo, log *slog.Logger) (*telebotBot, error) {
	b, err := tele.NewBot(tele.Settings{
		URL:         apiURL,
		Token:       httpclient.TokenPlaceholder, // the client adds the real one
		Client:      client,
		Synchronous: true,
		OnError: func(err error, c tele.Context) {
			if c == nil { // the poller's: a failed getUpdates
				log.Error("telegram polling failed", "error", err)
				return
			}
			log.Error("telegram handler failed", "update_id", c.Update().ID, "error", err)
		},
	})
	if err != nil {
		return nil, err
	}
	// Telebot does not recover panics: a panicking handler would end the
	// process. Recover hands the panic to OnError; tbot has recorded the
	// run as an error before.
	b.Use(middleware.Recover())

	// Telebot handlers have no context.Context; the one that waits, /slow,
	// takes at most 1.5 s, less than the shutdownGrace it is given.
	tr := tbot.New(b)
	for _, rt := range d.routes() {
		h := func(c tele.Context) error { return d.handle(context.Background(), rt, telebotChat{c}) }
		switch rt.kind {
		case commandRoute:
			tr.Handle("/"+rt.key, h)
		case buttonRoute:
			tr.Handle(&tele.Btn{Unique: rt.key}, h)
		case textRoute:
			tr.Handle(tele.OnText, h)
		}
	}
	return &telebotBot{bot: b, client: client, log: log}, nil
}

// poll runs a tbot.Poller (telebot's LongPoller hammers a failing Bot API)
// and handles each update on a goroutine of its own, as Bot.Start does,
// until ctx ends or the Poller stops on a 401 or 409. Updates fetched but
// not yet handled then are dropped: only the offset of a later getUpdates
// confirms them, so the Bot API sends them again to the next run (with the
// last batch handled, as it does after Bot.Stop).
func (t *telebotBot) poll(ctx context.Context) error {
	poller := tbot.NewPoller(t.client, tbot.WithPollTimeout(pollTimeout))
	updates := make(chan tele.Update)
	stop, stopped := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(stopped)
		poller.Poll(t.bot, updates, stop)
	}()
	var handlers sync.WaitGroup
	for {
		select {
		case u := <-updates:
			handlers.Go(func() { t.bot.ProcessUpdate(u) })
		case <-stopped: // a 401 or a 409, already logged by OnError
			waitFor(wgDone(&handlers), shutdownGrace, t.log)
			return poller.Err()
		case <-ctx.Done():
			close(stop) // cancels the poll in flight
			waitFor(wgDone(&handlers), shutdownGrace, t.log)
			waitFor(stopped, pollTimeout, t.log)
			return nil
		}
	}
}

func (t *telebotBot) handleUpdate(_ context.Context, data []byte) error {
	u, err := tbot.ParseUpdate(data) // json.Unmarshal panics on some updates
	if err != nil {
		return err
	}
	t.bot.ProcessUpdate(u)
	return nil
}

func (t *telebotBot) setWebhook(publicURL, secret string) error {
	return t.bot.SetWebhook(&tele.Webhook{Endpoint: &tele.WebhookEndpoint{PublicURL: publicURL}, SecretToken: secret})
}

func (t *telebotBot) deleteWebhook() error { return t.bot.RemoveWebhook() }

func (t *telebotBot) callbackData(payload string) string {
	return "\f" + menuButton + "|" + payload
}

// telebotChat is a chat on a telebot update.
type telebotChat struct{ c tele.Context }

func (t telebotChat) ChatID() int64 {
	if chat := t.c.Chat(); chat != nil {
		return chat.ID
	}
	return 0 // a button on an inline message: the demo sends none
}

func (t telebotChat) Text() string    { return t.c.Text() }
func (t telebotChat) Payload() string { return t.c.Data() }
func (t telebotChat) Respond(text string) error {
	return t.c.Respond(&tele.CallbackResponse{Text: text})
}
func (t telebotChat) Edit(text string) error { return t.c.Edit(text, telebotMenu()) }

func (t telebotChat) SendEditable(text string) (func(string) error, error) {
	m, err := t.c.Bot().Send(t.c.Recipient(), text)
	if err != nil {
		return nil, err
	}
	return func(text string) error {
		_, err := t.c.Bot().Edit(m, text)
		return err
	}, nil
}

func (t telebotChat) Send(text string, menu bool) error {
	if menu {
		return t.c.Send(text, telebotMenu())
	}
	return t.c.Send(text)
}

// telebotMenu is the inline keyboard of menuItems: data "\fmenu|<payload>".
func telebotMenu() *tele.ReplyMarkup {
	m := &tele.ReplyMarkup{}
	var row tele.Row
	for _, item := range menuItems {
		row = append(row, m.Data(item.title, menuButton, item.payload))
	}
	m.Inline(row)
	return m
}
