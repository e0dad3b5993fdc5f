package main

import (
	"log/slog"
	"net/http"

	tele "gopkg.in/telebot.v3"
	"gopkg.in/telebot.v3/middleware"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
)

// newTelebot runs the demo on gopkg.in/telebot.v3 (see telebotDemo), its
// handlers registered through a telebotmetrics.Tracker.
func newTelebot(apiURL string, client *http.Client, d *demo, log *slog.Logger) (*telebotDemo[tele.Context, tele.Update], error) {
	b, err := tele.NewBot(tele.Settings{
		URL:         apiURL,
		Token:       httpclient.TokenPlaceholder, // the client adds the real one
		Client:      client,
		Synchronous: true,
		OnError:     telebotOnError(log, func(c tele.Context) int { return c.Update().ID }),
	})
	if err != nil {
		return nil, err
	}
	// Telebot does not recover panics: a panicking handler would end the
	// process. Recover hands the panic to OnError; telebotmetrics has recorded the
	// run as an error before.
	b.Use(middleware.Recover())

	tr, err := telebotmetrics.New(b)
	if err != nil {
		return nil, err
	}
	p, err := telebotmetrics.NewPoller(client, telebotmetrics.WithPollTimeout(pollTimeout))
	if err != nil {
		return nil, err
	}
	t := &telebotDemo[tele.Context, tele.Update]{log: log, v: telebotVersion[tele.Context, tele.Update]{
		// Counted whether a route takes the update or not, in flight until
		// its handlers have returned (the bot is Synchronous).
		process: func(u tele.Update) { tr.ProcessUpdate(b, u) },
		parse:   telebotmetrics.ParseUpdate,
		poll: func(dest chan tele.Update, stop chan struct{}) func() error {
			p.Poll(b, dest, stop)
			return p.Err
		},
		ready: p.Ready,
		setWebhook: func(publicURL, secret string) error {
			return b.SetWebhook(&tele.Webhook{Endpoint: &tele.WebhookEndpoint{PublicURL: publicURL}, SecretToken: secret})
		},
		deleteWebhook: func() error { return b.RemoveWebhook() },
		menu:          func() any { return telebotMenu() },
		chatID: func(c tele.Context) int64 {
			if chat := c.Chat(); chat != nil {
				return chat.ID
			}
			return 0 // a button on an inline message: the demo sends none
		},
		respond: func(c tele.Context, text string) error { return c.Respond(&tele.CallbackResponse{Text: text}) },
		sendEditable: func(c tele.Context, text string) (func(string) error, error) {
			m, err := c.Bot().Send(c.Recipient(), text)
			if err != nil {
				return nil, err
			}
			return func(text string) error { _, err := c.Bot().Edit(m, text); return err }, nil
		},
	}}
	for _, rt := range telebotRoutes(d, &t.v, func(unique string) any { return &tele.Btn{Unique: unique} }, tele.OnText) {
		tr.Handle(rt.endpoint, rt.handler)
	}
	return t, nil
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
