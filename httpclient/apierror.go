package httpclient

import (
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

// The members of a Bot API error answer that apiError reads:
// {"ok":false,"error_code":429,"description":"Too Many Requests: retry
// after 35","parameters":{"retry_after":35}}.
const (
	errorCodeKey   = `"error_code"`
	descriptionKey = `"description"`
	retryAfterKey  = `"retry_after"`
)

// Bounds of what apiError reads: the Bot API's integers are 32-bit (at
// most 10 digits), and a description longer than maxDescription is not
// one metrics.TelegramErrorReason reads.
const (
	maxNumberDigits = 10
	maxDescription  = 512
)

// apiError is the Reader that records a Bot API call answered with an
// error: error_code and description in genapp_telegram_api_errors_total
// (by method, [TelegramResource], and the reason the metrics package reads
// from them), and the parameters.retry_after of a 429 in
// genapp_telegram_flood_wait_sec. It reads the body of answers with a
// status of 400 or more as its bytes stream past, in pieces of any size,
// and holds no byte but those of the description, at most 512, allocated
// for an error answer only.
//
// It takes the first of each key: a quoted name after '{', ',' or white
// space and before ':', which in valid JSON is never inside a string (a
// quote there follows a backslash), so a description cannot fake one. A
// number counts when it is whole, from 0 to the largest 32-bit integer,
// and ended by a byte that may follow a number; anything else (negative,
// fractional, quoted, overlong, cut off) is no value, rather than a guess.
// An answer without an error_code (a proxy's HTML page) records nothing.
type apiError struct {
	m   *metrics.Metrics
	req *http.Request

	scan apiErrorScan

	mu          sync.Mutex // End may run while the caller reads the body
	status      int        // the HTTP status; 0 until an error answer came
	code        int64      // error_code; -1 until read
	retryAfter  int64      // parameters.retry_after; -1 until read
	description []byte     // nil until read whole; cap maxDescription
}

// apiErrorScan is the state of the scan of one body.
type apiErrorScan struct {
	state   scanState
	key     string // the key being matched, or whose value is read
	matched int    // bytes of key matched
	prev    byte   // the byte before the current one, across pieces
	value   int64
	digits  int
	escaped bool
	desc    []byte
	long    bool  // the description is longer than maxDescription
	seen    uint8 // the keys met so far, valid values or not: keyBit
}

type scanState uint8

const (
	scanSearching scanState = iota
	scanKey                 // in a quoted name that may be a key
	scanAfterKey            // after a key, before ':'
	scanAtValue             // after ':', before the value
	scanInNumber
	scanInString
)

// newAPIError is the newReader of NewTelegram's error answers.
func newAPIError(req *http.Request, m *metrics.Metrics) Reader {
	if m == nil {
		return nil
	}
	return &apiError{m: m, req: req, code: -1, retryAfter: -1}
}

func (a *apiError) RequestBody([]byte, int64, error) {}

// Response reads the body of an error answer.
func (a *apiError) Response(resp *http.Response) (readBody bool) {
	if resp.StatusCode < http.StatusBadRequest {
		return false
	}
	a.mu.Lock()
	a.status = resp.StatusCode
	a.mu.Unlock()
	return true
}

func (a *apiError) ResponseBody(p []byte) {
	for _, c := range p {
		a.step(c)
		a.scan.prev = c
	}
}

// End records the error answer: its error_code (the HTTP status when it
// has none, as a proxy's page) and description, and the retry_after of a
// 429. It may be called while another goroutine reads the body.
func (a *apiError) End() {
	a.mu.Lock()
	status, code, retryAfter, description := a.status, a.code, a.retryAfter, a.description
	a.mu.Unlock()
	if status == 0 {
		return
	}
	if code < 0 {
		code = int64(status)
	}
	method := TelegramResource(a.req)
	a.m.RecordTelegramAPIError(method, int(code), string(description))
	if status == http.StatusTooManyRequests && retryAfter >= 0 {
		a.m.RecordTelegramFloodWait(method, time.Duration(retryAfter)*time.Second)
	}
}

func (a *apiError) step(c byte) {
	s := &a.scan
	switch s.state {
	case scanSearching:
		if c == '"' && beforeKey(s.prev) {
			s.state, s.key, s.matched = scanKey, "", 1
		}
	case scanKey:
		if s.matched == 1 {
			s.key = keyStartingWith(c)
		}
		if s.key == "" || c != s.key[s.matched] {
			s.state = scanSearching
		} else if s.matched++; s.matched == len(s.key) {
			s.state = scanAfterKey
		}
	case scanAfterKey:
		if c == ':' {
			s.state = scanAtValue
			if s.seen&keyBit(s.key) != 0 {
				s.state = scanSearching // not the first of its key
			}
			s.seen |= keyBit(s.key)
		} else if !isSpace(c) {
			s.state = scanSearching // a string, not a key
		}
	case scanAtValue:
		switch {
		case isSpace(c):
		case '0' <= c && c <= '9' && s.key != descriptionKey:
			s.state, s.value, s.digits = scanInNumber, int64(c-'0'), 1
		case c == '"' && s.key == descriptionKey:
			s.state, s.desc, s.long, s.escaped = scanInString, make([]byte, 0, maxDescription), false, false
		default:
			s.state = scanSearching
		}
	case scanInNumber:
		switch {
		case '0' <= c && c <= '9':
			if s.digits++; s.digits > maxNumberDigits {
				s.state = scanSearching
				return
			}
			s.value = s.value*10 + int64(c-'0')
		case c == ',' || c == '}' || c == ']' || isSpace(c):
			if s.value <= math.MaxInt32 {
				a.set(s.key, s.value, nil)
			}
			s.state = scanSearching
		default: // '.', 'e', a letter: not a whole number
			s.state = scanSearching
		}
	case scanInString:
		switch {
		case s.escaped:
			s.escaped = false
			s.add(c)
		case c == '\\':
			s.escaped = true
		case c == '"':
			if !s.long {
				a.set(descriptionKey, 0, s.desc)
			}
			s.state, s.desc = scanSearching, nil
		default:
			s.add(c)
		}
	}
}

// add appends c to the description, which is too long past maxDescription.
func (s *apiErrorScan) add(c byte) {
	if len(s.desc) == maxDescription {
		s.long = true
		return
	}
	s.desc = append(s.desc, c)
}

// keyStartingWith returns the key whose name starts with c, or "".
func keyStartingWith(c byte) string {
	switch c {
	case 'e':
		return errorCodeKey
	case 'd':
		return descriptionKey
	case 'r':
		return retryAfterKey
	}
	return ""
}

// keyBit is the bit of key in apiErrorScan.seen.
func keyBit(key string) uint8 {
	switch key {
	case errorCodeKey:
		return 1
	case descriptionKey:
		return 2
	}
	return 4
}

// set keeps the value of the first of key.
func (a *apiError) set(key string, n int64, desc []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch {
	case key == errorCodeKey && a.code < 0:
		a.code = n
	case key == retryAfterKey && a.retryAfter < 0:
		a.retryAfter = n
	case key == descriptionKey && a.description == nil:
		a.description = desc
	}
}

// beforeKey tells whether b can precede the opening quote of a key.
func beforeKey(b byte) bool {
	return b == '{' || b == ',' || isSpace(b) || b == 0
}
