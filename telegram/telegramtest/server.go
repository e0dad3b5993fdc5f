package telegramtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"log"
	"mime"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Server is a fake Telegram Bot API server listening on 127.0.0.1.
// Its methods are safe for concurrent use.
type Server struct {
	// URL is the base URL of the server, such as "http://127.0.0.1:40123",
	// with no trailing slash. It is what telebot calls Settings.URL.
	URL string
	// Token is the only token the server accepts, "<bot id>:<35 chars>";
	// requests with any other token get 401 Unauthorized.
	Token string

	hs          *httptest.Server
	ctx         context.Context // cancelled by Close
	cancel      context.CancelFunc
	bot         User
	longPollMax time.Duration
	logf        func(format string, args ...any)

	mu            sync.Mutex
	changed       chan struct{} // closed and replaced on every state change
	nextUpdateID  int
	nextMessageID int
	updates       []pendingUpdate
	pollGen       int // incremented by each getUpdates; an older poll sees a conflict
	botMessages   map[messageKey]*apiMessage
	botOrder      history[messageKey] // bounds botMessages as sent bounds Sent
	sent          history[Message]
	calls         history[Call]
	answered      history[string]
	faults        []*fault
	webhook       webhookState
	delivering    map[int]bool // update ids DeliverParallel is delivering
}

// User is a Telegram user or bot, as the Bot API encodes it.
type User struct {
	ID        int64  `json:"id"`
	IsBot     bool   `json:"is_bot"`
	FirstName string `json:"first_name"`
	Username  string `json:"username,omitempty"`
}

// Call is one Bot API request the server received.
type Call struct {
	// Method is the API method as the client spelled it, e.g. "sendMessage".
	Method string
	// Params holds the request parameters from the query string and body.
	// Values that were JSON numbers, booleans, objects or arrays hold their
	// JSON text; uploaded files hold their file name.
	Params map[string]string
	// Status is the HTTP status the server answered with, or 0 while the
	// call is still in progress (a waiting long poll).
	Status int
}

// Option configures a Server.
type Option func(*config)

type config struct {
	token       string
	username    string
	longPollMax time.Duration
	logf        func(format string, args ...any)
	history     int
}

// WithToken makes the server accept token instead of a random one. The token
// must look like a real one, "<digits>:<secret>"; the digits become the
// bot's user id, as in the real API. NewServer panics otherwise.
func WithToken(token string) Option {
	return func(c *config) { c.token = token }
}

// WithBotUsername sets the bot's username reported by getMe; the default
// is "test_bot".
func WithBotUsername(username string) Option {
	return func(c *config) { c.username = username }
}

// WithLongPollMax caps how long getUpdates waits for updates, whatever
// timeout the client asks for; the default is 1s. An empty answer only
// makes a client poll again, and the cap bounds how long a bot takes to
// stop when its library waits out a poll in flight: tgbotapi's
// StopReceivingUpdates always does, and telebot's Stop can start one more
// poll it cannot cancel.
func WithLongPollMax(d time.Duration) Option {
	return func(c *config) { c.longPollMax = d }
}

// WithLogf makes the server log every API call (method, status and error
// description, never the token or the parameters) and HTTP server errors
// through logf, e.g. t.Logf. By default the server logs nothing.
func WithLogf(logf func(format string, args ...any)) Option {
	return func(c *config) { c.logf = logf }
}

// WithHistory makes the server keep only the last n of each of its
// records: the calls [Server.Calls] returns, the messages of [Server.Sent],
// the callbacks of [Server.Answered], and the bot's messages that an edit
// may change (an edit of an older one fails with 400 Bad Request, as an edit
// of a message the bot did not send does). [Server.WaitSent] still counts
// every message ever sent. By default the server keeps everything, which
// suits a test; a server that runs for hours, such as a demo's, should keep
// a few thousand at most: it records every call. NewServer panics when n
// is not positive.
func WithHistory(n int) Option {
	return func(c *config) {
		c.history = n
		if n < 1 {
			c.history = -1 // 0 is the default, everything: NewServer panics on -1
		}
	}
}

const defaultBotID = 123456789

// tokenRx is the shape of a Bot API token: the bot's user id, a colon and
// the secret part.
var tokenRx = regexp.MustCompile(`^([0-9]{1,20}):([A-Za-z0-9_-]+)$`)

// NewServer starts and returns a new Server on 127.0.0.1 and a random port.
// The caller should call Close when finished, to shut it down.
func NewServer(opts ...Option) *Server {
	c := config{username: "test_bot", longPollMax: time.Second}
	for _, o := range opts {
		o(&c)
	}
	if c.history < 0 {
		panic("telegramtest: WithHistory: n must be at least 1")
	}
	if c.token == "" {
		c.token = strconv.Itoa(defaultBotID) + ":" + randomSecret()
	}
	m := tokenRx.FindStringSubmatch(c.token)
	if m == nil {
		panic("telegramtest: WithToken: token must look like <digits>:<secret>")
	}
	botID, err := strconv.ParseInt(m[1], 10, 64)
	if err != nil {
		panic("telegramtest: WithToken: bot id out of range")
	}

	s := &Server{
		Token:       c.token,
		bot:         User{ID: botID, IsBot: true, FirstName: "Test Bot", Username: c.username},
		longPollMax: c.longPollMax,
		logf:        c.logf,
		changed:     make(chan struct{}),
		botMessages: make(map[messageKey]*apiMessage),
		botOrder:    history[messageKey]{limit: c.history},
		sent:        history[Message]{limit: c.history},
		calls:       history[Call]{limit: c.history},
		answered:    history[string]{limit: c.history},
		delivering:  make(map[int]bool),
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.hs = httptest.NewUnstartedServer(http.HandlerFunc(s.serveHTTP))
	s.hs.Config.ErrorLog = log.New(logWriter{s}, "telegramtest: ", 0)
	s.hs.Start()
	s.URL = s.hs.URL
	return s
}

// randomSecret returns 35 characters from the token alphabet.
func randomSecret() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
	b := make([]byte, 35)
	_, _ = rand.Read(b) // never fails (crypto/rand docs)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b)
}

// Close shuts the server down. It wakes waiting long polls (they answer an
// empty result), fault delays and WaitSent callers first, so it does not
// hang on requests in flight. Close may be called more than once.
func (s *Server) Close() {
	s.cancel()
	s.hs.Close()
}

// Endpoint returns the API endpoint format string for
// tgbotapi.NewBotAPIWithClient and SetAPIEndpoint: s.URL + "/bot%s/%s".
func (s *Server) Endpoint() string {
	return s.URL + "/bot%s/%s"
}

// Bot returns the bot's own user, as getMe reports it.
func (s *Server) Bot() User {
	return s.bot
}

// Calls returns a snapshot of every Bot API call the server received with
// the right token, in order of arrival.
func (s *Server) Calls() []Call {
	s.mu.Lock()
	defer s.mu.Unlock()
	kept := s.calls.kept()
	out := make([]Call, len(kept))
	for i, c := range kept {
		params := make(map[string]string, len(c.Params))
		for k, v := range c.Params {
			params[k] = v
		}
		out[i] = Call{Method: c.Method, Params: params, Status: c.Status}
	}
	return out
}

// notify wakes everyone waiting for a state change. s.mu must be held.
func (s *Server) notify() {
	close(s.changed)
	s.changed = make(chan struct{})
}

// response is the outcome of one API call, before encoding.
type response struct {
	status      int // 200 for success
	result      any
	description string // error text, or the optional note on success
	retryAfter  int
}

func ok(result any) response { return response{status: http.StatusOK, result: result} }

func apiError(status int, description string) response {
	return response{status: status, description: description}
}

func badRequest(description string) response {
	return apiError(http.StatusBadRequest, "Bad Request: "+description)
}

// serveHTTP routes /bot<token>/<method> to the API and
// /file/bot<token>/<path> to file downloads.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	if rest, isFile := strings.CutPrefix(r.URL.Path, "/file/bot"); isFile {
		s.serveFile(w, rest)
		return
	}
	rest, isAPI := strings.CutPrefix(r.URL.Path, "/bot")
	token, method, found := strings.Cut(rest, "/")
	if !isAPI || !found || method == "" || strings.Contains(method, "/") {
		s.log("request outside the Bot API -> 404")
		writeResponse(w, apiError(http.StatusNotFound, "Not Found"))
		return
	}
	if token != s.Token {
		s.log("request with a wrong token -> 401")
		writeResponse(w, apiError(http.StatusUnauthorized, "Unauthorized"))
		return
	}
	params, err := readParams(w, r)
	if err != nil {
		s.log("%s -> 400 %v", method, err)
		writeResponse(w, badRequest(err.Error()))
		return
	}
	writeResponse(w, s.call(r.Context(), method, params))
}

// call records one API call, applies any injected fault, and runs it.
func (s *Server) call(ctx context.Context, method string, params map[string]string) response {
	s.mu.Lock()
	pos := s.calls.add(Call{Method: method, Params: params}, nil)
	f := s.takeFault(method)
	s.mu.Unlock()

	resp, faulted := s.applyFault(ctx, f)
	if !faulted {
		resp = s.dispatch(ctx, method, params)
	}

	s.mu.Lock()
	if c := s.calls.at(pos); c != nil {
		c.Status = resp.status
	}
	s.mu.Unlock()
	if resp.status == http.StatusOK {
		s.log("%s -> %d", method, resp.status)
	} else {
		s.log("%s -> %d %s", method, resp.status, resp.description)
	}
	return resp
}

// dispatch runs an API method.
func (s *Server) dispatch(ctx context.Context, method string, p map[string]string) response {
	switch m := strings.ToLower(method); m {
	case "getme":
		return ok(s.bot)
	case "getupdates":
		return s.getUpdates(ctx, p)
	case "setwebhook":
		return s.setWebhook(p)
	case "deletewebhook":
		return s.deleteWebhook(p)
	case "getwebhookinfo":
		return s.getWebhookInfo()
	case "answercallbackquery":
		return s.answerCallbackQuery(p)
	case "getfile":
		return s.getFile(p)
	case "sendchataction":
		return ok(true)
	case "sendmediagroup":
		return s.sendMediaGroup(method, p)
	case "copymessage":
		return s.copyMessage(method, p)
	default:
		switch {
		case strings.HasPrefix(m, "send"), m == "forwardmessage":
			return s.sendMessage(method, p)
		case strings.HasPrefix(m, "editmessage"):
			return s.editMessage(method, p)
		}
		return ok(true)
	}
}

// writeResponse encodes r the way the Bot API does:
// {"ok":true,"result":...} or
// {"ok":false,"error_code":N,"description":"...","parameters":{"retry_after":N}}.
func writeResponse(w http.ResponseWriter, r response) {
	type parameters struct {
		RetryAfter int `json:"retry_after,omitempty"`
	}
	body := struct {
		OK          bool        `json:"ok"`
		Result      any         `json:"result,omitempty"`
		ErrorCode   int         `json:"error_code,omitempty"`
		Description string      `json:"description,omitempty"`
		Parameters  *parameters `json:"parameters,omitempty"`
	}{OK: r.status == http.StatusOK, Result: r.result, Description: r.description}
	if !body.OK {
		body.ErrorCode = r.status
		if r.retryAfter > 0 {
			body.Parameters = &parameters{RetryAfter: r.retryAfter}
		}
	}
	data, err := json.Marshal(body)
	if err != nil {
		// Results are built by this package from JSON-safe values.
		panic("telegramtest: encoding response: " + err.Error())
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(r.status)
	_, _ = w.Write(data)
}

// maxBody bounds request bodies, as the real API bounds uploads (50 MB).
const maxBody = 50 << 20

// readParams collects the request parameters from the query string and a
// JSON, form-urlencoded or multipart body, the three encodings the Bot API
// accepts.
func readParams(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	params := make(map[string]string)
	for k, v := range r.URL.Query() {
		params[k] = v[0]
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		data, err := io.ReadAll(r.Body)
		if err != nil {
			return nil, errors.New("can't read request body")
		}
		if err := jsonParams(data, params); err != nil {
			return nil, err
		}
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, errors.New("can't parse form body")
		}
		for k, v := range r.PostForm {
			params[k] = v[0]
		}
	case "multipart/form-data":
		err := r.ParseMultipartForm(1 << 20)
		if errors.Is(err, io.EOF) {
			// An empty body, without even a closing boundary: what
			// go-telegram/bot sends for methods without parameters,
			// and the real API takes as none.
			return params, nil
		}
		if err != nil {
			return nil, errors.New("can't parse multipart body")
		}
		defer r.MultipartForm.RemoveAll()
		for k, v := range r.MultipartForm.Value {
			params[k] = v[0]
		}
		for k, files := range r.MultipartForm.File {
			params[k] = files[0].Filename
		}
	}
	return params, nil
}

// jsonParams adds the members of a JSON object to params: strings as they
// are, other values as compact JSON text, nulls not at all. An empty body
// or a JSON null (telebot's body for methods without parameters) adds
// nothing.
func jsonParams(data []byte, params map[string]string) error {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(data, &obj); err != nil {
		return errors.New("can't parse JSON object")
	}
	for k, raw := range obj {
		var str string
		switch {
		case string(raw) == "null":
		case json.Unmarshal(raw, &str) == nil:
			params[k] = str
		default:
			var buf bytes.Buffer
			_ = json.Compact(&buf, raw) // raw is valid: it was just decoded
			params[k] = buf.String()
		}
	}
	return nil
}

// log writes one line through the configured logf. Callers never pass the
// token; the HTTP server's own messages are redacted in logWriter.
func (s *Server) log(format string, args ...any) {
	if s.logf != nil {
		s.logf("telegramtest: "+format, args...)
	}
}

// logWriter routes net/http's error log to the server's logf, with the
// token redacted should it ever appear.
type logWriter struct{ s *Server }

func (lw logWriter) Write(p []byte) (int, error) {
	if lw.s.logf != nil {
		msg := strings.ReplaceAll(strings.TrimSuffix(string(p), "\n"), lw.s.Token, "<token>")
		lw.s.logf("%s", msg)
	}
	return len(p), nil
}

// errClosed is returned by waits cut short by Close.
var errClosed = errors.New("telegramtest: server closed")
