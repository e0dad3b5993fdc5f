package telegometrics_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/telegometrics"
)

// FuzzHandleUpdate feeds random updates, as the Bot API's JSON, through
// ParseUpdate to telego's routing (HandlerGroup.HandleUpdate), with routes
// of every kind registered through a Tracker: routing never panics, at most
// one route runs, and the only action names recorded are those of the
// routes. Updates ParseUpdate rejects are left out: the Poller skips them.
func FuzzHandleUpdate(f *testing.F) {
	own := []string{
		`{"update_id":1,"message":{"message_id":1,"date":1,"chat":{"id":1,"type":"private"},"text":"/start@bot arg"}}`,
		`{"update_id":2,"message":{"chat":{"id":1},"text":"/x@"}}`,
		`{"update_id":3,"callback_query":{"id":"1","data":"menu:42","from":{"id":1}}}`,
		`{"update_id":4,"callback_query":{"id":"1","data":"ghost"}}`,
		`{"update_id":6,"message":{"photo":[{"file_id":"x"}],"caption":"/start"}}`,
		`{"update_id":8,"chat_member":{"old_chat_member":{"status":"member"},"new_chat_member":{"status":"kicked"}}}`,
		`{"update_id":9,"message":{"pinned_message":{"date":0}}}`,
		`{"update_id":10,"inline_query":{"id":"1","query":"/start"}}`,
	}
	bot, _, _ := newBot(f, "http://127.0.0.1:1", token, nil)
	m := actiontest.NewMetrics(f)
	g := &th.HandlerGroup{}
	tr := newTracker(f, g, telegometrics.WithMetrics(m))
	names := []string{"start_handler", "menu_callback_handler", telegram.UnknownCommand}
	err := tr.Command("start", ok)
	err = errors.Join(err, tr.Callback("menu", ok))
	err = errors.Join(err, tr.On(telegram.KindUnknownCommand, ok))
	for _, k := range []telegram.Kind{telegram.KindText, telegram.KindPhoto, telegram.KindMessage, telegram.KindCallback,
		telegram.KindEditedMessage, telegram.KindMyChatMember, telegram.KindChatMember, telegram.KindInlineQuery} {
		err = errors.Join(err, tr.On(k, ok))
		names = append(names, string(k)+"_handler")
	}
	if err != nil {
		f.Fatal(err)
	}
	adaptertest.FuzzParseUpdate(f, telegometrics.ParseUpdate, func(t *testing.T, u telego.Update) {
		before := actiontest.Runs(promtest.Scrape(t, m.Handler()))
		if err := g.HandleUpdate(context.Background(), bot, u); err != nil {
			t.Fatal(err)
		}
		e := promtest.Scrape(t, m.Handler())
		if runs := actiontest.Runs(e) - before; runs > 1 {
			t.Fatalf("%d runs recorded for one update", runs)
		}
		for _, s := range e.Families[actiontest.Count].GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "name" && !slices.Contains(names, l.GetValue()) {
					t.Fatalf("action %q recorded: not a route's name (%s)", l.GetValue(), strings.Join(names, " "))
				}
			}
		}
	}, own...)
}
