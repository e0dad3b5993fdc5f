package telebotmetrics_test

import (
	"testing"
	"time"

	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/internal/actiontest"
	"github.com/genapp-go/genapp/telegram/internal/telebottest"
	"github.com/genapp-go/genapp/telegram/telebotmetrics"
)

// TestUpdateHealth: each update a route takes is counted once by type,
// its lag observed from the date the Bot API gives that kind (edit_date
// for edits, none for callbacks); an update no route takes is not
// counted; and the handlers in flight rise with a burst of slow handlers
// and fall back to 0.
func TestUpdateHealth(t *testing.T) {
	m := actiontest.NewMetrics(t)
	bot, _ := newBot(t)
	tr := telebotmetrics.New(bot, telebotmetrics.WithMetrics(m))
	for _, e := range []string{tele.OnEdited, tele.OnChannelPost, tele.OnCallback, tele.OnChatJoinRequest} {
		tr.Handle(e, func(tele.Context) error { return nil })
	}
	now, long := time.Now().Unix(), time.Now().Add(-telebottest.Lag).Unix()
	chat := &tele.Chat{ID: 7}
	for _, u := range []tele.Update{
		{EditedMessage: &tele.Message{Chat: chat, Text: "x", Unixtime: long - 600, LastEdit: now}},
		{ChannelPost: &tele.Message{Chat: chat, Text: "x", Unixtime: long}},
		{Callback: &tele.Callback{ID: "1", Message: &tele.Message{Chat: chat, Unixtime: long}}},
		{ChatJoinRequest: &tele.ChatJoinRequest{Chat: chat, Sender: &tele.User{ID: 7}, Unixtime: long}},
		{Message: &tele.Message{Chat: chat, Text: "no route takes it", Unixtime: now}},
	} {
		bot.ProcessUpdate(u)
	}
	e := promtest.Scrape(t, m.Handler())
	telebottest.CheckTypes(t, e, map[string]telebottest.Dated{
		"edited_message": telebottest.Recent, "channel_post": telebottest.Late,
		"callback_query": telebottest.Undated, "chat_join_request": telebottest.Late,
	})
	if got := e.Series(actiontest.Updates); got != 4 {
		t.Errorf("%d update types counted, want 4: the message no route takes is not", got)
	}

	async, err := tele.NewBot(tele.Settings{Offline: true})
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	telebotmetrics.New(async, telebotmetrics.WithMetrics(m)).Handle("/slow", func(tele.Context) error { <-release; return nil })
	telebottest.Burst(t, m.Handler(), 20, func() { async.ProcessUpdate(message("/slow")) }, release)
}
