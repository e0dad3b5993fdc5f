package telegometrics_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/mymmrac/telego"
	tu "github.com/mymmrac/telego/telegoutil"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/telegram/telegometrics"
)

// TestClientKeepsTheTokenSecret: with the Bot API unreachable, or echoing
// the token, telego's errors and logs quote no token; with telego's own
// telego.WithHTTPClient, the control, they do.
func TestClientKeepsTheTokenSecret(t *testing.T) {
	secret := strings.SplitN(token, ":", 2)[1]
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusBadRequest)
		w.Write([]byte(`{"ok":false,"error_code":400,"description":"bad path ` + r.URL.Path + `"}`))
	}))
	defer echo.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	for _, url := range []string{echo.URL, closed.URL} {
		bot, _, l := newBot(t, url, token, nil)
		_, err := bot.SendMessage(context.Background(), tu.Message(tu.ID(1), "hi"))
		if err == nil {
			t.Fatal("no error")
		}
		if text := err.Error() + l.text(); strings.Contains(text, secret) {
			t.Errorf("the token's secret leaked: %s", text)
		}

		// The control: telego's own option sends the token it holds.
		bot, err = telego.NewBot(token, telego.WithAPIServer(url), telego.WithHTTPClient(&http.Client{}), telego.WithDiscardLogger())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bot.SendMessage(context.Background(), tu.Message(tu.ID(1), "hi")); err == nil || !strings.Contains(err.Error(), secret) {
			t.Errorf("telego.WithHTTPClient's error %v does not quote the token: the control shows nothing", err)
		}
	}
	if _, err := telego.NewBot(httpclient.TokenPlaceholder); err == nil {
		t.Error("telego accepts httpclient.TokenPlaceholder: telegometrics.TokenPlaceholder may be unneeded")
	}
	if _, err := telego.NewBot(telegometrics.TokenPlaceholder, telegometrics.WithClient(nil)); err == nil || !strings.Contains(err.Error(), "WithClient(nil)") {
		t.Errorf("WithClient(nil): %v, want an error naming it", err)
	}
}
