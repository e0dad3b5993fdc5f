package httpclient_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"testing/iotest"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
	tele "gopkg.in/telebot.v3"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

const floodWaitSec = "genapp_telegram_flood_wait_sec"

// floodWaits returns the count and sum of the flood wait series of method,
// (0, 0) when there is none.
func floodWaits(e *promtest.Exposition, method string) (count uint64, sum float64) {
	ms := e.Find(floodWaitSec, promtest.Labels{"method": method, "app": "testapp", "env": "dev"})
	if len(ms) != 1 {
		return 0, 0
	}
	return ms[0].GetHistogram().GetSampleCount(), ms[0].GetHistogram().GetSampleSum()
}

// TestTelegramFloodWaitLibraries: each bot library, refused with 429 by the
// fake Bot API, has the wait recorded under the method it called.
func TestTelegramFloodWaitLibraries(t *testing.T) {
	for name, send := range map[string]func(t *testing.T, srv *telegramtest.Server, client *http.Client) error{
		"telebot": func(t *testing.T, srv *telegramtest.Server, client *http.Client) error {
			bot, err := tele.NewBot(tele.Settings{URL: srv.URL, Token: httpclient.TokenPlaceholder, Client: client, Offline: true})
			if err != nil {
				t.Fatal(err)
			}
			_, err = bot.Send(&tele.Chat{ID: 1}, "hi")
			return err
		},
		"telegram-bot-api": func(t *testing.T, srv *telegramtest.Server, client *http.Client) error {
			api := &tgbotapi.BotAPI{Token: httpclient.TokenPlaceholder, Client: client, Buffer: 1}
			api.SetAPIEndpoint(srv.Endpoint())
			_, err := api.Send(tgbotapi.NewMessage(1, "hi"))
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			srv := telegramtest.NewServer()
			defer srv.Close()
			m := newMetrics(t)
			client := httpclient.NewTelegram(srv.Token, httpclient.WithMetrics(m))
			srv.Inject("sendMessage", telegramtest.Fault{RetryAfter: 35})
			if err := send(t, srv, client); err == nil || !strings.Contains(err.Error(), "retry after 35") {
				t.Fatalf("err = %v, want the 429", err)
			}
			if err := send(t, srv, client); err != nil {
				t.Fatal(err)
			}
			e := scrape(t, m)
			if count, sum := floodWaits(e, "sendMessage"); count != 1 || sum != 35 {
				t.Errorf("flood waits of sendMessage = %d, %v; want 1, 35\n%s", count, sum, e.Text)
			}
			if got := e.Series(floodWaitSec); got != 1 {
				t.Errorf("%d flood wait series, want 1", got)
			}
			if strings.Contains(e.Text, srv.Token) || strings.Contains(e.Text, httpclient.TokenPlaceholder) {
				t.Error("the exposition holds the token or its placeholder")
			}
		})
	}
}

// TestTelegramFloodWaitHostile: what a broken or hostile Bot API answers
// with a 429 records the wait it states, or nothing, and the caller reads
// the body unchanged.
func TestTelegramFloodWaitHostile(t *testing.T) {
	padding := strings.Repeat("x", 8<<20)
	for name, c := range map[string]struct {
		status int
		body   string
		want   float64 // -1: nothing recorded
	}{
		"real answer":              {429, `{"ok":false,"error_code":429,"description":"Too Many Requests: retry after 35","parameters":{"retry_after":35}}`, 35},
		"white space":              {429, "{ \"parameters\" :\n{ \"retry_after\"\t:  7 }\r\n}", 7},
		"zero":                     {429, `{"parameters":{"retry_after":0}}`, 0},
		"largest int32":            {429, `{"parameters":{"retry_after":2147483647}}`, 2147483647},
		"past int32":               {429, `{"parameters":{"retry_after":2147483648}}`, -1},
		"eleven digits":            {429, `{"parameters":{"retry_after":99999999999}}`, -1},
		"thousand digits":          {429, `{"parameters":{"retry_after":` + strings.Repeat("9", 1000) + `}}`, -1},
		"negative":                 {429, `{"parameters":{"retry_after":-5}}`, -1},
		"fraction":                 {429, `{"parameters":{"retry_after":3.5}}`, -1},
		"exponent":                 {429, `{"parameters":{"retry_after":1e3}}`, -1},
		"string":                   {429, `{"parameters":{"retry_after":"35"}}`, -1},
		"null":                     {429, `{"parameters":{"retry_after":null}}`, -1},
		"cut in the number":        {429, `{"parameters":{"retry_after":35`, -1},
		"no body":                  {429, ``, -1},
		"html":                     {429, `<html><body>429 Too Many Requests</body></html>`, -1},
		"not a 429":                {400, `{"ok":false,"error_code":400,"parameters":{"retry_after":35}}`, -1},
		"faked in the description": {429, `{"description":"\"retry_after\":99, \"retry_after\": 98","parameters":{"retry_after":4}}`, 4},
		"as a value":               {429, `{"hint": "retry_after", "parameters":{"retry_after":6}}`, 6},
		"first key only":           {429, `{"retry_after":-1,"parameters":{"retry_after":6}}`, -1},
		"after 8 MB":               {429, `{"description":"` + padding + `","parameters":{"retry_after":12}}`, 12},
	} {
		t.Run(name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				m := newMetrics(t)
				base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
					var body io.Reader = strings.NewReader(c.body)
					if oneByte {
						body = iotest.OneByteReader(body)
					}
					return &http.Response{StatusCode: c.status, Header: http.Header{}, Body: io.NopCloser(body), Request: r}, nil
				})
				client := httpclient.NewTelegram(botToken, httpclient.WithMetrics(m), httpclient.WithBase(base))
				if oneByte && len(c.body) > 1<<20 {
					continue // a byte at a time through 8 MB adds nothing and takes long
				}
				resp, err := client.Post("http://api.test/bot"+httpclient.TokenPlaceholder+"/sendMessage", "application/json", nil)
				if err != nil {
					t.Fatal(err)
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || string(got) != c.body {
					t.Fatalf("the caller read %d bytes (err %v), the server sent %d", len(got), err, len(c.body))
				}
				e := scrape(t, m)
				count, sum := floodWaits(e, "sendMessage")
				if c.want < 0 {
					if e.Families[floodWaitSec] != nil {
						t.Errorf("one byte at a time %v: a flood wait was recorded:\n%s", oneByte, e.Text)
					}
					continue
				}
				if count != 1 || sum != c.want {
					t.Errorf("one byte at a time %v: flood waits = %d, %v; want 1, %v", oneByte, count, sum, c.want)
				}
			}
		})
	}
}

// TestTelegramFloodWaitGzip: an answer the transport asked to be
// compressed is read after it is decompressed, as the caller reads it.
func TestTelegramFloodWaitGzip(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.Contains(r.Header.Get("Accept-Encoding"), "gzip") {
			t.Errorf("Accept-Encoding = %q", r.Header.Get("Accept-Encoding"))
		}
		var b bytes.Buffer
		z := gzip.NewWriter(&b)
		z.Write([]byte(`{"ok":false,"error_code":429,"parameters":{"retry_after":9}}`))
		z.Close()
		w.Header().Set("Content-Encoding", "gzip")
		w.WriteHeader(http.StatusTooManyRequests)
		w.Write(b.Bytes())
	}))
	defer srv.Close()
	m := newMetrics(t)
	client := httpclient.NewTelegram(botToken, httpclient.WithMetrics(m))
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/bot"+httpclient.TokenPlaceholder+"/sendPhoto", nil)
	exchange(t, client, req)
	if count, sum := floodWaits(scrape(t, m), "sendPhoto"); count != 1 || sum != 9 {
		t.Errorf("flood waits of sendPhoto = %d, %v; want 1, 9", count, sum)
	}
}

// TestTelegramFloodWaitClosedEarly: a caller that closes the body before
// its end records the wait only if it was read.
func TestTelegramFloodWaitClosedEarly(t *testing.T) {
	body := `{"ok":false,"parameters":{"retry_after":3}}` + strings.Repeat(" ", 1<<16)
	m := newMetrics(t)
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 429, Header: http.Header{}, Body: io.NopCloser(strings.NewReader(body)), Request: r}, nil
	})
	client := httpclient.NewTelegram(botToken, httpclient.WithMetrics(m), httpclient.WithBase(base), httpclient.WithTimeout(time.Minute))
	for range 2 {
		resp, err := client.Post("http://api.test/bot"+httpclient.TokenPlaceholder+"/getUpdates", "application/json", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(resp.Body, make([]byte, 100)); err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	// Unread: closed before the first byte.
	resp, err := client.Post("http://api.test/bot"+httpclient.TokenPlaceholder+"/getUpdates", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if count, sum := floodWaits(scrape(t, m), "getUpdates"); count != 2 || sum != 6 {
		t.Errorf("flood waits of getUpdates = %d, %v; want 2, 6", count, sum)
	}
}

const apiErrors = "genapp_telegram_api_errors_total"

// TestTelegramAPIErrors: every description of the test data of package
// metrics (telebot's error list and answers bot projects recorded), sent by
// the fake Bot API as Telegram sends it, counts once under the method and
// the reason assigned to it; the description itself is nowhere in the
// exposition.
func TestTelegramAPIErrors(t *testing.T) {
	data, err := os.ReadFile("../metrics/testdata/telegram/api-errors.json")
	if err != nil {
		t.Fatal(err)
	}
	var cases []struct {
		Code        int
		Description string
		Reason      string
	}
	if err := json.Unmarshal(data, &cases); err != nil {
		t.Fatal(err)
	}
	srv := telegramtest.NewServer()
	defer srv.Close()
	m := newMetrics(t)
	client := httpclient.NewTelegram(srv.Token, httpclient.WithMetrics(m))
	want := map[string]float64{}
	for _, c := range cases {
		srv.Inject("sendMessage", telegramtest.Fault{Status: c.Code, Description: c.Description})
		resp, err := client.Post(srv.URL+"/bot"+httpclient.TokenPlaceholder+"/sendMessage", "application/json", strings.NewReader(`{"chat_id":1,"text":"hi"}`))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(body), `"ok":false`) {
			t.Fatalf("the fake Bot API answered %s", body)
		}
		want[c.Reason]++
	}
	e := scrape(t, m)
	for reason, n := range want {
		if got := e.Sum(apiErrors, promtest.Labels{"method": "sendMessage", "reason": reason}); got != n {
			t.Errorf("reason %s: %v errors, want %v", reason, got, n)
		}
	}
	if got := e.Sum(apiErrors, nil); got != float64(len(cases)) {
		t.Errorf("%v errors in all, want %d", got, len(cases))
	}
	for _, leak := range []string{"blocked by the user", "chat not found", "Bad Request"} {
		if strings.Contains(e.Text, leak) {
			t.Errorf("the exposition holds %q", leak)
		}
	}
}

// TestTelegramAPIErrorsHostile: the reason comes from the answer's own
// error_code and description, read in pieces of any size, whatever else
// the answer holds; what is not a Bot API error answer counts by its
// status, and a success counts nothing.
func TestTelegramAPIErrorsHostile(t *testing.T) {
	for name, c := range map[string]struct {
		status int
		body   string
		reason string // "": nothing recorded
	}{
		"real answer":            {403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user"}`, "blocked_by_user"},
		"members in any order":   {400, `{"description":"Bad Request: chat not found","ok":false,"error_code":400}`, "chat_not_found"},
		"escaped quotes":         {400, `{"ok":false,"error_code":400,"description":"Bad Request: can't parse entities: \"br\" tag"}`, "bad_request"},
		"faked keys in the text": {400, `{"ok":false,"description":"Bad Request: x, \"error_code\": 429, \"retry_after\": 5","error_code":400}`, "bad_request"},
		"a key as a value":       {400, `{"hint":"description","ok":false,"error_code":400,"description":"Bad Request: message is too long"}`, "message_too_long"},
		"first of each key":      {400, `{"error_code":400,"description":"Bad Request: chat not found","error_code":429,"description":"Too Many Requests"}`, "chat_not_found"},
		"description too long":   {403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked by the user` + strings.Repeat(" ", 600) + `"}`, "other"},
		"description cut off":    {403, `{"ok":false,"error_code":403,"description":"Forbidden: bot was blocked`, "other"},
		"code not a number":      {400, `{"ok":false,"error_code":"400","description":"Bad Request: chat not found"}`, "chat_not_found"},
		"proxy page":             {502, `<html><body>502 Bad Gateway</body></html>`, "server_error"},
		"empty 401":              {401, ``, "unauthorized"},
		"success":                {200, `{"ok":true,"result":{"message_id":1}}`, ""},
	} {
		t.Run(name, func(t *testing.T) {
			for _, oneByte := range []bool{false, true} {
				m := newMetrics(t)
				base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
					var body io.Reader = strings.NewReader(c.body)
					if oneByte {
						body = iotest.OneByteReader(body)
					}
					return &http.Response{StatusCode: c.status, Header: http.Header{}, Body: io.NopCloser(body), Request: r}, nil
				})
				client := httpclient.NewTelegram(botToken, httpclient.WithMetrics(m), httpclient.WithBase(base))
				resp, err := client.Post("http://api.test/bot"+httpclient.TokenPlaceholder+"/sendMessage", "application/json", nil)
				if err != nil {
					t.Fatal(err)
				}
				if got, err := io.ReadAll(resp.Body); err != nil || string(got) != c.body {
					t.Fatalf("the caller read %q (err %v), the server sent %q", got, err, c.body)
				}
				resp.Body.Close()
				e := scrape(t, m)
				if c.reason == "" {
					if e.Families[apiErrors] != nil {
						t.Errorf("one byte at a time %v: an error was recorded:\n%s", oneByte, e.Text)
					}
					continue
				}
				if got := e.Sum(apiErrors, promtest.Labels{"method": "sendMessage", "reason": c.reason}); got != 1 || e.Sum(apiErrors, nil) != 1 {
					t.Errorf("one byte at a time %v: want one error of reason %s:\n%s", oneByte, c.reason, e.Text)
				}
			}
		})
	}
}
