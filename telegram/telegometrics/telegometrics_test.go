package telegometrics_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"
	th "github.com/mymmrac/telego/telegohandler"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/telegometrics"
)

// counting is a Router that counts registrations.
type counting struct{ n int }

func (c *counting) Handle(th.Handler, ...th.Predicate) { c.n++ }

// TestBadRoutes: every bad registration is an error that says what is
// wrong and what is allowed, and registers nothing, where telego panics
// (nil handler or predicate) or silently never matches.
func TestBadRoutes(t *testing.T) {
	ok := func(*th.Context, telego.Update) error { return nil }
	for _, tc := range []struct {
		name string
		reg  func(*telegometrics.Tracker) error
		want string
	}{
		{"empty command", func(tr *telegometrics.Tracker) error { return tr.Command("", ok) }, "want 1 to 32 characters of [A-Za-z0-9_]"},
		{"slash", func(tr *telegometrics.Tracker) error { return tr.Command("/start", ok) }, `without the "/"`},
		{"long command", func(tr *telegometrics.Tracker) error { return tr.Command(strings.Repeat("a", 33), ok) }, "1 to 32"},
		{"unique", func(tr *telegometrics.Tracker) error { return tr.Callback("menu|x", ok) }, "[A-Za-z0-9_-]"},
		{"kind", func(tr *telegometrics.Tracker) error { return tr.On("gif", ok) }, `unknown kind "gif"`},
		{"name", func(tr *telegometrics.Tracker) error { return tr.HandleAs("Start", ok) }, "want only [a-z0-9_]"},
		{"nil handler", func(tr *telegometrics.Tracker) error { return tr.Command("start", nil) }, "start_handler: nil handler"},
		{"nil predicate", func(tr *telegometrics.Tracker) error { return tr.On(telegometrics.KindText, ok, th.Any(), nil) }, "predicate 2 of 2 is nil"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := &counting{}
			err := tc.reg(telegometrics.New(r))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one saying %q", err, tc.want)
			}
			if r.n != 0 {
				t.Errorf("%d routes registered, want none", r.n)
			}
		})
	}
}

// TestOutcomes: the tracked handler's error is returned unchanged and named
// by its cause, a 429 "flood_wait"; a panic is recorded and continues.
func TestOutcomes(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _, _ := newBot(t, "http://127.0.0.1:1", token, nil)
	g := &th.HandlerGroup{}
	tr := telegometrics.New(g, telegometrics.WithMetrics(m))
	flood := &ta.Error{ErrorCode: 429, Description: "Too Many Requests", Parameters: &ta.ResponseParameters{RetryAfter: 3}}
	err := errors.Join(
		tr.Command("flood", func(*th.Context, telego.Update) error { return flood }),
		tr.Command("boom", func(*th.Context, telego.Update) error { panic("boom") }),
		tr.On(telegometrics.KindMessage, func(*th.Context, telego.Update) error { return nil }),
	)
	if err != nil {
		t.Fatal(err)
	}
	msg := func(text string) telego.Update {
		return telego.Update{UpdateID: 1, Message: &telego.Message{Chat: telego.Chat{ID: 1}, Text: text}}
	}
	if err := g.HandleUpdate(context.Background(), bot, msg("/flood")); err != flood {
		t.Errorf("HandleUpdate returned %v, want the handler's error unchanged", err)
	}
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Errorf("recovered %v, want the handler's panic", r)
			}
		}()
		g.HandleUpdate(context.Background(), bot, msg("/boom"))
	}()
	g.HandleUpdate(context.Background(), bot, msg("/flood2")) // a command no route takes
	g.HandleUpdate(context.Background(), bot, msg("hello"))

	e := promtest.Scrape(t, m.Handler())
	for _, want := range []struct {
		name, errorName string
	}{{"flood_handler", "flood_wait"}, {"boom_handler", "panic"}} {
		if got := e.Sum(actiontest.Count, promtest.Labels{"name": want.name, "status": "error", "error_name": want.errorName}); got != 1 {
			t.Errorf("%s: %v runs with error_name %q, want 1", want.name, got, want.errorName)
		}
	}
	actiontest.Want(t, e, "unknown_command_handler", 1, 0)
	actiontest.Want(t, e, "message_handler", 1, 0)
}
