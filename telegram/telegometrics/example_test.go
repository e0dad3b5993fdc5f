package telegometrics_test

import (
	"fmt"
	"log"

	"github.com/mymmrac/telego"
	th "github.com/mymmrac/telego/telegohandler"
	tu "github.com/mymmrac/telego/telegoutil"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/telegram/telegometrics"
)

// Registering routes through a Tracker: each is tracked under the name
// derived from what it is registered for.
func Example() {
	// The bot calls the Bot API through a tracked client that adds the real
	// token; telego holds only the placeholder.
	client := httpclient.NewTelegram("123456:secret")
	bot, err := telego.NewBot(telegometrics.TokenPlaceholder, telegometrics.WithClient(client))
	if err != nil {
		log.Fatal(err)
	}
	bh, err := th.NewBotHandler(bot, make(chan telego.Update)) // in a bot: the Updates of a telegometrics.Poller
	if err != nil {
		log.Fatal(err)
	}
	tr, err := telegometrics.New(bh) // before any route or middleware: it counts every update
	if err != nil {
		log.Fatal(err)
	}
	bh.Use(th.PanicRecovery()) // a panic is recorded as "error", then recovered here

	err = tr.Command("start", func(ctx *th.Context, u telego.Update) error { // start_handler
		_, err := ctx.Bot().SendMessage(ctx, tu.Message(tu.ID(u.Message.Chat.ID), "Hi!"))
		return err
	})
	fmt.Println(err)
	err = tr.Callback("menu", func(ctx *th.Context, u telego.Update) error { // menu_callback_handler: data "menu:<payload>"
		return ctx.Bot().AnswerCallbackQuery(ctx, tu.CallbackQuery(u.CallbackQuery.ID))
	})
	fmt.Println(err)
	// A route named by the caller; the name is checked.
	fmt.Println(tr.HandleAs("Bad Name", func(*th.Context, telego.Update) error { return nil }, th.AnyMessage()))
	// Output:
	// <nil>
	// <nil>
	// telegram: action name "Bad Name": character 'B' at 0 is not allowed; want only [a-z0-9_]
}
