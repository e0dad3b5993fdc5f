package httpclient

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/metrics"
)

// TokenPlaceholder is the bot token to give a bot library that uses a client
// from [NewTelegram]: the client puts the real token in its place on the way
// out, so the library, its URLs, its errors and its logs never hold the real
// one.
const TokenPlaceholder = "TOKEN"

// fileResource is the resource of every file download.
const fileResource = "file"

// NewTelegram returns a client for the Telegram Bot API: app_type
// "telegram_api", resource the method name ([TelegramResource]). Give it to
// the bot library together with [TokenPlaceholder] as the token:
//
//	client := httpclient.NewTelegram(os.Getenv("BOT_TOKEN"))
//	bot, err := tele.NewBot(tele.Settings{Token: httpclient.TokenPlaceholder, Client: client})
//
// The client puts token in the placeholder's place in each request's path,
// on a copy below http.Client, so that the library's URLs and errors never
// hold it; a request with the placeholder fails (status "0") when token is
// empty or has characters no bot token has. It follows no redirect, masks
// the token's secret in the errors, headers, trailers and bodies that come
// back (bodies keep their length), fails an answer longer than 64 MB
// (file downloads aside), and records every error answer by method and
// reason in genapp_telegram_api_errors_total, and the retry_after of 429
// answers in genapp_telegram_flood_wait_sec. docs/httpclient.md tells why
// and how.
func NewTelegram(token string, opts ...Option) *http.Client {
	c := newConfig(metrics.AppTypeTelegram, TelegramResource, opts)
	m := bottoken.NewMasker(token)
	c.readers = append(c.readers, newAPIError)
	if token != "" {
		mask := Reader(tokenMask{m})
		c.readers = append(c.readers, func(*http.Request, *metrics.Metrics) Reader { return mask })
	}
	return newClient(c, func(base http.RoundTripper) http.RoundTripper {
		return &tokenTransport{base: base, token: token, masker: m}
	})
}

// TelegramResource names a Bot API request by its method:
// "/bot<token>/sendMessage" is "sendMessage" and every file download
// "/file/bot<token>/<path>" is "file". Any other path is "/{unknown}": the
// path itself, which holds the token, is never returned.
func TelegramResource(r *http.Request) string {
	p := r.URL.Path
	if i := strings.Index(p, "/file/bot"); i >= 0 {
		// token, "/", a non-empty file path
		if _, file, ok := strings.Cut(p[i+len("/file/bot"):], "/"); ok && file != "" {
			return fileResource
		}
		return metrics.UnknownResource
	}
	slash := strings.LastIndexByte(p, '/')
	if slash < 0 {
		return metrics.UnknownResource
	}
	method, dir := p[slash+1:], p[:slash]
	if !strings.HasPrefix(dir[strings.LastIndexByte(dir, '/')+1:], "bot") || !isMethodName(method) {
		return metrics.UnknownResource
	}
	return method
}

// isMethodName reports whether s can be a Bot API method name: the API's
// names are camelCase ASCII letters.
func isMethodName(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z') {
			return false
		}
	}
	return true
}

const placeholderSegment = "/bot" + TokenPlaceholder + "/"

var errBadToken = errors.New("httpclient: the request URL holds httpclient.TokenPlaceholder, but NewTelegram was given an empty bot token or one with characters other than ASCII letters, digits, ':', '_' and '-'")

// tokenTransport puts the bot token in place of TokenPlaceholder, and keeps
// it out of the errors and of the hosts a redirect names. The token in what
// comes back is tokenMask's.
type tokenTransport struct {
	base   http.RoundTripper
	token  string
	masker bottoken.Masker
}

func (t *tokenTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Response != nil {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("httpclient: the Bot API answered %d with a redirect; a NewTelegram client follows none (the Bot API never redirects), so that the bot token goes to no other host", req.Response.StatusCode)
	}
	if !strings.Contains(req.URL.Path, placeholderSegment) {
		resp, err := t.base.RoundTrip(req)
		return capAnswer(req, resp), redact(err, t.token, t.masker)
	}
	if !validToken(t.token) {
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, errBadToken
	}
	withToken := "/bot" + t.token + "/"
	sent := new(http.Request)
	*sent = *req
	u := *req.URL
	u.Path = strings.Replace(u.Path, placeholderSegment, withToken, 1)
	// The segment needs no escaping, so RawPath, when set, holds it verbatim.
	u.RawPath = strings.Replace(u.RawPath, placeholderSegment, withToken, 1)
	sent.URL = &u
	resp, err := t.base.RoundTrip(sent)
	if err != nil || resp == nil {
		return resp, redact(err, t.token, t.masker)
	}
	// The caller sees its own request, placeholder and all.
	if resp.Request == sent {
		resp.Request = req
	}
	return capAnswer(req, resp), nil
}

// maxAnswer bounds the body of a Bot API answer other than a file
// download: getUpdates with 100 updates of the largest kind is far below.
const maxAnswer = 64 << 20

var errAnswerTooLong = fmt.Errorf("httpclient: the Bot API answer is longer than %d bytes", maxAnswer)

// capAnswer makes the body of resp, the answer to a Bot API method call
// req, fail past maxAnswer bytes: telebot and tgbotapi read answers whole,
// and a hostile or broken endpoint that sent an endless one would exhaust
// the memory of the bot. File downloads are not bounded.
func capAnswer(req *http.Request, resp *http.Response) *http.Response {
	if resp == nil || resp.Body == nil || resp.Body == http.NoBody || strings.Contains(req.URL.Path, "/file/bot") {
		return resp
	}
	resp.Body = &cappedBody{ReadCloser: resp.Body}
	return resp
}

// cappedBody is a body that fails once more than maxAnswer bytes came.
type cappedBody struct {
	io.ReadCloser
	n int64
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.n > maxAnswer {
		return 0, errAnswerTooLong
	}
	n, err := b.ReadCloser.Read(p)
	b.n += int64(n)
	if b.n > maxAnswer {
		return n, errAnswerTooLong
	}
	return n, err
}

// tokenMask is the Reader that masks a bot token in what comes back: the
// header and trailer values of an answer and, as it streams, its body. It
// holds back the longest end of the bytes that could begin a match.
type tokenMask struct{ m bottoken.Masker }

func (tokenMask) RequestBody([]byte, int64, error) {}
func (tokenMask) Response(*http.Response) bool     { return true }
func (tokenMask) ResponseBody([]byte)              {}
func (tokenMask) End()                             {}
func (t tokenMask) maxHold() int                   { return t.m.MaxPartial() }
func (t tokenMask) rewrite(p []byte) (hold int)    { t.m.Mask(p); return t.m.Partial(p) }
func (t tokenMask) rewriteHeader(h http.Header) {
	for _, vs := range h {
		for i, v := range vs {
			vs[i] = t.m.MaskString(v)
		}
	}
}

func validToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == ':' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// CloseIdleConnections passes the call on to the base transport.
func (t *tokenTransport) CloseIdleConnections() { closeIdleConnections(t.base) }
