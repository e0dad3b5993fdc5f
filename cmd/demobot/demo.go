package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync/atomic"
	"time"
)

// chat is what a demo handler needs from a bot library for one update:
// telebot.go, tgbotapi.go and gotgbot.go implement it, so that the libraries run
// exactly the same handlers.
type chat interface {
	ChatID() int64
	// Text is the text of the message, "" for a callback.
	Text() string
	// Payload is the payload of the pressed button, "" for a message.
	Payload() string
	// Send sends text to the chat, with the menu keyboard when menu is true.
	Send(text string, menu bool) error
	// Respond answers the callback query of the pressed button.
	Respond(text string) error
	// Edit replaces the text of the message the pressed button is on,
	// keeping the menu keyboard.
	Edit(text string) error
	// SendEditable sends text to the chat and returns what replaces the
	// text of that message.
	SendEditable(text string) (edit func(text string) error, err error)
}

// menuItem is a button of the inline menu. Every button has the unique
// menuButton, so that all of them are tracked as one action,
// menu_callback_handler; the payload tells them apart.
type menuItem struct {
	title, payload string
	expired        bool // pressing it fails
}

const menuButton = "menu"

var menuItems = []menuItem{
	{title: "Weather", payload: "weather"},
	{title: "News", payload: "news"},
	{title: "Expired offer", payload: "offer", expired: true},
}

// routeKind is what a route takes.
type routeKind int

const (
	commandRoute routeKind = iota // a command, key without "/"
	buttonRoute                   // an inline button, key = its unique
	textRoute                     // any other text, unknown commands included
)

// route is one handler of the demo and what it is registered for. The
// adapters derive the tracked name from it: command "start" is
// start_handler, button "menu" menu_callback_handler, text text_handler
// (unknown_command_handler for a command no route takes).
type route struct {
	kind   routeKind
	key    string
	handle func(ctx context.Context, c chat) error
}

// Errors of the handlers that fail on purpose, so that error series exist.
var (
	errDeliberate = errors.New("/fail fails on purpose")
	errExpired    = errors.New("the pressed offer has expired")
)

// demo holds the handlers' state.
type demo struct {
	sessions *sessions
	picks    atomic.Int64 // menu picks so far, so that every edit changes the text
	llm      *asker       // of /ask; set before the bot starts
}

func newDemo(s *sessions) *demo { return &demo{sessions: s} }

// routes returns the demo's handlers.
func (d *demo) routes() []route {
	return []route{
		{commandRoute, "start", d.start},
		{commandRoute, "menu", d.menu},
		{commandRoute, "slow", d.slow},
		{commandRoute, "fail", d.fail},
		{commandRoute, "panic", d.panics},
		{commandRoute, "ask", d.ask},
		{buttonRoute, menuButton, d.pick},
		{textRoute, "", d.text},
	}
}

// handle runs rt for c: the one entry point of both adapters. The update is
// handled in a span of its own, so that the outbound calls made in its
// context (the LLM call of /ask) have it as exemplar.
func (d *demo) handle(ctx context.Context, rt route, c chat) error {
	ctx = withSpan(ctx)
	if err := d.sessions.touch(ctx, c.ChatID()); err != nil {
		return fmt.Errorf("session store: %w", err)
	}
	return rt.handle(ctx, c)
}

func (d *demo) start(_ context.Context, c chat) error {
	return c.Send("Hi! I am the genapp demo bot. Every command and button you use is counted on /prometheus. "+
		"Try /menu, /ask <question>, /slow, /fail, /panic or the buttons below.", true)
}

func (d *demo) menu(_ context.Context, c chat) error {
	return c.Send("Pick an item:", true)
}

// slow answers after 0.2 to 1.5 s, so that the latency histogram has a
// spread worth a p95.
func (d *demo) slow(ctx context.Context, c chat) error {
	delay := 200*time.Millisecond + rand.N(1300*time.Millisecond)
	t := time.NewTimer(delay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
		return ctx.Err()
	}
	return c.Send(fmt.Sprintf("That took %v.", delay.Round(time.Millisecond)), false)
}

func (d *demo) fail(_ context.Context, c chat) error {
	if err := c.Send("Failing on purpose: this run counts with status=\"error\".", false); err != nil {
		return err
	}
	return errDeliberate
}

// panics panics: the run counts as an error, and the bot carries on
// (telebot through its Recover middleware, tgbotapimetrics by itself).
func (d *demo) panics(context.Context, chat) error {
	panic("/panic panics on purpose")
}

// pick answers a menu button and edits the menu message to show the pick.
func (d *demo) pick(_ context.Context, c chat) error {
	for _, item := range menuItems {
		if item.payload != c.Payload() {
			continue
		}
		if item.expired {
			if err := c.Respond("Sorry, this offer has expired."); err != nil {
				return err
			}
			return errExpired
		}
		if err := c.Respond("You picked " + item.title); err != nil {
			return err
		}
		return c.Edit(fmt.Sprintf("You picked %s (pick #%d). Pick again:", item.title, d.picks.Add(1)))
	}
	return c.Respond("This menu is out of date: send /menu.")
}

// text echoes text; a command no route takes gets a hint instead.
func (d *demo) text(_ context.Context, c chat) error {
	if cmd, ok := strings.CutPrefix(c.Text(), "/"); ok {
		cmd, _, _ = strings.Cut(cmd, " ")
		return c.Send(fmt.Sprintf("I do not know /%s. Try /start.", cmd), false)
	}
	return c.Send("You said: "+c.Text(), false)
}
