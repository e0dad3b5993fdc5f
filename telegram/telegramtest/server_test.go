package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// TestEncodings proves the server reads parameters from every encoding the
// Bot API accepts: query string, JSON (strings and other JSON values),
// form-urlencoded and multipart with a file (or empty).
func TestEncodings(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	base := srv.URL + "/bot" + srv.Token + "/"

	form := url.Values{"chat_id": {"2"}, "text": {"form"}}
	var mp bytes.Buffer
	w := multipart.NewWriter(&mp)
	_ = w.WriteField("chat_id", "3")
	_ = w.WriteField("caption", "multipart")
	fw, _ := w.CreateFormFile("photo", "cat.jpg")
	_, _ = fw.Write([]byte("jpeg"))
	_ = w.Close()

	requests := []struct {
		method, url, contentType, body string
	}{
		{http.MethodGet, base + "sendMessage?chat_id=1&text=query", "", ""},
		{http.MethodPost, base + "sendMessage", "application/x-www-form-urlencoded", form.Encode()},
		{http.MethodPost, base + "sendPhoto", w.FormDataContentType(), mp.String()},
		{http.MethodPost, base + "sendMessage", "application/json; charset=utf-8",
			`{"chat_id": 4, "text": "json", "disable_notification": true, "reply_markup": {"inline_keyboard": [[{"text": "A", "callback_data": "a"}]]}, "parse_mode": null}`},
	}
	for _, r := range requests {
		req, err := http.NewRequest(r.method, r.url, strings.NewReader(r.body))
		if err != nil {
			t.Fatal(err)
		}
		if r.contentType != "" {
			req.Header.Set("Content-Type", r.contentType)
		}
		if res, err := do(req); err != nil || !res.OK {
			t.Fatalf("%s %s: %+v %v", r.method, r.contentType, res, err)
		}
	}

	want := []telegramtest.Message{
		{Method: "sendMessage", ChatID: 1, MessageID: 1, Text: "query"},
		{Method: "sendMessage", ChatID: 2, MessageID: 2, Text: "form"},
		{Method: "sendPhoto", ChatID: 3, MessageID: 3, Text: "multipart"},
		{Method: "sendMessage", ChatID: 4, MessageID: 4, Text: "json",
			ReplyMarkup: `{"inline_keyboard":[[{"text":"A","callback_data":"a"}]]}`},
	}
	sent := srv.Sent()
	if len(sent) != len(want) {
		t.Fatalf("Sent() = %+v", sent)
	}
	for i := range want {
		if sent[i] != want[i] {
			t.Errorf("Sent()[%d] = %+v, want %+v", i, sent[i], want[i])
		}
	}
	// An empty multipart body, without even a closing boundary, is no
	// parameters: go-telegram/bot sends it for getMe.
	req, _ := http.NewRequest(http.MethodPost, base+"getMe", http.NoBody)
	req.Header.Set("Content-Type", w.FormDataContentType())
	if res, err := do(req); err != nil || !res.OK {
		t.Fatalf("getMe with an empty multipart body: %+v %v", res, err)
	}
	calls := srv.Calls()
	if p := calls[2].Params; p["photo"] != "cat.jpg" {
		t.Errorf("multipart file param = %q, want the file name", p["photo"])
	}
	p := calls[3].Params
	if _, hasNull := p["parse_mode"]; hasNull || p["chat_id"] != "4" || p["disable_notification"] != "true" {
		t.Errorf("JSON params = %v", p)
	}
}

// TestRouting pins the answers outside the happy path: a wrong token gets
// 401 like the real API, a path outside the API 404, an unknown method a
// harmless true; method names are case-insensitive.
func TestRouting(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()

	for path, want := range map[string]string{
		"/bot123:wrong/getMe":             `{"ok":false,"error_code":401,"description":"Unauthorized"}`,
		"/bot" + srv.Token + "/":          `{"ok":false,"error_code":404,"description":"Not Found"}`,
		"/elsewhere":                      `{"ok":false,"error_code":404,"description":"Not Found"}`,
		"/bot" + srv.Token + "/setMyName": `{"ok":true,"result":true}`,
		"/bot" + srv.Token + "/GETME":     `{"ok":true,"result":{"id":123456789,"is_bot":true,"first_name":"Test Bot","username":"test_bot"}}`,
	} {
		resp, err := http.Post(srv.URL+path, "application/json", strings.NewReader("{}"))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(body) != want {
			t.Errorf("%s = %s, want %s", strings.ReplaceAll(path, srv.Token, "<token>"), body, want)
		}
	}
	if r := call(t, srv, "sendMessage", map[string]any{"chat_id": 1, "text": "x"}); !r.OK {
		t.Errorf("sendMessage: %+v", r)
	}
	if r := call(t, srv, "sendmessage", map[string]any{"chat_id": 1}); r.ErrorCode != 400 || r.Description != "Bad Request: message text is empty" {
		t.Errorf("sendmessage without text = %+v, want 400", r)
	}
	if r := call(t, srv, "sendMessage", map[string]any{"text": "x"}); r.ErrorCode != 400 || r.Description != "Bad Request: chat_id is empty" {
		t.Errorf("sendMessage without chat = %+v, want 400", r)
	}
	if got := len(srv.Calls()); got != 5 {
		t.Errorf("%d calls recorded, want 5: requests with a wrong token or path are not calls", got)
	}
}

// TestWithOptions checks the options: a given token (whose digits are the
// bot id, as in the real API) and username.
func TestWithOptions(t *testing.T) {
	srv := telegramtest.NewServer(telegramtest.WithToken("42:secret"), telegramtest.WithBotUsername("my_bot"))
	defer srv.Close()
	if srv.Token != "42:secret" || srv.Bot().ID != 42 || srv.Bot().Username != "my_bot" {
		t.Errorf("Token %q, Bot() %+v", srv.Token, srv.Bot())
	}
	var me telegramtest.User
	if err := json.Unmarshal(call(t, srv, "getMe", nil).Result, &me); err != nil || me != srv.Bot() {
		t.Errorf("getMe = %+v, %v", me, err)
	}
	def := telegramtest.NewServer()
	defer def.Close()
	if id, secret, _ := strings.Cut(def.Token, ":"); id != "123456789" || len(secret) != 35 {
		t.Errorf("default token has the wrong shape")
	}
	defer func() {
		if recover() == nil {
			t.Error("NewServer accepted a malformed token")
		}
	}()
	telegramtest.NewServer(telegramtest.WithToken("not a token"))
}

// TestTokenNeverLogged runs calls that succeed, fail, fault, download and
// hit a failing webhook with logging on, and checks the token appears in
// no log line and no recorded call.
func TestTokenNeverLogged(t *testing.T) {
	var mu sync.Mutex
	var logs []string
	srv := telegramtest.NewServer(telegramtest.WithLogf(func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, fmt.Sprintf(format, args...))
	}))
	defer srv.Close()

	call(t, srv, "getMe", nil)
	call(t, srv, "sendMessage", map[string]any{"chat_id": 1})
	srv.Inject("", telegramtest.Fault{Status: 429, RetryAfter: 1})
	call(t, srv, "getMe", nil)
	for _, path := range []string{"/bot" + srv.Token + "x/getMe", "/file/bot" + srv.Token + "/files/1", "/bot" + srv.Token} {
		if resp, err := http.Get(srv.URL + path); err == nil {
			resp.Body.Close()
		}
	}
	call(t, srv, "setWebhook", map[string]any{"url": "http://127.0.0.1:1/hook"})
	if err := srv.Deliver(context.Background()); err != nil {
		t.Errorf("Deliver with nothing pending: %v", err)
	}
	srv.SendText(1, "x")
	if err := srv.Deliver(context.Background()); err == nil {
		t.Error("Deliver to a closed port succeeded")
	} else if strings.Contains(err.Error(), srv.Token) {
		t.Error("Deliver error carries the token")
	}

	mu.Lock()
	defer mu.Unlock()
	if len(logs) < 8 {
		t.Errorf("only %d log lines: %q", len(logs), logs)
	}
	for _, l := range logs {
		if strings.Contains(l, srv.Token) || strings.Contains(l, strings.Split(srv.Token, ":")[1]) {
			t.Errorf("log line carries the token: %q", l)
		}
	}
	for _, c := range srv.Calls() {
		for k, v := range c.Params {
			if strings.Contains(k+v, srv.Token) {
				t.Errorf("call %s carries the token", c.Method)
			}
		}
	}
}

// TestEdits pins the edit semantics the real API has: the edited message
// must exist, an edit must change something, inline messages answer true.
func TestEdits(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	var m struct {
		MessageID int `json:"message_id"`
	}
	_ = json.Unmarshal(call(t, srv, "sendMessage", map[string]any{"chat_id": 9, "text": "a"}).Result, &m)

	cases := []struct {
		method string
		params map[string]any
		want   string // description, "" for success
	}{
		{"editMessageText", map[string]any{"chat_id": 9, "message_id": m.MessageID, "text": "b"}, ""},
		{"editMessageText", map[string]any{"chat_id": 9, "message_id": m.MessageID, "text": "b"}, "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"},
		{"editMessageText", map[string]any{"chat_id": 9, "message_id": 999, "text": "b"}, "Bad Request: message to edit not found"},
		{"editMessageText", map[string]any{"chat_id": 8, "message_id": m.MessageID, "text": "b"}, "Bad Request: message to edit not found"},
		{"editMessageReplyMarkup", map[string]any{"chat_id": 9, "message_id": m.MessageID, "reply_markup": `{"inline_keyboard":[]}`}, ""},
		{"editMessageText", map[string]any{"inline_message_id": "abc", "text": "c"}, ""},
	}
	for _, c := range cases {
		r := call(t, srv, c.method, c.params)
		if r.Description != c.want && !(c.want == "" && r.OK) {
			t.Errorf("%s %v = %+v, want %q", c.method, c.params, r, c.want)
		}
	}
	if r := call(t, srv, "editMessageText", map[string]any{"inline_message_id": "abc", "text": "c"}); string(r.Result) != "true" {
		t.Errorf("inline edit result = %s, want true", r.Result)
	}
	sent := srv.Sent()
	if len(sent) != 5 || sent[1].Text != "b" || sent[2].Method != "editMessageReplyMarkup" || sent[2].Text != "b" || sent[3].ChatID != 0 {
		t.Errorf("Sent() = %+v", sent)
	}
}

// TestFiles proves getFile and the download URL built from its file_path
// work together.
func TestFiles(t *testing.T) {
	srv := telegramtest.NewServer()
	defer srv.Close()
	var f struct {
		FileSize int    `json:"file_size"`
		FilePath string `json:"file_path"`
	}
	if err := json.Unmarshal(call(t, srv, "getFile", map[string]any{"file_id": "abc"}).Result, &f); err != nil {
		t.Fatal(err)
	}
	resp, err := http.Get(srv.URL + "/file/bot" + srv.Token + "/" + f.FilePath)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || string(body) != "telegramtest file files/abc" || len(body) != f.FileSize {
		t.Errorf("download = %d %q, file_size %d", resp.StatusCode, body, f.FileSize)
	}
	if r := call(t, srv, "getFile", nil); r.ErrorCode != 400 {
		t.Errorf("getFile without file_id = %+v, want 400", r)
	}
}

// TestCallbackData reads the buttons of a keyboard of two rows, one of
// them a URL button, and of messages with no inline keyboard.
func TestCallbackData(t *testing.T) {
	for _, c := range []struct {
		markup string
		want   []string
	}{
		{`{"inline_keyboard":[[{"text":"A","callback_data":"a"},{"text":"B","callback_data":"b|1"}],[{"text":"Site","url":"https://example.com"}]]}`, []string{"a", "b|1", ""}},
		{`{"keyboard":[[{"text":"Help"}]]}`, nil},
		{``, nil},
		{`{"inline_keyboard":`, nil},
	} {
		if got := (telegramtest.Message{ReplyMarkup: c.markup}).CallbackData(); !slices.Equal(got, c.want) {
			t.Errorf("CallbackData of %s = %q, want %q", c.markup, got, c.want)
		}
	}
}
