package httpclient_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
)

// botToken has the shape of a real token: id, ":", 35 characters.
const botToken = "7012345678:AAHfakeTokenForTests_0123456789-abcd"

func TestTelegramResource(t *testing.T) {
	for path, want := range map[string]string{
		"/bot" + botToken + "/sendMessage":                     "sendMessage",
		"/botTOKEN/getUpdates":                                 "getUpdates",
		"/tg/bot" + botToken + "/answerCallbackQuery":          "answerCallbackQuery",
		"/file/bot" + botToken + "/photos/file_1.jpg":          "file",
		"/file/bot" + botToken + "/":                           metrics.UnknownResource,
		"/file/bot" + botToken:                                 metrics.UnknownResource,
		"/bot" + botToken:                                      metrics.UnknownResource,
		"/bot" + botToken + "/":                                metrics.UnknownResource,
		"/bot" + botToken + "/send-message":                    metrics.UnknownResource,
		"/bot" + botToken + "/sendMessage/extra":               metrics.UnknownResource,
		"/" + botToken + "/sendMessage":                        metrics.UnknownResource,
		"/sendMessage":                                         metrics.UnknownResource,
		"":                                                     metrics.UnknownResource,
		"/bot" + botToken + "/" + strings.Repeat("a", 65):      metrics.UnknownResource,
		"/bot" + botToken + "/setMyDefaultAdministratorRights": "setMyDefaultAdministratorRights",
	} {
		r := httptest.NewRequest(http.MethodPost, "http://api.test/", nil)
		r.URL.Path = path
		if got := httpclient.TelegramResource(r); got != want {
			t.Errorf("TelegramResource(%q) = %q, want %q", path, got, want)
		}
	}
}

// fakeBotAPI answers the few Bot API methods the tests call, only for
// botToken, and keeps a ledger of the body bytes it read and wrote per
// resource, for the tests to compare with what the client recorded.
type fakeBotAPI struct {
	mu       sync.Mutex
	in, out  map[string]int
	badToken int
}

func newFakeBotAPI(t *testing.T) (*fakeBotAPI, *httptest.Server) {
	f := &fakeBotAPI{in: map[string]int{}, out: map[string]int{}}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv
}

var botAnswers = map[string]string{
	"getMe":               `{"ok":true,"result":{"id":7012345678,"is_bot":true,"first_name":"Test","username":"test_bot"}}`,
	"sendMessage":         `{"ok":true,"result":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":"hi"}}`,
	"getUpdates":          `{"ok":true,"result":[]}`,
	"answerCallbackQuery": `{"ok":true,"result":true}`,
	"getFile":             `{"ok":true,"result":{"file_id":"f1","file_unique_id":"u1","file_size":5,"file_path":"photos/f1.jpg"}}`,
	"file":                "\x89PNG!",
}

func (f *fakeBotAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	in, _ := io.ReadAll(r.Body)
	resource, token := "", ""
	if rest, ok := strings.CutPrefix(r.URL.Path, "/file/bot"); ok {
		token, _, _ = strings.Cut(rest, "/")
		resource = "file"
	} else if rest, ok := strings.CutPrefix(r.URL.Path, "/bot"); ok {
		token, resource, _ = strings.Cut(rest, "/")
	}
	answer, known := botAnswers[resource]
	f.mu.Lock()
	defer f.mu.Unlock()
	switch {
	case token != botToken:
		f.badToken++
		w.WriteHeader(http.StatusUnauthorized)
		io.WriteString(w, `{"ok":false,"error_code":401,"description":"Unauthorized"}`)
	case !known:
		w.WriteHeader(http.StatusNotFound)
		io.WriteString(w, `{"ok":false,"error_code":404,"description":"Not Found"}`)
	default:
		f.in[resource] += len(in)
		n, _ := io.WriteString(w, answer)
		f.out[resource] += n
	}
}

// checkLedger asserts one exchange per resource with the sizes the fake Bot
// API saw, and no token anywhere in the exposition.
func checkLedger(t *testing.T, m *metrics.Metrics, f *fakeBotAPI, methods map[string]string) {
	t.Helper()
	e := scrape(t, m)
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.badToken != 0 {
		t.Errorf("the fake Bot API got %d requests without the real token", f.badToken)
	}
	for resource, method := range methods {
		check(t, e, want{metrics.AppTypeTelegram, method, resource, "200", 1, float64(f.in[resource]), float64(f.out[resource])})
	}
	checkSeries(t, e, len(methods))
	if strings.Contains(e.Text, botToken) || strings.Contains(e.Text, "7012345678") {
		t.Errorf("the token is in the exposition:\n%s", e.Text)
	}
}

func TestTelegramWithTelebot(t *testing.T) {
	f, srv := newFakeBotAPI(t)
	m := newMetrics(t)
	bot, err := tele.NewBot(tele.Settings{
		URL:    srv.URL,
		Token:  httpclient.TokenPlaceholder,
		Client: httpclient.NewTelegram(botToken, httpclient.WithMetrics(m)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Send(&tele.Chat{ID: 1}, "hi"); err != nil {
		t.Fatal(err)
	}
	if _, err := bot.Raw("getUpdates", map[string]string{"timeout": "0"}); err != nil {
		t.Fatal(err)
	}
	if err := bot.Respond(&tele.Callback{ID: "cb1"}); err != nil {
		t.Fatal(err)
	}
	rc, err := bot.File(&tele.File{FileID: "f1"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(rc); err != nil || string(b) != botAnswers["file"] {
		t.Fatalf("file = %q, %v", b, err)
	}
	rc.Close()
	checkLedger(t, m, f, map[string]string{
		"getMe": "POST", "sendMessage": "POST", "getUpdates": "POST", "answerCallbackQuery": "POST", "getFile": "POST", "file": "GET",
	})
}

func TestTelegramWithTelegramBotAPI(t *testing.T) {
	f, srv := newFakeBotAPI(t)
	m := newMetrics(t)
	client := httpclient.NewTelegram(botToken, httpclient.WithMetrics(m))
	api, err := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, srv.URL+"/bot%s/%s", client)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := api.Send(tgbotapi.NewMessage(1, "hi")); err != nil {
		t.Fatal(err)
	}
	if _, err := api.GetUpdates(tgbotapi.NewUpdate(0)); err != nil {
		t.Fatal(err)
	}
	if _, err := api.Request(tgbotapi.NewCallback("cb1", "")); err != nil {
		t.Fatal(err)
	}
	// The library builds file links on the fixed api.telegram.org endpoint;
	// the link it returns holds the placeholder, never the token.
	link, err := api.GetFileDirectURL("f1")
	if err != nil {
		t.Fatal(err)
	}
	if link != "https://api.telegram.org/file/botTOKEN/photos/f1.jpg" {
		t.Fatalf("link = %q", link)
	}
	if code, body := get(t, client, srv.URL+strings.TrimPrefix(link, "https://api.telegram.org")); code != 200 || body != botAnswers["file"] {
		t.Fatalf("file = %d %q", code, body)
	}
	checkLedger(t, m, f, map[string]string{
		"getMe": "POST", "sendMessage": "POST", "getUpdates": "POST", "answerCallbackQuery": "POST", "getFile": "POST", "file": "GET",
	})
}

// TestTelegramEndpointDown: the errors both libraries return when the Bot API
// cannot be reached hold no token, and still unwrap to the network error.
func TestTelegramEndpointDown(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + ln.Addr().String()
	ln.Close()

	connect := map[string]func(token string, client *http.Client) error{
		"telebot": func(token string, client *http.Client) error {
			_, err := tele.NewBot(tele.Settings{URL: down, Token: token, Client: client})
			return err
		},
		"telegram-bot-api": func(token string, client *http.Client) error {
			_, err := tgbotapi.NewBotAPIWithClient(token, down+"/bot%s/%s", client)
			return err
		},
	}
	for name, connect := range connect {
		t.Run(name, func(t *testing.T) {
			m := newMetrics(t)
			err := connect(httpclient.TokenPlaceholder, httpclient.NewTelegram(botToken, httpclient.WithMetrics(m)))
			var opErr *net.OpError
			if err == nil || !errors.As(err, &opErr) || !errors.Is(err, syscall.ECONNREFUSED) {
				t.Fatalf("err = %v, want a *net.OpError wrapping ECONNREFUSED", err)
			}
			if msg := fmt.Sprintf("%v %+v %#v", err, err, err); strings.Contains(msg, botToken) {
				t.Fatalf("the token is in the error: %s", msg)
			}
			if !strings.Contains(err.Error(), "/botTOKEN/getMe") {
				t.Errorf("err = %v, want the URL with the placeholder", err)
			}
			e := scrape(t, m)
			check(t, e, want{metrics.AppTypeTelegram, "POST", "getMe", "0", 1, 0, 0})
			checkSeries(t, e, 1)

			// The control: the same library given the real token and an
			// ordinary client leaks it through http.Client's *url.Error.
			if err := connect(botToken, &http.Client{}); err == nil || !strings.Contains(err.Error(), botToken) {
				t.Errorf("control: err = %v, expected to quote the token", err)
			}
		})
	}
}

// TestTelegramRedactsBaseErrors: a base transport whose errors quote the
// request URL (as retrying transports do) does not leak the injected token.
func TestTelegramRedactsBaseErrors(t *testing.T) {
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		if !strings.Contains(r.URL.Path, botToken) {
			t.Errorf("the base transport got %q, want the real token in the path", r.URL.Path)
		}
		return nil, fmt.Errorf("giving up on POST %s after 3 attempts: %w", r.URL, io.ErrUnexpectedEOF)
	})
	m := newMetrics(t)
	client := httpclient.NewTelegram(botToken, httpclient.WithMetrics(m), httpclient.WithBase(base))
	_, err := client.Post("https://api.telegram.org/botTOKEN/sendMessage", "application/json", strings.NewReader("{}"))
	if err == nil || strings.Contains(err.Error(), botToken) || !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Fatalf("err = %v, want io.ErrUnexpectedEOF without the token", err)
	}
	if !strings.Contains(err.Error(), "giving up on POST https://api.telegram.org/botTOKEN/sendMessage") {
		t.Errorf("err = %v, want the base's text with the placeholder", err)
	}
	e := scrape(t, m)
	check(t, e, want{metrics.AppTypeTelegram, "POST", "sendMessage", "0", 1, 0, 0})
}

func TestTelegramBadToken(t *testing.T) {
	for _, token := range []string{"", "123:abc/../x", "123:abc?x=1"} {
		m := newMetrics(t)
		base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
			t.Errorf("the request reached the base transport: %s", r.URL)
			return nil, errors.New("unreachable")
		})
		client := httpclient.NewTelegram(token, httpclient.WithMetrics(m), httpclient.WithBase(base))
		_, err := client.Post("https://api.telegram.org/botTOKEN/getMe", "application/json", strings.NewReader("{}"))
		if err == nil || !strings.Contains(err.Error(), "NewTelegram was given an empty bot token or one with characters other than") {
			t.Fatalf("token %q: err = %v, want the explanation", token, err)
		}
		if token != "" && strings.Contains(err.Error(), token) {
			t.Errorf("the bad token is in the error: %v", err)
		}
		check(t, scrape(t, m), want{metrics.AppTypeTelegram, "POST", "getMe", "0", 1, 0, 0})
	}
}

// TestTelegramTimeoutError: a Bot API that does not answer in time gives both
// libraries an error that is context.DeadlineExceeded and holds no token.
func TestTelegramTimeoutError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the body was sent; reading it also lets the server see the client go
		blockUntilDone(r)
	}))
	defer srv.Close()
	m := newMetrics(t)
	client := httpclient.NewTelegram(botToken, httpclient.WithMetrics(m), httpclient.WithTimeout(50*time.Millisecond))

	_, errTelebot := tele.NewBot(tele.Settings{URL: srv.URL, Token: httpclient.TokenPlaceholder, Client: client})
	_, errTgbotapi := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, srv.URL+"/bot%s/%s", client)
	for _, err := range []error{errTelebot, errTgbotapi} {
		if !errors.Is(err, context.DeadlineExceeded) || strings.Contains(err.Error(), botToken) {
			t.Errorf("err = %v, want context.DeadlineExceeded without the token", err)
		}
	}
	// telebot sends the JSON "null\n" (5 bytes), telegram-bot-api an empty form.
	check(t, scrape(t, m), want{metrics.AppTypeTelegram, "POST", "getMe", "0", 2, 5, 0})
}
