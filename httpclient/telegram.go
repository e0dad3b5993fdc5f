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

// NewTelegram returns a client for the Telegram Bot API (app_type
// "telegram_api") whose resource label is the API method name
// ([TelegramResource]). Give it to the bot library together with
// [TokenPlaceholder] as the token:
//
//	client := httpclient.NewTelegram(os.Getenv("BOT_TOKEN"))
//	bot, err := tele.NewBot(tele.Settings{Token: httpclient.TokenPlaceholder, Client: client})
//	api, err := tgbotapi.NewBotAPIWithClient(httpclient.TokenPlaceholder, tgbotapi.APIEndpoint, client)
//
// The client replaces "/bot"+TokenPlaceholder+"/" in the URL path of each
// request (also "/file/bot"+TokenPlaceholder+"/" of file downloads) with the
// real token, on a copy of the request given to the base transport.
//
// Why: http.Client.Do wraps every transport error in a *url.Error that quotes
// the request URL, outside the reach of any RoundTripper, and both telebot
// and telegram-bot-api return that error as it is. A token that is only added
// below http.Client cannot appear in it. An error from the base transport that
// quotes the real token anyway is returned with the token replaced by
// TokenPlaceholder in its text, and its secret masked where it stands on
// its own (a malformed answer that the transport quotes, say); errors.Is
// and errors.As see the original.
//
// A request that holds the placeholder fails, recorded with status "0", when
// token is empty or has characters a bot token never has (other than ASCII
// letters, digits, ':', '_' and '-'). Requests that hold a real token pass
// through unchanged: they are recorded under the method name as well, but
// their errors quote the token, as those of any http.Client do.
//
// # A hostile or broken Bot API
//
// The token goes only to the host the bot library addresses. The Bot API
// never redirects, so the client follows no redirect: a request made to
// follow one (http.Request.Response is set) fails before it leaves, and the
// client returns an error that quotes the redirect's masked Location. No
// token, real or placeholder, reaches the host a redirect names.
//
// Nothing that comes back carries the token either: in the response's
// header values, its trailer values (once the body is read to its end) and
// in its body, as the body streams, the secret of every
// occurrence of the token (what follows its ':') is overwritten with '*'
// bytes, whatever its length; a secret of 16 characters or more, as real
// ones are, is also found on its own (after an escaped ':', say). The bot
// ID before the ':' stays, and so does the length of the body, so
// Content-Length and the size recorded remain those of the bytes received.
// An endpoint that echoes the token in an error description, or a proxy
// whose Location quotes it, cannot make the bot library put it in an error
// or a log line. To find a token split across two reads, the bytes at the
// end of a read that could begin one (fewer than the token has) are held
// back until the next bytes arrive or the body ends; the body is never
// buffered whole, and its io.WriterTo, if it had one, is not offered.
//
// # Flood waits
//
// The parameters.retry_after of every 429 (Too Many Requests) answer is
// recorded, by method ([TelegramResource]), in
// genapp_telegram_flood_wait_sec of the client's instance (see
// [metrics.Metrics.RecordTelegramFloodWait]) once the answer has been read or
// closed. It is read as the body streams, without holding back or
// buffering any of it; a retry_after that is not a whole number of seconds
// from 0 to 2147483647, or an answer without one, records no wait.
//
// Both bot libraries read an answer whole, into memory: the body of an
// answer longer than 64 MB, far above any real one, fails with an error
// once its first 64 MB have been read, so that an endless answer cannot
// exhaust the bot's memory. File downloads are not bounded.
func NewTelegram(token string, opts ...Option) *http.Client {
	c := newConfig(metrics.AppTypeTelegram, TelegramResource, opts)
	c.floodWaits = true
	return newClient(c, func(base http.RoundTripper) http.RoundTripper {
		m := bottoken.NewMasker(token)
		return &tokenTransport{base: base, token: token, masker: m, scanner: tokenMask{m}}
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

// tokenTransport puts the bot token in place of TokenPlaceholder.
type tokenTransport struct {
	base    http.RoundTripper
	token   string
	masker  bottoken.Masker
	scanner bodyScanner // tokenMask{masker}, boxed once
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
		return t.mask(capAnswer(req, resp)), redact(err, t.token, t.masker)
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
	return t.mask(capAnswer(req, resp)), nil
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

// mask masks the token in the header values of resp and, as it streams, in
// its body.
func (t *tokenTransport) mask(resp *http.Response) *http.Response {
	if resp == nil || t.token == "" {
		return resp
	}
	t.maskHeader(resp.Header)
	if resp.Body != nil && resp.Body != http.NoBody {
		resp.Body = &trailerMask{scanBody: newScanBody(resp.Body, t.scanner, t.masker.MaxPartial()), t: t, resp: resp}
	}
	return resp
}

// maskHeader masks the token in the values of h.
func (t *tokenTransport) maskHeader(h http.Header) {
	for _, vs := range h {
		for i, v := range vs {
			vs[i] = t.masker.MaskString(v)
		}
	}
}

// trailerMask is the body of a response whose trailer, which the base
// transport fills in as the body ends, it masks once the caller has read
// to the end (or to an error): the trailer values are header values too.
type trailerMask struct {
	*scanBody
	t    *tokenTransport
	resp *http.Response
}

func (b *trailerMask) Read(p []byte) (int, error) {
	n, err := b.scanBody.Read(p)
	if err != nil {
		b.t.maskHeader(b.resp.Trailer)
	}
	return n, err
}

// tokenMask is the bodyScanner that masks a bot token. It holds back the
// longest end of the bytes that could begin a match.
type tokenMask struct{ m bottoken.Masker }

func (t tokenMask) scan(p []byte) (hold int) {
	t.m.Mask(p)
	return t.m.Partial(p)
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
