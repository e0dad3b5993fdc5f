package httpclient

import (
	"io"
	"net/http"

	"github.com/genapp-go/genapp/metrics"
)

// A Reader follows one exchange of an instrumented transport and reads
// values out of it as it passes: a header, a field of a JSON body, the
// usage an LLM reports. [WithReader] makes one for each request.
//
// The transport calls it as the exchange happens:
//
//   - RequestBody with the bytes of each Read of the request body, as the
//     transport sends them, and that Read's error (io.EOF at the end). off
//     is their offset in the body: a body the transport sends again, on a
//     new connection, starts again at 0.
//   - Response once, if a response arrived, before the caller gets it.
//     It returns whether to read the body (never read for 101 Switching
//     Protocols, whose body is a connection).
//   - ResponseBody, if Response returned true, with the bytes of the body
//     in order, each byte once, as the caller reads them. Nothing is read
//     ahead or held back for the Reader.
//   - End once, when the exchange is recorded: the body reached its end,
//     failed or was closed, or no response arrived.
//
// A Reader must not keep or change the slices it is given, change the
// response or read its body, and should keep bounded state: bodies can be
// long. RequestBody may run on the transport's goroutine at the same time
// as the other methods (even after End), and End may run while the caller
// reads the body on another goroutine: a Reader whose state they share
// guards it.
type Reader interface {
	RequestBody(p []byte, off int64, err error)
	Response(resp *http.Response) (readBody bool)
	ResponseBody(p []byte)
	End()
}

// newReader makes the Reader of one exchange: see WithReader.
type newReader func(req *http.Request, m *metrics.Metrics) Reader

// WithReader adds a [Reader] to the transport. newReader is called with each
// request, before it is sent, and with the instance the exchange is recorded
// into (nil when there is none, as before [metrics.Init]); it returns the
// Reader of the exchange, or nil to follow none. It must not change the
// request or read its body. Readers of one exchange are called in the order of their
// options. A nil newReader adds none.
func WithReader(newReader func(req *http.Request, m *metrics.Metrics) Reader) TransportOption {
	return transportOption(func(c *config) {
		if newReader != nil {
			c.readers = append(c.readers, newReader)
		}
	})
}

// A rewriter is a Reader that also changes what comes back, before any
// Reader or the caller sees it: the bot token mask of NewTelegram. It is
// given the header of the response before any Reader's Response, the bytes
// of the body before any Reader's ResponseBody, and the trailer once the
// body ended. Only this package's Readers rewrite.
type rewriter interface {
	rewriteHeader(h http.Header)
	// rewrite may change bytes of p but never their number, and returns
	// how many at its end it holds back, at most maxHold(): a possible
	// beginning of a match. Held bytes are given again at the start of the
	// next call (also when another rewriter held them: rewriting must not
	// change bytes it already rewrote); at the end of the body they go on
	// as they are.
	rewrite(p []byte) (hold int)
	maxHold() int
}

// reading is the Readers of one exchange, and the scanner its response
// body passes through when one of them reads it (see scan.go). One
// allocation holds both, with room for two Readers.
type reading struct {
	readers []followed
	first   [2]followed
	resp    *http.Response

	// The response body, once a Reader reads it: see Read. buf[:ready] are
	// bytes ready for the caller, buf[ready:] bytes a rewriter holds back.
	// After the body ended (err != nil), every byte in buf is ready.
	rc      io.ReadCloser
	maxHold int // the largest of the rewriters'
	buf     []byte
	ready   int
	err     error
}

// followed is one Reader of an exchange.
type followed struct {
	r        Reader
	readBody bool // its Response returned true
}

// newReading returns the Readers that newReaders make for req, nil when
// none does.
func newReading(newReaders []newReader, req *http.Request, m *metrics.Metrics) *reading {
	var rd *reading
	for _, newReader := range newReaders {
		r := newReader(req, m)
		if r == nil {
			continue
		}
		if rd == nil {
			rd = new(reading)
			rd.readers = rd.first[:0]
		}
		rd.readers = append(rd.readers, followed{r: r})
	}
	return rd
}

// requestBody may run on the transport's goroutine while response sets
// readBody: it reads r alone.
func (rd *reading) requestBody(p []byte, off int64, err error) {
	for i := range rd.readers {
		rd.readers[i].r.RequestBody(p, off, err)
	}
}

// response gives resp to the Readers, its header rewritten first, and
// tells whether one of them reads the body. Only a rewriter reads the body
// of a 101: what comes back is rewritten whatever it is.
func (rd *reading) response(resp *http.Response) (readBody bool) {
	rd.resp = resp
	for _, f := range rd.readers {
		if w, ok := f.r.(rewriter); ok {
			w.rewriteHeader(resp.Header)
		}
	}
	for i := range rd.readers {
		f := &rd.readers[i]
		w, rewrites := f.r.(rewriter)
		f.readBody = f.r.Response(resp) && (rewrites || resp.StatusCode != http.StatusSwitchingProtocols)
		if f.readBody && rewrites {
			rd.maxHold = max(rd.maxHold, w.maxHold())
		}
		readBody = readBody || f.readBody
	}
	return readBody
}

func (rd *reading) end() {
	for i := range rd.readers {
		rd.readers[i].r.End()
	}
}
