// Package telebottest is the end-to-end scenario that the tests of the
// telebot front ends (tbot for v3, tbot4 for v4) play against a real bot
// on the fake Bot API, so that both versions are held to the same exact
// outcome.
//
// The bot under test registers, through its Tracker:
//
//	"/start"        sends "hello" with an inline button "menu"
//	button "menu"   answers the callback, sends "menu <payload>"
//	OnText          sends "echo <text>"
//	OnCallback      answers the callback
//	"/fail"         sends "failing", returns errors.New("fail handler failed")
//	"/boom"         sends "panicking", panics with "boom handler panicked"
//
// with telebot's middleware.Recover installed with Use.
package telebottest

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// Errors the scenario's /fail and /boom handlers fail with.
const (
	FailError  = "fail handler failed"
	PanicValue = "boom handler panicked"
)

// Play sends the scenario's updates to srv, from chat 100, and returns the
// id of the callback whose button has no route.
func Play(srv *telegramtest.Server) (unrouted int) {
	srv.SendText(100, "/start")
	srv.PressButton(100, "\fmenu|42")
	srv.SendText(100, "hello")
	unrouted = srv.PressButton(100, "\fghost|7")
	srv.SendText(100, "/fail")
	srv.SendText(100, "/boom")
	srv.SendText(100, "/nope arg")
	return unrouted
}

// Check waits for the scenario's replies and runs, recorded in h, and
// asserts the exact action samples, the replies srv received, the answered
// callbacks and the errors onError returns (what the bot's OnError got),
// and that the exposition holds no part of srv's token. It returns the
// exposition.
func Check(t *testing.T, srv *telegramtest.Server, h http.Handler, unrouted int, onError func() []string) *promtest.Exposition {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sent, err := srv.WaitSent(ctx, 6)
	if err != nil {
		t.Fatal(err)
	}
	e := actiontest.Wait(t, h, 7, 5*time.Second)

	actiontest.Want(t, e, "start_handler", 1, 0)
	actiontest.Want(t, e, "menu_callback_handler", 1, 0)
	actiontest.Want(t, e, "text_handler", 1, 0)
	actiontest.Want(t, e, "callback_handler", 1, 0)
	actiontest.Want(t, e, "fail_handler", 0, 1)
	actiontest.Want(t, e, "boom_handler", 0, 1)
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	if got := e.Series(actiontest.Count); got != 7 {
		t.Errorf("%d series of %s, want 7 (7 names, one status each)", got, actiontest.Count)
	}

	var texts []string
	for _, s := range sent {
		if s.ChatID == 100 {
			texts = append(texts, s.Text)
		}
	}
	slices.Sort(texts) // telebot runs handlers concurrently
	if got := strings.Join(texts, "|"); got != "echo /nope arg|echo hello|failing|hello|menu 42|panicking" {
		t.Errorf("replies %s", got)
	}
	if answered := srv.Answered(); len(answered) != 2 || !slices.Contains(answered, strconv.Itoa(unrouted)) {
		t.Errorf("answered callbacks %v, want the menu one and %d", answered, unrouted)
	}
	errs := onError()
	slices.Sort(errs)
	if got := strings.Join(errs, "|"); got != PanicValue+"|"+FailError {
		t.Errorf("OnError got %q, want the handler error and the recovered panic", got)
	}
	if strings.Contains(e.Text, srv.Token) || strings.Contains(e.Text, strings.SplitN(srv.Token, ":", 2)[1]) {
		t.Error("the exposition contains the token")
	}
	return e
}
