package telegometrics

import (
	"context"
	"errors"
	"net/http"
	"strings"

	"github.com/mymmrac/telego"
	ta "github.com/mymmrac/telego/telegoapi"

	"github.com/genapp-go/genapp/httpclient"
)

// TokenPlaceholder is the bot token to give telego.NewBot together with
// [WithClient]. Telego accepts only tokens of the real format, which
// httpclient.TokenPlaceholder does not have; this one has it, and the
// client of WithClient puts httpclient.TokenPlaceholder in its place, which
// an httpclient.NewTelegram client replaces with the real token below
// net/http. Telego, its URLs, errors and logs never hold the real token.
const TokenPlaceholder = "0:TOKEN-telegometrics-placeholder-000"

// WithClient makes the bot call the Bot API with client, an
// httpclient.NewTelegram client, instead of fasthttp, telego's default,
// which no http.RoundTripper sees: give it to telego.NewBot with
// [TokenPlaceholder] as the token.
//
//	client := httpclient.NewTelegram(os.Getenv("TELEGRAM_BOT_TOKEN"))
//	bot, err := telego.NewBot(telegometrics.TokenPlaceholder, telegometrics.WithClient(client))
//
// Telego's own telego.WithHTTPClient takes an *http.Client too, but sends
// the token it was given in the URL: the real one, or a placeholder no
// client replaces.
func WithClient(client *http.Client) telego.BotOption {
	return func(bot *telego.Bot) error {
		if client == nil {
			return errors.New("telegometrics: WithClient(nil): want an *http.Client, such as httpclient.NewTelegram's")
		}
		return telego.WithAPICaller(caller{ta.HTTPCaller{Client: client}})(bot)
	}
}

// caller is telego's net/http caller with [TokenPlaceholder] swapped for
// httpclient.TokenPlaceholder in each URL.
type caller struct{ http ta.HTTPCaller }

func (c caller) Call(ctx context.Context, url string, data *ta.RequestData) (*ta.Response, error) {
	return c.http.Call(ctx, forHTTPClient(url), data)
}

// FileDownloadURL is bot.FileDownloadURL(filePath) for a bot made with
// [TokenPlaceholder]: an httpclient.NewTelegram client downloads from it
// with the real token.
func FileDownloadURL(bot *telego.Bot, filePath string) string {
	return forHTTPClient(bot.FileDownloadURL(filePath))
}

// forHTTPClient swaps the first "/bot"+TokenPlaceholder+"/" in url for
// httpclient.TokenPlaceholder's.
func forHTTPClient(url string) string {
	return strings.Replace(url, "/bot"+TokenPlaceholder+"/", "/bot"+httpclient.TokenPlaceholder+"/", 1)
}
