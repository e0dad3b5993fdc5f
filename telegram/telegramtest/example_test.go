package telegramtest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/telegram/telebotmetrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// A telebot bot runs unmodified against the server: point Settings.URL
// and Token at it, play the user, and read the replies.
func ExampleNewServer_telebot() {
	srv := telegramtest.NewServer()
	defer srv.Close()

	p, err := telebotmetrics.NewPoller(http.DefaultClient)
	if err != nil {
		panic(err)
	}
	b, err := tele.NewBot(tele.Settings{URL: srv.URL, Token: srv.Token, Poller: p})
	if err != nil {
		panic(err)
	}
	b.Handle("/start", func(c tele.Context) error {
		return c.Send("Hello, " + c.Sender().FirstName + "!")
	})
	go b.Start()
	defer b.Stop()

	srv.SendText(42, "/start")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sent, err := srv.WaitSent(ctx, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%s to %d: %s\n", sent[0].Method, sent[0].ChatID, sent[0].Text)
	// Output: sendMessage to 42: Hello, Test!
}

// A tgbotapi bot takes the server's Endpoint as its API endpoint.
func ExampleNewServer_tgbotapi() {
	srv := telegramtest.NewServer()
	defer srv.Close()

	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.Endpoint(), &http.Client{})
	if err != nil {
		panic(err)
	}
	fmt.Println("bot:", bot.Self.UserName)

	srv.SendText(42, "/help@test_bot")
	u := tgbotapi.NewUpdate(0)
	u.Timeout = 10
	updates, err := bot.GetUpdates(u)
	if err != nil {
		panic(err)
	}
	for _, upd := range updates {
		reply := tgbotapi.NewMessage(upd.Message.Chat.ID, "no help for /"+upd.Message.Command())
		if _, err := bot.Send(reply); err != nil {
			panic(err)
		}
	}
	fmt.Println("sent:", srv.Sent()[0].Text)
	// Output:
	// bot: test_bot
	// sent: no help for /help
}

// Inject makes calls fail the way the real API does under load.
func ExampleServer_Inject() {
	srv := telegramtest.NewServer()
	defer srv.Close()
	bot, err := tgbotapi.NewBotAPIWithClient(srv.Token, srv.Endpoint(), &http.Client{})
	if err != nil {
		panic(err)
	}

	srv.Inject("sendMessage", telegramtest.Fault{Status: http.StatusTooManyRequests, RetryAfter: 3})
	_, err = bot.Send(tgbotapi.NewMessage(42, "hi"))
	var apiErr *tgbotapi.Error
	if errors.As(err, &apiErr) {
		fmt.Printf("%d: %s (retry after %ds)\n", apiErr.Code, apiErr.Message, apiErr.RetryAfter)
	}
	_, err = bot.Send(tgbotapi.NewMessage(42, "hi"))
	fmt.Println("second try:", err)
	// Output:
	// 429: Too Many Requests: retry after 3 (retry after 3s)
	// second try: <nil>
}

// A test can press an inline button and check that the bot answered the
// callback query.
func ExampleServer_PressButton() {
	srv := telegramtest.NewServer()
	defer srv.Close()
	p, err := telebotmetrics.NewPoller(http.DefaultClient)
	if err != nil {
		panic(err)
	}
	b, err := tele.NewBot(tele.Settings{URL: srv.URL, Token: srv.Token, Poller: p})
	if err != nil {
		panic(err)
	}
	b.Handle("\fvote", func(c tele.Context) error {
		if err := c.Respond(&tele.CallbackResponse{Text: "thanks"}); err != nil {
			return err
		}
		return c.Send("you voted " + c.Data())
	})
	go b.Start()
	defer b.Stop()

	id := srv.PressButton(42, "\fvote|yes") // telebot's data: "\f<unique>|<payload>"
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	sent, err := srv.WaitSent(ctx, 1)
	if err != nil {
		panic(err)
	}
	fmt.Println(sent[0].Text)
	fmt.Println(srv.Answered()[0] == fmt.Sprint(id))
	// Output:
	// you voted yes
	// true
}
