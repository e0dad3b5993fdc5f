package httpclient_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
)

// shortToken is a real token as far as the client knows, though its secret
// is too short for the shape-based redaction of log lines to catch.
const shortToken = "42:short-secret_x"

// botLibraries make the calls a bot makes at startup and in a handler (getMe,
// then sendMessage) through each supported library, and return the errors.
var botLibraries = map[string]func(apiURL string, client *http.Client) []error{
	"telebot": func(apiURL string, client *http.Client) []error {
		_, errGetMe := tele.NewBot(tele.Settings{URL: apiURL, Token: httpclient.TokenPlaceholder, Client: client})
		bot, err := tele.NewBot(tele.Settings{URL: apiURL, Token: httpclient.TokenPlaceholder, Client: client, Offline: true})
		if err != nil {
			return []error{err}
		}
		_, errSend := bot.Send(&tele.Chat{ID: 1}, "hi")
		return []error{errGetMe, errSend}
	},
	"telegram-bot-api": func(apiURL string, client *http.Client) []error {
		_, errGetMe := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, apiURL+"/bot%s/%s", client)
		api := &tgbotapi.BotAPI{Token: httpclient.TokenPlaceholder, Client: client, Buffer: 1}
		api.SetAPIEndpoint(apiURL + "/bot%s/%s")
		_, errSend := api.Send(tgbotapi.NewMessage(1, "hi"))
		return []error{errGetMe, errSend}
	},
}

// checkErrors asserts that every error is one, that none holds token (in
// any format) and that each holds want.
func checkErrors(t *testing.T, errs []error, token, want string) {
	t.Helper()
	for i, err := range errs {
		if err == nil {
			t.Errorf("call %d: no error", i)
			continue
		}
		if msg := fmt.Sprintf("%v %+v %#v", err, err, err); strings.Contains(msg, token) {
			t.Errorf("call %d: the token is in the error: %s", i, msg)
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("call %d: err = %v, want it to say %q", i, err, want)
		}
	}
}

// TestTelegramRedirectToAnotherHost: a Bot API (or a gateway in front of it)
// that redirects to another host gets no request there, with the placeholder
// or with the real token in the Location.
func TestTelegramRedirectToAnotherHost(t *testing.T) {
	var reached atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		reached.Add(1)
		t.Errorf("the other host got %s %s", r.Method, r.URL.Path)
	}))
	defer other.Close()
	for name, location := range map[string]func(r *http.Request) string{
		"placeholder": func(r *http.Request) string { return other.URL + "/botTOKEN/getMe" },
		"real path":   func(r *http.Request) string { return other.URL + r.URL.Path },
	} {
		for lib, calls := range botLibraries {
			t.Run(name+"/"+lib, func(t *testing.T) {
				api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, location(r), http.StatusTemporaryRedirect)
				}))
				defer api.Close()
				m := newMetrics(t)
				errs := calls(api.URL, httpclient.NewTelegram(botToken, httpclient.WithMetrics(m)))
				checkErrors(t, errs, botToken, "a NewTelegram client follows none")
				if strings.Contains(scrape(t, m).Text, botToken) {
					t.Error("the token is in the exposition")
				}
			})
		}
	}
	if n := reached.Load(); n != 0 {
		t.Errorf("the other host got %d requests, want 0", n)
	}
}

// TestTelegramRedirectQuotingTheToken: http.Client quotes the Location of a
// redirect in its error, above the transport; the Location a proxy sends
// (http to https, same path) reaches it masked.
func TestTelegramRedirectQuotingTheToken(t *testing.T) {
	for _, token := range []string{botToken, shortToken} {
		for lib, calls := range botLibraries {
			t.Run(lib, func(t *testing.T) {
				api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					http.Redirect(w, r, "https://"+r.Host+r.URL.Path, http.StatusPermanentRedirect)
				}))
				defer api.Close()
				errs := calls(api.URL, httpclient.NewTelegram(token))
				id, _, _ := strings.Cut(token, ":")
				checkErrors(t, errs, token, "/bot"+id+":****")
			})
		}
	}
}

// TestTelegramEchoedToken: an endpoint that echoes the request path, token
// and all, in the error description and in a header gets it back to no
// library: the body arrives masked, with its length, and the size recorded
// is that of the bytes sent.
func TestTelegramEchoedToken(t *testing.T) {
	for _, token := range []string{botToken, shortToken} {
		for lib, calls := range botLibraries {
			t.Run(lib, func(t *testing.T) {
				var sent atomic.Int64
				api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					io.Copy(io.Discard, r.Body)
					w.Header().Set("X-Debug", "path="+r.URL.Path)
					w.WriteHeader(http.StatusBadRequest)
					n, _ := fmt.Fprintf(w, `{"ok":false,"error_code":400,"description":"Bad Request: no such path %s"}`, r.URL.Path)
					sent.Add(int64(n))
				}))
				defer api.Close()
				m := newMetrics(t)
				errs := calls(api.URL, httpclient.NewTelegram(token, httpclient.WithMetrics(m)))
				id, _, _ := strings.Cut(token, ":")
				checkErrors(t, errs, token, "no such path /bot"+id+":****")
				e := scrape(t, m)
				if strings.Contains(e.Text, token) {
					t.Error("the token is in the exposition")
				}
				var out float64
				for _, resource := range []string{"getMe", "sendMessage"} {
					_, sum := e.Histogram(t, sizeBytes, map[string]string{"app_type": metrics.AppTypeTelegram,
						"method": "POST", "resource": resource, "status": "400", "direction": "out", "app": "testapp", "env": "dev"})
					out += sum
				}
				if out != float64(sent.Load()) {
					t.Errorf("recorded %v response bytes, the server sent %d", out, sent.Load())
				}
			})
		}
	}
}

// TestTelegramMasksHeaders: the header values the caller sees hold no token;
// the body keeps its Content-Length.
func TestTelegramMasksHeaders(t *testing.T) {
	body := `{"ok":false,"description":"` + botToken + `"}`
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("X-Echo", "a "+r.URL.Path)
		w.Header().Add("X-Echo", botToken+botToken)
		w.Header().Add("X-Echo", strings.Replace(botToken, ":", "%3A", 1))
		io.WriteString(w, body)
	}))
	defer api.Close()
	resp, err := httpclient.NewTelegram(botToken).Get(api.URL + "/botTOKEN/getMe")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	masked := "7012345678:" + strings.Repeat("*", len(botToken)-len("7012345678:"))
	if want := strings.ReplaceAll(body, botToken, masked); string(got) != want || resp.ContentLength != int64(len(want)) {
		t.Errorf("body = %q (Content-Length %d), want %q", got, resp.ContentLength, want)
	}
	if echo := resp.Header.Values("X-Echo"); len(echo) != 3 || echo[0] != "a /bot"+masked+"/getMe" || echo[1] != masked+masked ||
		echo[2] != strings.Replace(masked, ":", "%3A", 1) {
		t.Errorf("X-Echo = %q, want the token masked", echo)
	}
}

// TestTelegramMasksTrailers: trailer values, announced or not, are header
// values too: once the body is read to its end, they hold no token.
func TestTelegramMasksTrailers(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Trailer", "X-Echo")
		io.WriteString(w, `{"ok":true,"result":{}}`)
		w.Header().Set("X-Echo", "path="+r.URL.Path)
		w.Header().Set(http.TrailerPrefix+"X-Late", botToken)
	}))
	defer api.Close()
	resp, err := httpclient.NewTelegram(botToken).Get(api.URL + "/botTOKEN/getMe")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if _, err := io.ReadAll(resp.Body); err != nil {
		t.Fatal(err)
	}
	masked := "7012345678:" + strings.Repeat("*", len(botToken)-len("7012345678:"))
	if echo, late := resp.Trailer.Get("X-Echo"), resp.Trailer.Get("X-Late"); echo != "path=/bot"+masked+"/getMe" || late != masked {
		t.Errorf("trailer X-Echo = %q, X-Late = %q; want the token masked", echo, late)
	}
}

// TestTelegramEndlessAnswer: an endpoint that sends an answer without end
// (here, cut at 160 MB) gets both bot libraries an error once the first
// 64 MB have come, not a bot that reads on until its memory runs out.
func TestTelegramEndlessAnswer(t *testing.T) {
	for lib, getMe := range map[string]func(apiURL string, client *http.Client) error{
		"telebot": func(apiURL string, client *http.Client) error {
			_, err := tele.NewBot(tele.Settings{URL: apiURL, Token: httpclient.TokenPlaceholder, Client: client})
			return err
		},
		"telegram-bot-api": func(apiURL string, client *http.Client) error {
			_, err := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, apiURL+"/bot%s/%s", client)
			return err
		},
	} {
		t.Run(lib, func(t *testing.T) {
			var written atomic.Int64
			api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				io.Copy(io.Discard, r.Body)
				io.WriteString(w, `{"ok":true,"result":{"first_name":"`)
				chunk := []byte(strings.Repeat("a", 1<<16))
				for range 160 << 20 >> 16 {
					n, err := w.Write(chunk)
					written.Add(int64(n))
					if err != nil {
						return
					}
				}
			}))
			defer api.Close()
			checkErrors(t, []error{getMe(api.URL, httpclient.NewTelegram(botToken))}, botToken, "longer than")
			api.Close() // the handler has returned
			if n := written.Load(); n > 100<<20 {
				t.Errorf("the client read %d MB of the answer before it failed", n>>20)
			}
		})
	}
}

// TestTelegramMalformedAnswerQuotingTheSecret: an endpoint that answers
// with the token's secret in place of a status line gets it into no error:
// net/http quotes the malformed line in its error, which both libraries
// return as it is.
func TestTelegramMalformedAnswerQuotingTheSecret(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	_, secret, _ := strings.Cut(botToken, ":")
	go func() {
		for range 100 {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			// The whole request is read before the answer: a client still
			// sending its body would fail on the closed connection instead.
			if req, err := http.ReadRequest(bufio.NewReader(c)); err == nil {
				io.Copy(io.Discard, req.Body)
				io.WriteString(c, secret+"\r\n\r\n")
			}
			c.Close()
		}
	}()
	for lib, calls := range botLibraries {
		t.Run(lib, func(t *testing.T) {
			errs := calls("http://"+ln.Addr().String(), httpclient.NewTelegram(botToken))
			checkErrors(t, errs, secret, "malformed HTTP response")
		})
	}
}
