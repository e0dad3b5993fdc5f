package httpclient

import (
	"math"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

// retryAfterKey is the key of the wait in a 429 answer of the Bot API:
// {"ok":false,"error_code":429,"description":"Too Many Requests: retry
// after 35","parameters":{"retry_after":35}}.
const retryAfterKey = `"retry_after"`

// maxRetryAfterDigits bounds the digits of a retry_after read: the Bot
// API's integers are 32-bit, at most 10 digits.
const maxRetryAfterDigits = 10

// floodWait is the Reader that records the flood wait of a Bot API call:
// parameters.retry_after, read out of a 429 answer as its bytes stream
// past, in pieces of any size, recorded by method ([TelegramResource]) in
// m. Like usageReader it buffers no byte: its state is its own few fields.
//
// It takes the first "retry_after" key (a quoted name after '{', ',' or
// white space and before ':', which in valid JSON is never inside a
// string, so a description cannot fake one) and its value when that is a
// whole number of seconds from 0 to the largest 32-bit integer, ended by a
// byte that may follow a number. Anything else (a negative, fractional,
// quoted or overlong value, a body cut off in the number, no key at all) is
// no wait: nothing is recorded, rather than a guess.
type floodWait struct {
	m   *metrics.Metrics
	req *http.Request // its method is named once a wait was read

	state   floodState
	prev    byte // the byte before the current one, across pieces
	matched int  // bytes of retryAfterKey matched
	value   int64
	digits  int

	seconds atomic.Int64 // the retry_after read, -1 until one was
}

type floodState uint8

const (
	floodSearching floodState = iota
	floodAfterKey             // after the key, before ':'
	floodAtValue              // after ':', before the value
	floodInNumber
	floodDone
)

// newFloodWait is the newReader of NewTelegram's flood waits.
func newFloodWait(req *http.Request, m *metrics.Metrics) Reader {
	if m == nil {
		return nil
	}
	f := &floodWait{m: m, req: req}
	f.seconds.Store(-1)
	return f
}

func (f *floodWait) RequestBody([]byte, int64, error) {}

// Response reads the body of a 429 answer.
func (f *floodWait) Response(resp *http.Response) (readBody bool) {
	return resp.StatusCode == http.StatusTooManyRequests
}

func (f *floodWait) ResponseBody(p []byte) {
	for _, c := range p {
		if f.state == floodDone {
			return
		}
		f.step(c)
		f.prev = c
	}
}

// End records the wait read, if one was. It may be called while another
// goroutine reads the body.
func (f *floodWait) End() {
	if s := f.seconds.Load(); s >= 0 {
		f.m.RecordTelegramFloodWait(TelegramResource(f.req), time.Duration(s)*time.Second)
	}
}

func (f *floodWait) step(c byte) {
	switch f.state {
	case floodSearching:
		switch {
		case c == retryAfterKey[f.matched] && (f.matched > 0 || beforeKey(f.prev)):
			if f.matched++; f.matched == len(retryAfterKey) {
				f.state, f.matched = floodAfterKey, 0
			}
		case c == '"' && beforeKey(f.prev):
			f.matched = 1
		default:
			f.matched = 0
		}
	case floodAfterKey:
		if c == ':' {
			f.state = floodAtValue
		} else if !isSpace(c) {
			f.state = floodSearching // a string "retry_after", not a key
		}
	case floodAtValue:
		if '0' <= c && c <= '9' {
			f.state, f.value, f.digits = floodInNumber, int64(c-'0'), 1
		} else if !isSpace(c) {
			f.state = floodDone
		}
	case floodInNumber:
		switch {
		case '0' <= c && c <= '9':
			if f.digits++; f.digits > maxRetryAfterDigits {
				f.state = floodDone
				return
			}
			f.value = f.value*10 + int64(c-'0')
		case c == ',' || c == '}' || c == ']' || isSpace(c):
			if f.value <= math.MaxInt32 {
				f.seconds.Store(f.value)
			}
			f.state = floodDone
		default: // '.', 'e', a letter: not a whole number
			f.state = floodDone
		}
	}
}

// beforeKey tells whether b can precede the opening quote of a key.
func beforeKey(b byte) bool {
	return b == '{' || b == ',' || isSpace(b) || b == 0
}
