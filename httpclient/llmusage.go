package httpclient

import (
	"bytes"
	"encoding/json"

	"github.com/genapp-go/genapp/metrics"
)

// usageReader reads the model and the token usage out of an LLM provider's
// answer as its bytes stream past, in pieces of any size: a JSON body, a
// sequence of JSON documents (Ollama's NDJSON) or a server-sent event
// stream whose data are JSON documents. It never changes, holds back or
// buffers the body: its memory is its own fields, bounded whatever the body
// and its lines.
//
// It follows the structure of each document and reads values only at the
// places its format defines ([llmFormat]): a usage object's mapped counts,
// the model's name, the key of a stream's output. Strings are skipped whole,
// so no text can fake structure, and a subtree that holds no place (the
// content, a tool call's input, a function call's arguments) is skipped
// counting brackets only, so no key a model writes is ever looked at. A
// usage object counts once it is closed, merged by maximum with the
// others of the answer (counts are cumulative in every stream); a count
// no real answer can have rejects the answer's usage.
type usageReader struct {
	f        *llmFormat
	frame    frame
	sniffed  bool // the first byte of a body framed as JSON was looked at
	streamed bool // a stream: events, NDJSON lines or a top-level array

	// Framing of a stream.
	line     lineState
	field    int  // bytes of an SSE field name matched against "data"
	afterCR  bool // the last byte was '\r': a '\n' after it ends no line
	eventLen int  // data bytes of the current SSE event

	// The document being read.
	depth   int               // containers open, at most maxDepth followed
	places  [maxDepth]*place  // the place of each open container followed
	arrays  [maxDepth]bool    // whether it is an array
	skip    int               // containers open inside one that holds no place
	expect  expectation       // in the innermost container followed
	tok     token             // the token being read
	escaped bool              // after a backslash in a string
	value   *place            // the place of the value being read, nil for none
	buf     [maxModelLen]byte // a key, the model or a count being read
	bufLen  int
	bufOver bool // the token was longer than buf (its start is kept)
	empty   bool // the innermost container followed has no member yet
	broken  bool // not JSON: the rest of the document is ignored

	pending       counts // of the usage object being read
	pendingReason string // why the usage object being read is rejected
	usageDepth    int    // the depth of the usage object being read, 0 for none

	model     string
	usage     counts
	sawUsage  bool   // a usage object with an input or output count was closed
	rejected  string // why the answer's usage is rejected, "" if it is not
	sawOutput bool   // a stream's first output was read
}

type frame uint8

const (
	frameJSON   frame = iota // one document, or several separated by white space
	frameNDJSON              // one document a line
	frameSSE                 // server-sent events whose data are documents
)

type lineState uint8

const (
	lineStart lineState = iota
	lineField           // in a field name that may be "data"
	lineData            // in the value of a data field
	lineSkip            // in a comment or a field other than data
)

type expectation uint8

const (
	expectValue expectation = iota
	expectKey
	expectColon
	expectComma
)

type token uint8

const (
	tokNone    token = iota
	tokString        // a string value or a key
	tokLiteral       // a number, true, false or null
)

const (
	// maxDepth is how deep containers are followed: deeper than any place
	// (placeTree checks). Deeper ones are skipped as a subtree.
	maxDepth = 6
	// maxModelLen is longer than any label value: a longer name is recorded
	// as metrics.OverflowValue.
	maxModelLen = 256
)

func newUsageReader(f *llmFormat, fr frame) usageReader {
	return usageReader{f: f, frame: fr, streamed: fr != frameJSON, usage: noCounts(), expect: expectValue}
}

// scan reads the next bytes of the body. It holds none back and never
// changes them.
func (r *usageReader) scan(p []byte) (hold int) {
	if r.frame == frameJSON && !r.sniffed {
		r.sniff(p)
	}
	if r.frame == frameSSE {
		r.scanEvents(p)
	} else {
		r.scanJSON(p)
	}
	return 0
}

// sniff frames as an event stream a body said to be JSON that begins with
// a field or a comment of one, as some servers label their streams.
func (r *usageReader) sniff(p []byte) {
	for _, b := range p {
		if !isSpace(b) {
			r.sniffed = true
			if isLetter(b) || b == ':' {
				r.frame, r.streamed = frameSSE, true
			}
			return
		}
	}
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

// scanEvents reads p as part of a server-sent event stream: the values of
// its data fields are JSON, the lines of one event joined by a line break
// as the standard says; an event that ends inside a document voids the
// document.
func (r *usageReader) scanEvents(p []byte) {
	for i := 0; i < len(p); {
		b := p[i]
		if r.afterCR {
			r.afterCR = false
			if b == '\n' {
				i++
				continue
			}
		}
		switch r.line {
		case lineStart, lineField:
			switch {
			case b == '\n' || b == '\r':
				if r.line == lineStart {
					r.endEvent()
				}
				r.endLine(b)
			case b == ':' && r.line == lineField && r.field == len("data"):
				r.line = lineData
				if i+1 < len(p) && p[i+1] == ' ' {
					i++
				} else if i+1 == len(p) {
					r.field++ // a space may begin the next piece
				}
			case r.field < len("data") && b == "data"[r.field]:
				r.line, r.field = lineField, r.field+1
			default:
				r.line = lineSkip
			}
			i++
		case lineData:
			if r.field > len("data") { // the optional space after "data:"
				r.field = len("data")
				if b == ' ' {
					i++
					continue
				}
			}
			end := lineEnd(p, i)
			r.eventLen += end - i
			r.scanJSON(p[i:end])
			i = end
			if i < len(p) {
				r.scanJSON(newline) // the lines of an event are joined by one
				r.endLine(p[i])
				i++
			}
		default:
			end := lineEnd(p, i)
			if end < len(p) {
				r.endLine(p[end])
				end++
			}
			i = end
		}
	}
}

var newline = []byte{'\n'}

// lineEnd returns the index of the first '\n' or '\r' of p[from:], or
// len(p).
func lineEnd(p []byte, from int) int {
	end := len(p)
	if i := bytes.IndexByte(p[from:], '\n'); i >= 0 {
		end = from + i
	}
	if i := bytes.IndexByte(p[from:end], '\r'); i >= 0 {
		end = from + i
	}
	return end
}

func (r *usageReader) endLine(b byte) {
	r.line, r.field, r.afterCR = lineStart, 0, b == '\r'
}

// endEvent ends an SSE event: a document still open in it is void.
func (r *usageReader) endEvent() {
	if r.eventLen > 0 && (r.depth > 0 || r.tok != tokNone || r.broken) {
		r.resetDocument()
	}
	r.eventLen = 0
}

// resetDocument drops the document being read, and the usage object open
// in it.
func (r *usageReader) resetDocument() {
	r.depth, r.skip, r.expect, r.tok, r.escaped, r.value, r.bufLen, r.bufOver, r.broken = 0, 0, expectValue, tokNone, false, nil, 0, false, false
	r.usageDepth = 0
}

// special marks the bytes that end a run of bytes of no interest: in a
// string, its end or an escape; elsewhere, structure. A line break ends
// both: in an event stream, a line of data.
var special = func() (s [2][256]bool) {
	for _, b := range []byte{'"', '\\', '\n', '\r'} {
		s[0][b] = true
	}
	for _, b := range []byte("\"{}[]:,\n\r") {
		s[1][b] = true
	}
	return s
}()

// scanJSON reads p as part of a sequence of JSON documents.
func (r *usageReader) scanJSON(p []byte) {
	for i := 0; i < len(p); {
		b := p[i]
		if r.broken {
			// Ignore the rest of the document: the rest of the body, the rest of
			// an NDJSON line; an event stream's event ends it (endEvent).
			if r.frame == frameNDJSON {
				if j := bytes.IndexByte(p[i:], '\n'); j >= 0 {
					r.endNDJSONLine('\n')
					i += j + 1
					continue
				}
			}
			return
		}
		switch r.tok {
		case tokString:
			if r.escaped {
				r.escaped = false
				r.keep(b)
				i++
				continue
			}
			j := i
			for j < len(p) && !special[0][p[j]] {
				j++
			}
			r.keep(p[i:j]...)
			if j == len(p) {
				return
			}
			switch p[j] {
			case '"':
				r.tok = tokNone
				r.endString()
			case '\\':
				r.escaped = true
				r.keep('\\')
			default: // no line break is in a JSON string
				r.broken = true
				r.endNDJSONLine(p[j])
			}
			i = j + 1
			continue
		case tokLiteral:
			j := i
			for j < len(p) && isLiteral(p[j]) {
				j++
			}
			r.keep(p[i:j]...)
			if j == len(p) {
				return
			}
			r.tok = tokNone
			r.endLiteral()
			i = j // p[j] is read as structure
			continue
		}
		if r.skip > 0 {
			// In a subtree that holds no place: brackets and strings only.
			j := i
			for j < len(p) && !special[1][p[j]] {
				j++
			}
			if j == len(p) {
				return
			}
			switch p[j] {
			case '"':
				r.tok, r.value, r.bufLen, r.bufOver = tokString, nil, 0, false
			case '{', '[':
				r.skip++
			case '}', ']':
				r.skip--
				if r.skip == 0 {
					r.endValue()
				}
			case '\n':
				r.endNDJSONLine('\n')
			}
			i = j + 1
			continue
		}
		i++
		switch {
		case b == '\n':
			r.endNDJSONLine(b)
		case isSpace(b) || r.depth == 0 && (b == 0xEF || b == 0xBB || b == 0xBF): // a byte order mark may begin a document
		case b == '"' && (r.expect == expectKey || r.expect == expectValue):
			if r.expect == expectValue {
				r.startValue()
			}
			r.tok, r.bufLen, r.bufOver, r.empty = tokString, 0, false, false
		case b == ':' && r.expect == expectColon:
			r.expect = expectValue
		case b == ',' && r.expect == expectComma && r.depth > 0:
			r.expect = expectValue
			if !r.arrays[r.depth-1] {
				r.expect = expectKey
			}
		case (b == '{' || b == '[') && r.expect == expectValue:
			r.open(b == '[')
		case (b == '}' || b == ']') && r.depth > 0 && r.arrays[r.depth-1] == (b == ']') &&
			(r.expect == expectComma || r.empty && (r.expect == expectKey) == (b == '}')):
			r.close()
		case isLiteral(b) && r.expect == expectValue:
			r.startValue()
			r.tok, r.bufLen, r.bufOver = tokLiteral, 0, false
			r.keep(b)
		default:
			r.broken = true
			r.usageDepth = 0
		}
	}
}

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// endNDJSONLine follows a line break outside a string: in NDJSON, it ends the
// document, and one still open there is void (a line break in a string
// breaks it too).
func (r *usageReader) endNDJSONLine(b byte) {
	if r.frame != frameNDJSON || b != '\n' {
		return
	}
	if r.depth > 0 || r.skip > 0 || r.tok != tokNone || r.broken {
		r.resetDocument()
	}
}

func isLiteral(b byte) bool {
	return isLetter(b) || '0' <= b && b <= '9' || b == '-' || b == '+' || b == '.'
}

// keep adds bytes to the token being read, as far as buf holds them.
func (r *usageReader) keep(b ...byte) {
	if r.value == nil && r.expect != expectKey {
		return // a value read nowhere
	}
	n := copy(r.buf[r.bufLen:], b)
	r.bufLen += n
	r.bufOver = r.bufOver || n < len(b)
}

// startValue sets the place of the value that begins: a member of the
// object followed, whose key was just read, or an element of the array.
func (r *usageReader) startValue() {
	r.value, r.empty = nil, false
	switch {
	case r.depth == 0:
		r.value = r.f.root
	case r.arrays[r.depth-1]:
		r.value = r.places[r.depth-1].elem
	default:
		r.value = r.places[r.depth-1].child(r.buf[:r.bufLen])
		if r.bufOver {
			r.value = nil
		}
	}
	r.bufLen, r.bufOver = 0, false
	if r.value != nil && r.value.role == roleOutput && r.streamed {
		r.sawOutput = true
	}
}

// open opens an object or array value.
func (r *usageReader) open(array bool) {
	if r.depth == 0 && array {
		// A top-level array: its elements are documents (Gemini's
		// streamGenerateContent without alt=sse).
		r.value, r.streamed = &r.f.top, true
	} else {
		r.startValue()
	}
	p := r.value
	if p != nil && p.role == roleCount {
		r.reject(p, metrics.LLMRejectNotANumber)
		p = nil
	}
	if p == nil || p.keys == nil && p.elem == nil || r.depth == maxDepth || array && p.elem == nil || !array && p.keys == nil {
		r.skip = 1
		return
	}
	r.places[r.depth], r.arrays[r.depth] = p, array
	r.depth++
	r.empty = true
	r.expect = expectValue
	if !array {
		r.expect = expectKey
	}
	if p.role == roleUsage && !array && r.usageDepth == 0 {
		r.usageDepth, r.pending, r.pendingReason = r.depth, noCounts(), ""
	}
}

// close closes the innermost container followed.
func (r *usageReader) close() {
	if r.depth == r.usageDepth {
		r.usageDepth = 0
		r.closeUsage()
	}
	r.depth--
	r.endValue()
}

// endValue follows the end of a value.
func (r *usageReader) endValue() {
	r.value = nil
	r.expect = expectComma
	if r.depth == 0 {
		r.expect = expectValue // the next document
	}
}

// endString ends a string: a key, or a value that may be the model or a
// count.
func (r *usageReader) endString() {
	if r.expect == expectKey {
		r.expect = expectColon
		return // the key stays in buf for startValue
	}
	if r.skip > 0 {
		return
	}
	switch p := r.value; {
	case p == nil:
	case p.role == roleModel:
		r.setModel()
	case p.role == roleCount:
		r.reject(p, metrics.LLMRejectNotANumber)
	}
	r.endValue()
}

// endLiteral ends a number, true, false or null.
func (r *usageReader) endLiteral() {
	if p := r.value; p != nil && p.role == roleCount && r.usageDepth > 0 {
		n, reason := parseCount(r.buf[:r.bufLen], r.bufOver)
		if reason != "" {
			r.reject(p, reason)
		} else if n >= 0 {
			r.pending[p.count] = n
		}
	}
	r.endValue()
}

// reject rejects the usage object being read for its count at p, unless
// that count is only a check of the others.
func (r *usageReader) reject(p *place, reason string) {
	if r.usageDepth > 0 && r.pendingReason == "" && !p.check {
		r.pendingReason = reason
	}
}

// closeUsage takes the counts of the usage object just closed.
func (r *usageReader) closeUsage() {
	if r.pendingReason != "" {
		if r.rejected == "" {
			r.rejected = r.pendingReason
		}
		return
	}
	if max(r.pending[0], r.pending[1]) < 0 {
		return // neither input nor output: nothing to count
	}
	r.usage.merge(&r.pending)
	r.sawUsage = true
}

// parseCount parses a count: a JSON integer from 0 to metrics.MaxLLMTokens.
// null is a count not reported (-1); anything else gives the reason it
// is not a count.
func parseCount(b []byte, over bool) (n int64, reason string) {
	if string(b) == "null" && !over {
		return -1, ""
	}
	digits, neg := b, len(b) > 0 && b[0] == '-'
	if neg {
		digits = b[1:]
	}
	if len(digits) == 0 || digits[0] < '0' || digits[0] > '9' {
		return 0, metrics.LLMRejectNotANumber
	}
	for _, c := range digits {
		switch {
		case '0' <= c && c <= '9':
		case c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-':
			return 0, metrics.LLMRejectNotInteger
		default:
			return 0, metrics.LLMRejectNotANumber
		}
	}
	switch {
	case len(digits) > 1 && digits[0] == '0':
		return 0, metrics.LLMRejectNotANumber // not JSON: 007
	case over || len(digits) > 18:
		n = 1 << 62
	default:
		for _, c := range digits {
			n = n*10 + int64(c-'0')
		}
	}
	switch {
	case neg && n != 0:
		return 0, metrics.LLMRejectNegative
	case n > metrics.MaxLLMTokens:
		return 0, metrics.LLMRejectTooLarge
	}
	return n, ""
}

// setModel takes the string just read as the model's name: the first one
// of the answer (every chunk of a stream names the same). A name longer
// than maxModelLen is metrics.OverflowValue.
func (r *usageReader) setModel() {
	if r.model != "" || r.bufLen == 0 {
		return
	}
	if r.bufOver {
		r.model = metrics.OverflowValue
		return
	}
	raw := r.buf[:r.bufLen]
	for _, c := range raw {
		if c == '\\' {
			var s string
			if json.Unmarshal(append(append([]byte{'"'}, raw...), '"'), &s) == nil {
				r.model = s
			}
			return
		}
	}
	r.model = string(raw)
}
