package telegramtest_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genapp-go/genapp/telegram/telegramtest"
	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	tele "gopkg.in/telebot.v3"
)

// TestWebhookTgbotapi runs tgbotapi in webhook mode: it registers a
// loopback endpoint with setWebhook, getUpdates then conflicts, Deliver
// POSTs the pending updates to the endpoint where HandleUpdate decodes
// them, a reply written into the webhook answer (WriteToHTTPResponse) is
// run as an API call, and a failing endpoint keeps the update pending.
func TestWebhookTgbotapi(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	bot := newTgbotapi(t, srv)

	received := make(chan tgbotapi.Update, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upd, err := bot.HandleUpdate(r)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		received <- *upd
		switch upd.Message.Text {
		case "fail":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "ping":
			_ = tgbotapi.WriteToHTTPResponse(w, tgbotapi.NewMessage(upd.Message.Chat.ID, "pong"))
		}
	}))
	defer hook.Close()

	ctx := waitCtx(t)
	if err := srv.Deliver(ctx); err == nil {
		t.Error("Deliver without a webhook succeeded")
	}
	wh, err := tgbotapi.NewWebhook(hook.URL + "/hook")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Request(wh); err != nil {
		t.Fatalf("setWebhook: %v", err)
	}
	if got := srv.WebhookURL(); got != hook.URL+"/hook" {
		t.Errorf("WebhookURL() = %q", got)
	}
	if r := call(t, srv, "getUpdates", nil); r.ErrorCode != http.StatusConflict ||
		!strings.HasPrefix(r.Description, "Conflict: can't use getUpdates method while webhook is active") {
		t.Errorf("getUpdates with a webhook = %+v, want 409", r)
	}

	first := srv.SendText(300, "hello")
	srv.SendText(300, "ping")
	if info, err := bot.GetWebhookInfo(); err != nil || info.URL != hook.URL+"/hook" || info.PendingUpdateCount != 2 {
		t.Errorf("getWebhookInfo = %+v, %v", info, err)
	}
	if err := srv.Deliver(ctx); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	for i, want := range []string{"hello", "ping"} {
		if upd := <-received; upd.UpdateID != first+i || upd.Message.Text != want {
			t.Errorf("delivered update %d = %d %q, want %d %q", i, upd.UpdateID, upd.Message.Text, first+i, want)
		}
	}
	if sent := srv.Sent(); len(sent) != 1 || sent[0].Text != "pong" || sent[0].ChatID != 300 {
		t.Errorf("Sent() = %+v, want the pong from the webhook answer", sent)
	}
	if p := srv.Pending(); p != 0 {
		t.Errorf("Pending() after delivery = %d", p)
	}

	if info, err := bot.GetWebhookInfo(); err != nil || info.PendingUpdateCount != 0 || info.LastErrorDate != 0 || info.LastErrorMessage != "" {
		t.Errorf("getWebhookInfo before any failure = %+v, %v", info, err)
	}
	srv.SendText(300, "fail")
	srv.SendText(300, "behind it")
	before := time.Now().Unix()
	if err := srv.Deliver(ctx); err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("Deliver to a failing endpoint: err = %v, want the 500", err)
	}
	after := time.Now().Unix()
	<-received
	if info, err := bot.GetWebhookInfo(); err != nil || info.PendingUpdateCount != 2 || int64(info.LastErrorDate) < before ||
		int64(info.LastErrorDate) > after || info.LastErrorMessage != "wrong response from the webhook: 500 Internal Server Error" {
		t.Errorf("getWebhookInfo after a failure = %+v, %v; want 2 pending, the error dated %d to %d", info, err, before, after)
	}

	if _, err := bot.Request(tgbotapi.DeleteWebhookConfig{DropPendingUpdates: true}); err != nil {
		t.Fatalf("deleteWebhook: %v", err)
	}
	if srv.WebhookURL() != "" || srv.Pending() != 0 {
		t.Errorf("after deleteWebhook: URL %q, %d pending", srv.WebhookURL(), srv.Pending())
	}
	if r := call(t, srv, "getUpdates", nil); !r.OK {
		t.Errorf("getUpdates after deleteWebhook: %+v", r)
	}
}

// TestWebhookTelebot feeds telebot through a webhook with a secret token.
// telebot's own Webhook poller panics on Bot.Stop (it closes its stop
// channel twice), so the endpoint decodes the update and calls
// ProcessUpdate, the documented way to feed a bot.
func TestWebhookTelebot(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	b, err := tele.NewBot(tele.Settings{URL: srv.URL, Token: srv.Token, Offline: true, Synchronous: true})
	if err != nil {
		t.Fatal(err)
	}
	b.Handle("/start", func(c tele.Context) error { return c.Send("welcome") })

	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Telegram-Bot-Api-Secret-Token") != "s3cret" {
			http.Error(w, "wrong secret", http.StatusForbidden)
			return
		}
		var upd tele.Update
		if err := json.NewDecoder(r.Body).Decode(&upd); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		b.ProcessUpdate(upd)
	}))
	defer hook.Close()

	if err := b.SetWebhook(&tele.Webhook{SecretToken: "s3cret", Endpoint: &tele.WebhookEndpoint{PublicURL: hook.URL}}); err != nil {
		t.Fatalf("SetWebhook: %v", err)
	}
	srv.SendText(400, "/start")
	if err := srv.Deliver(waitCtx(t)); err != nil {
		t.Fatalf("Deliver: %v", err)
	}
	if sent := srv.Sent(); len(sent) != 1 || sent[0].Text != "welcome" || sent[0].ChatID != 400 {
		t.Errorf("Sent() = %+v", sent)
	}
	if err := b.RemoveWebhook(); err != nil || srv.WebhookURL() != "" {
		t.Errorf("RemoveWebhook: %v, URL %q", err, srv.WebhookURL())
	}
}

// TestSetWebhookAgain: setting the webhook that is set, as every replica
// of a bot does when it starts, changes nothing and says so, as the real
// API does: the last delivery error stays; another secret replaces it.
func TestSetWebhookAgain(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer hook.Close()
	set := map[string]any{"url": hook.URL, "secret_token": "shared_by-replicas"}
	if r := call(t, srv, "setWebhook", set); !r.OK || r.Description != "Webhook was set" {
		t.Fatalf("setWebhook = %+v", r)
	}
	srv.SendText(1, "hi")
	if err := srv.Deliver(waitCtx(t)); err == nil {
		t.Fatal("delivery to a failing webhook succeeded")
	}
	for _, tc := range []struct {
		params   map[string]any
		want     string
		keepsErr bool
	}{
		{set, "Webhook is already set", true},
		{map[string]any{"url": hook.URL, "secret_token": "another"}, "Webhook was set", false},
	} {
		if r := call(t, srv, "setWebhook", tc.params); !r.OK || r.Description != tc.want {
			t.Errorf("setWebhook %v = %+v, want %q", tc.params, r, tc.want)
		}
		var info struct {
			LastErrorMessage string `json:"last_error_message"`
		}
		if err := json.Unmarshal(call(t, srv, "getWebhookInfo", nil).Result, &info); err != nil {
			t.Fatal(err)
		}
		if (info.LastErrorMessage != "") != tc.keepsErr {
			t.Errorf("after setWebhook %v: last_error_message %q, want it kept: %v", tc.params, info.LastErrorMessage, tc.keepsErr)
		}
	}
	if got := srv.WebhookURL(); got != hook.URL {
		t.Errorf("WebhookURL() = %q, want %q", got, hook.URL)
	}
}

// TestDeliverParallel: up to max_connections deliveries at a time (the
// handler holds each until three are in), a failed one stays pending and
// is reported, and none is delivered twice.
func TestDeliverParallel(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	var mu sync.Mutex
	inside, peak := 0, 0
	seen := map[string]int{}
	three := make(chan struct{})
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var u struct {
			Message struct{ Text string } `json:"message"`
		}
		json.NewDecoder(r.Body).Decode(&u)
		mu.Lock()
		inside++
		peak = max(peak, inside)
		seen[u.Message.Text]++
		if inside == 3 {
			close(three)
		}
		mu.Unlock()
		select {
		case <-three:
		case <-time.After(5 * time.Second):
		}
		mu.Lock()
		inside--
		mu.Unlock()
		if u.Message.Text == "fail" {
			http.Error(w, "no", http.StatusInternalServerError)
		}
	}))
	defer hook.Close()
	if r := call(t, srv, "setWebhook", map[string]any{"url": hook.URL, "max_connections": 3}); !r.OK {
		t.Fatalf("setWebhook: %+v", r)
	}
	for _, text := range []string{"a", "b", "fail", "c", "d"} {
		srv.SendText(1, text)
	}
	err := srv.DeliverParallel(waitCtx(t))
	if err == nil || !strings.Contains(err.Error(), "500") {
		t.Errorf("DeliverParallel = %v, want the 500 of the failing update", err)
	}
	if peak != 3 {
		t.Errorf("at most %d deliveries at a time, want max_connections (3)", peak)
	}
	for _, text := range []string{"a", "b", "fail", "c", "d"} {
		if seen[text] != 1 {
			t.Errorf("%q delivered %d times, want once", text, seen[text])
		}
	}
	var info struct {
		Pending   int    `json:"pending_update_count"`
		ErrorDate int64  `json:"last_error_date"`
		ErrorMsg  string `json:"last_error_message"`
	}
	if err := json.Unmarshal(call(t, srv, "getWebhookInfo", nil).Result, &info); err != nil || info.Pending != 1 || info.ErrorDate == 0 ||
		!strings.Contains(info.ErrorMsg, "500") {
		t.Errorf("getWebhookInfo = %+v, %v; want the failed update pending and its error", info, err)
	}
}
