package main

import (
	"context"
	"log/slog"
	"sync"
)

// telebotDemo runs the demo on telebot, v3 (telebot.go) or v4
// (telebot4.go): the versions differ in their types only, so the version's
// file fills in a telebotVersion and this file does the rest. C is the
// version's Context, U its Update.
//
// The bot is Synchronous and each update goes through the Tracker's
// ProcessUpdate, which counts it and returns once its handlers have: poll
// can wait for the handlers in flight, which Bot.Start/Stop cannot, and a
// webhook request lasts as long as its handler.
type telebotDemo[C telebotContext, U any] struct {
	v   telebotVersion[C, U]
	log *slog.Logger
}

// telebotContext is what the demo uses of a telebot Context that is the
// same in v3 and v4.
type telebotContext interface {
	Text() string
	Data() string
	Send(what any, opts ...any) error
	Edit(what any, opts ...any) error
}

// telebotVersion is what the demo does on one telebot version.
type telebotVersion[C telebotContext, U any] struct {
	process       func(U)                 // the Tracker's ProcessUpdate
	parse         func([]byte) (U, error) // telebotmetrics's or telebotmetrics/v4's ParseUpdate
	poll          func(dest chan U, stop chan struct{}) (stopped func() error)
	ready         func() error // the Poller's Ready
	setWebhook    func(publicURL, secret string) error
	deleteWebhook func() error
	menu          func() any // the inline keyboard of menuItems
	chatID        func(C) int64
	respond       func(c C, text string) error
	sendEditable  func(c C, text string) (edit func(string) error, err error)
}

// telebotOnError is the bot's OnError: it logs err, with the ID of the
// update whose handler failed (updateID of c), or as the poller's when c
// is nil (a failed getUpdates).
func telebotOnError[C any](log *slog.Logger, updateID func(C) int) func(error, C) {
	return func(err error, c C) {
		if any(c) == nil {
			log.Error("telegram polling failed", "error", err)
			return
		}
		log.Error("telegram handler failed", "update_id", updateID(c), "error", err)
	}
}

// telebotRoute is a route of the demo as a telebot endpoint and handler.
type telebotRoute[C any] struct {
	endpoint any
	handler  func(C) error
}

// telebotRoutes returns the demo's routes for a version's Tracker: button
// makes the endpoint of a button with unique, onText is tele.OnText.
func telebotRoutes[C telebotContext, U any](d *demo, v *telebotVersion[C, U], button func(unique string) any, onText string) []telebotRoute[C] {
	var routes []telebotRoute[C]
	for _, rt := range d.routes() {
		// Telebot handlers have no context.Context; the one that waits,
		// /slow, takes at most 1.5 s, less than the shutdownGrace it is given.
		h := func(c C) error { return d.handle(context.Background(), rt, telebotChat[C, U]{c, v}) }
		switch rt.kind {
		case commandRoute:
			routes = append(routes, telebotRoute[C]{"/" + rt.key, h})
		case buttonRoute:
			routes = append(routes, telebotRoute[C]{button(rt.key), h})
		case textRoute:
			routes = append(routes, telebotRoute[C]{onText, h})
		}
	}
	return routes
}

// poll runs the version's Poller (telebot's LongPoller hammers a failing
// Bot API) and handles each update on a goroutine of its own, as the
// Tracker's Poller does, until ctx ends or the Poller stops on a 401 or
// 409. Updates fetched but not yet handled then are dropped: only the
// offset of a later getUpdates confirms them, so the Bot API sends them
// again to the next run (with the last batch handled, as it does after
// Bot.Stop).
func (t *telebotDemo[C, U]) poll(ctx context.Context) error {
	updates := make(chan U)
	stop, stopped := make(chan struct{}), make(chan struct{})
	var pollErr func() error
	go func() {
		defer close(stopped)
		pollErr = t.v.poll(updates, stop)
	}()
	var handlers sync.WaitGroup
	for {
		select {
		case u := <-updates:
			handlers.Go(func() { t.v.process(u) })
		case <-stopped: // a 401 or a 409, already logged by OnError
			waitFor(wgDone(&handlers), shutdownGrace, t.log)
			return pollErr()
		case <-ctx.Done():
			close(stop) // cancels the poll in flight
			waitFor(wgDone(&handlers), shutdownGrace, t.log)
			waitFor(stopped, pollTimeout, t.log)
			return nil
		}
	}
}

func (t *telebotDemo[C, U]) ready() error { return t.v.ready() }

func (t *telebotDemo[C, U]) handleUpdate(_ context.Context, data []byte) error {
	u, err := t.v.parse(data) // json.Unmarshal panics on some updates
	if err != nil {
		return err
	}
	t.v.process(u)
	return nil
}

func (t *telebotDemo[C, U]) setWebhook(publicURL, secret string) error {
	return t.v.setWebhook(publicURL, secret)
}

func (t *telebotDemo[C, U]) deleteWebhook() error { return t.v.deleteWebhook() }

func (t *telebotDemo[C, U]) callbackData(payload string) string {
	return "\f" + menuButton + "|" + payload
}

// telebotChat is a chat on a telebot update.
type telebotChat[C telebotContext, U any] struct {
	c C
	v *telebotVersion[C, U]
}

func (t telebotChat[C, U]) ChatID() int64             { return t.v.chatID(t.c) }
func (t telebotChat[C, U]) Text() string              { return t.c.Text() }
func (t telebotChat[C, U]) Payload() string           { return t.c.Data() }
func (t telebotChat[C, U]) Respond(text string) error { return t.v.respond(t.c, text) }
func (t telebotChat[C, U]) Edit(text string) error    { return t.c.Edit(text, t.v.menu()) }
func (t telebotChat[C, U]) SendEditable(text string) (func(string) error, error) {
	return t.v.sendEditable(t.c, text)
}

func (t telebotChat[C, U]) Send(text string, menu bool) error {
	if menu {
		return t.c.Send(text, t.v.menu())
	}
	return t.c.Send(text)
}
