package httpclient

import (
	"bytes"
	"encoding/json"

	"github.com/genapp-go/genapp/metrics"
)

// usageReader reads the model and the token usage out of an LLM provider's
// answer as its bytes stream past, in pieces of any size: a JSON body or a
// server-sent event stream of OpenAI's Chat Completions and Responses APIs,
// Anthropic's Messages API or Gemini's generateContent and
// streamGenerateContent. It never changes, holds back or buffers the body:
// its memory is its own fields, bounded whatever the body and its lines.
//
// It looks for the keys it knows ("usage", "usageMetadata", "model",
// "modelVersion", and for the first output "delta" and "candidates"), as a
// JSON key: a quoted name after '{', ',' or white space and before ':'. In
// valid JSON such a sequence is never inside a string, so the text of an
// answer cannot fake one. It then captures the value after the key, at most
// maxUsageLen bytes of object or maxModelLen of string; a longer value is
// skipped. Keys are not matched by depth: a tool's JSON arguments that use
// these names could be taken for the provider's own, which every format
// sends after them, so that usage counts merge by maximum (they are
// cumulative in every stream), the first "model" is kept (OpenAI and
// Anthropic send it before any content) and Gemini's "modelVersion", sent
// after its usageMetadata, replaces it. Once the model is known, the
// "model" key of every later chunk of a stream is not looked at.
type usageReader struct {
	sse bool // a server-sent event stream: a line break ends any capture

	state   readState
	kind    keyKind
	prev    byte // the last byte of the previous piece
	prev2   byte // the byte before it
	key     [maxKeyLen]byte
	keyLen  int
	capture []byte // the value being captured
	depth   int    // of the object being captured
	inStr   bool   // in a string of the object being captured
	escaped bool   // after a backslash in a string being captured

	model        string
	modelVersion bool // model came from "modelVersion"
	gemini       bool // a "usageMetadata" key was seen: a "modelVersion" may follow
	usage        rawUsage
	sawUsage     bool
	sawOutput    bool // a "delta" or "candidates" key: the answer's first output
}

type readState uint8

const (
	idle     readState = iota // searching for a key
	inKey                     // after the opening quote of a possible key
	afterKey                  // after its closing quote, before ':'
	atValue                   // after ':', before the value
	inString                  // capturing a string value
	inObject                  // capturing an object value
)

type keyKind uint8

const (
	keyOther keyKind = iota
	keyUsage
	keyModel
	keyModelVersion
	keyOutput
)

const (
	maxKeyLen   = len("usageMetadata")
	maxUsageLen = 2048 // the largest usage object of the four formats is some 500 bytes
	maxModelLen = 256  // longer than any label value: a longer name is recorded as metrics.OverflowValue
)

// anchors are the beginnings of the keys usageReader looks for.
var anchors = [...][]byte{
	anchorUsage:      []byte(`"usage`),
	anchorModel:      []byte(`"model`),
	anchorDelta:      []byte(`"delta"`),
	anchorCandidates: []byte(`"candidates"`),
}

const (
	anchorUsage = iota
	anchorModel
	anchorDelta
	anchorCandidates
)

// maxAnchorLen is the longest anchor: at the end of a piece, a quote among
// the last maxAnchorLen-1 bytes may begin one that the next piece completes.
const maxAnchorLen = len(`"candidates"`)

func newUsageReader(sse bool) usageReader { return usageReader{sse: sse, usage: newRawUsage()} }

// scan reads the next bytes of the body. It holds none back and never
// changes them.
func (r *usageReader) scan(p []byte) (hold int) {
	for i := 0; i < len(p); {
		if r.state == idle {
			i = r.search(p, i)
		} else {
			i += r.step(p[i:])
		}
	}
	if len(p) >= 2 {
		r.prev2, r.prev = p[len(p)-2], p[len(p)-1]
	} else if len(p) == 1 {
		r.prev2, r.prev = r.prev, p[0]
	}
	return 0
}

// at returns p[i], or for i of -1 and -2 the last bytes before p.
func (r *usageReader) at(p []byte, i int) byte {
	switch {
	case i >= 0:
		return p[i]
	case i == -1:
		return r.prev
	}
	return r.prev2
}

// search finds the next wanted key name in p[from:] and returns the index
// after it, in state inKey (or afterKey for a name that ends with its
// quote); at the end of p without one, it enters inKey if the last bytes
// may begin one, and returns len(p). A name counts when a quote is before
// it and a byte that may precede a key before the quote. It searches for
// names, not quotes: a quote is in every few bytes of JSON, the first
// letter of a name far more seldom.
func (r *usageReader) search(p []byte, from int) int {
	for {
		at, anchor := -1, []byte(nil)
		for i, a := range anchors {
			if !r.wanted(i) {
				continue
			}
			if j := bytes.Index(p[from:], a[1:]); j >= 0 && (at < 0 || from+j < at) {
				at, anchor = from+j, a
			}
		}
		if at < 0 {
			r.searchTail(p, from)
			return len(p)
		}
		if r.at(p, at-1) != '"' || !beforeKey(r.at(p, at-2)) {
			from = at + 1
			continue
		}
		name := anchor[1:]
		r.state = inKey
		r.keyLen = copy(r.key[:], name)
		if name[len(name)-1] == '"' { // the whole key: "delta" or "candidates"
			r.keyLen--
			r.state = afterKey
			r.classify()
		}
		return at + len(name)
	}
}

// searchTail enters inKey when p[from:] ends with the beginning of a
// wanted name after a quote, which may be the byte before from (a quote
// that closed the value before, as search allows) or before p.
func (r *usageReader) searchTail(p []byte, from int) {
	for q := max(from-1, len(p)-maxAnchorLen+1, -1); q < len(p); q++ {
		if r.at(p, q) != '"' || !beforeKey(r.at(p, q-1)) {
			continue
		}
		name := p[q+1:]
		for i, a := range anchors {
			if r.wanted(i) && bytes.HasPrefix(a[1:], name) {
				r.state = inKey
				r.keyLen = copy(r.key[:], name)
				return
			}
		}
	}
}

// wanted tells whether anchor i can still tell something new.
func (r *usageReader) wanted(i int) bool {
	switch i {
	case anchorModel:
		return r.model == "" || r.gemini && !r.modelVersion
	case anchorDelta, anchorCandidates:
		return r.sse && !r.sawOutput
	}
	return true
}

// beforeKey tells whether b can precede the opening quote of a key.
func beforeKey(b byte) bool {
	return b == '{' || b == ',' || isSpace(b) || b == 0
}

func isLetter(b byte) bool { return 'a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' }

func isSpace(b byte) bool { return b == ' ' || b == '\t' || b == '\n' || b == '\r' }

// step advances a state other than idle by at least one byte of p and
// returns how many it consumed.
func (r *usageReader) step(p []byte) int {
	switch r.state {
	case inKey:
		for i, b := range p {
			if b == '"' {
				r.state = afterKey
				r.classify()
				return i + 1
			}
			if r.keyLen == maxKeyLen || !isLetter(b) {
				// Not a key of ours: search again from b, which may be the
				// quote or the first letter of one.
				r.state = idle
				return i
			}
			r.key[r.keyLen] = b
			r.keyLen++
		}
		return len(p)
	case afterKey, atValue:
		for i, b := range p {
			if isSpace(b) && !(r.sse && b == '\n') {
				continue
			}
			r.value(b)
			return i + 1
		}
		return len(p)
	case inString:
		return r.captureString(p)
	default:
		return r.captureObject(p)
	}
}

func (r *usageReader) classify() {
	switch key := string(r.key[:r.keyLen]); key {
	case "usage", "usageMetadata":
		r.kind = keyUsage
		r.gemini = r.gemini || key == "usageMetadata"
	case "model", "modelVersion":
		r.kind = keyModel
		if key == "modelVersion" {
			r.kind = keyModelVersion
		}
		if !r.wanted(anchorModel) {
			r.state = idle // as search would not have found it
		}
	case "delta", "candidates":
		r.kind = keyOutput
		if !r.wanted(anchorDelta) {
			r.state = idle
		}
	default:
		r.state = idle
	}
}

// value takes b, the first byte after the key that is not white space.
func (r *usageReader) value(b byte) {
	if r.state == afterKey {
		r.state = idle
		if b == ':' {
			r.state = atValue
			if r.kind == keyOutput {
				r.sawOutput = true
				r.state = idle
			}
		}
		return
	}
	r.state = idle
	r.capture = r.capture[:0]
	switch {
	case b == '{' && r.kind == keyUsage:
		r.state, r.depth, r.inStr, r.escaped = inObject, 1, false, false
		r.capture = append(r.capture, b)
	case b == '"' && (r.kind == keyModel && r.model == "" || r.kind == keyModelVersion):
		r.state, r.escaped = inString, false
	}
}

func (r *usageReader) captureString(p []byte) int {
	for i, b := range p {
		switch {
		case r.escaped:
			r.escaped = false
		case b == '\\':
			r.escaped = true
		case b == '"':
			r.capture = append(r.capture, p[:i]...)
			r.setModel()
			r.state = idle
			return i + 1
		case b == '\n' && r.sse:
			r.state = idle
			return i + 1
		}
		if len(r.capture)+i >= maxModelLen {
			// A made-up name of any length costs one label value.
			r.capture = append(r.capture[:0], metrics.OverflowValue...)
			r.setModel()
			r.state = idle
			return i + 1
		}
	}
	r.capture = append(r.capture, p...)
	return len(p)
}

func (r *usageReader) captureObject(p []byte) int {
	for i, b := range p {
		switch {
		case r.inStr && r.escaped:
			r.escaped = false
		case r.inStr && b == '\\':
			r.escaped = true
		case b == '"':
			r.inStr = !r.inStr
		case r.inStr:
		case b == '{' || b == '[':
			r.depth++
		case b == '}' || b == ']':
			r.depth--
			if r.depth == 0 {
				r.capture = append(r.capture, p[:i+1]...)
				r.setUsage()
				r.state = idle
				return i + 1
			}
		}
		if (b == '\n' && r.sse) || len(r.capture)+i >= maxUsageLen {
			r.state = idle
			return i + 1
		}
	}
	r.capture = append(r.capture, p...)
	return len(p)
}

func (r *usageReader) setModel() {
	if len(r.capture) == 0 {
		return // an empty name tells nothing
	}
	var s string
	if bytes.IndexByte(r.capture, '\\') < 0 {
		if string(r.capture) == r.model {
			return // the same model again, as in every chunk of a stream: no allocation
		}
		s = string(r.capture)
	} else if json.Unmarshal(append([]byte{'"'}, append(r.capture, '"')...), &s) != nil {
		return
	}
	r.model = s
	r.modelVersion = r.kind == keyModelVersion
}

func (r *usageReader) setUsage() {
	u := newRawUsage()
	if !parseUsage(r.capture, &u) || !u.valid() {
		return
	}
	r.usage.merge(&u)
	r.sawUsage = true
}

// rawUsage is the union of the counts of the usage objects of the four
// formats, named as they are; -1 marks a count absent.
type rawUsage struct {
	// OpenAI Chat Completions
	PromptTokens        int64
	CompletionTokens    int64
	PromptTokensDetails struct {
		CachedTokens int64
	}
	CompletionTokensDetails struct {
		ReasoningTokens int64
	}
	// OpenAI Responses and Anthropic Messages
	InputTokens        int64
	OutputTokens       int64
	InputTokensDetails struct {
		CachedTokens int64
	}
	OutputTokensDetails struct {
		ReasoningTokens int64
	}
	// Anthropic: input_tokens leaves these out.
	CacheReadInputTokens     int64
	CacheCreationInputTokens int64
	// Gemini usageMetadata: candidatesTokenCount leaves thoughts out.
	PromptTokenCount        int64
	ToolUsePromptTokenCount int64
	CandidatesTokenCount    int64
	CachedContentTokenCount int64
	ThoughtsTokenCount      int64
}

func newRawUsage() rawUsage {
	var u rawUsage
	for _, p := range u.fields() {
		*p = -1
	}
	return u
}

func (u *rawUsage) fields() [15]*int64 {
	return [...]*int64{
		&u.PromptTokens, &u.CompletionTokens, &u.PromptTokensDetails.CachedTokens, &u.CompletionTokensDetails.ReasoningTokens,
		&u.InputTokens, &u.OutputTokens, &u.InputTokensDetails.CachedTokens, &u.OutputTokensDetails.ReasoningTokens,
		&u.CacheReadInputTokens, &u.CacheCreationInputTokens,
		&u.PromptTokenCount, &u.ToolUsePromptTokenCount, &u.CandidatesTokenCount, &u.CachedContentTokenCount, &u.ThoughtsTokenCount,
	}
}

// valid tells whether u has a count of input or output tokens.
func (u *rawUsage) valid() bool {
	return max(u.PromptTokens, u.CompletionTokens, u.InputTokens, u.OutputTokens, u.PromptTokenCount, u.CandidatesTokenCount) >= 0
}

// merge keeps the larger of each count: streams report cumulative counts,
// some of them in more than one event (Anthropic's message_start and
// message_delta, every chunk of Gemini's).
func (u *rawUsage) merge(v *rawUsage) {
	dst, src := u.fields(), v.fields()
	for i := range dst {
		*dst[i] = max(*dst[i], *src[i])
	}
}

// tokens returns the usage as the genapp_llm_* families count it: input and
// output whole, cached input and reasoning as parts of them.
func (u *rawUsage) tokens() metrics.LLMUsage {
	switch {
	case u.PromptTokens >= 0 || u.CompletionTokens >= 0: // OpenAI Chat Completions and compatible servers
		return metrics.LLMUsage{
			Input: sum(u.PromptTokens), Output: sum(u.CompletionTokens),
			CachedInput: sum(u.PromptTokensDetails.CachedTokens), Reasoning: sum(u.CompletionTokensDetails.ReasoningTokens),
		}
	case u.PromptTokenCount >= 0 || u.CandidatesTokenCount >= 0: // Gemini
		return metrics.LLMUsage{
			Input: sum(u.PromptTokenCount, u.ToolUsePromptTokenCount), Output: sum(u.CandidatesTokenCount, u.ThoughtsTokenCount),
			CachedInput: sum(u.CachedContentTokenCount), Reasoning: sum(u.ThoughtsTokenCount),
		}
	default: // OpenAI Responses, Anthropic Messages (whose input_tokens leaves the cache out)
		return metrics.LLMUsage{
			Input:       sum(u.InputTokens, u.CacheReadInputTokens, u.CacheCreationInputTokens),
			Output:      sum(u.OutputTokens),
			CachedInput: sum(u.InputTokensDetails.CachedTokens, u.CacheReadInputTokens),
			Reasoning:   sum(u.OutputTokensDetails.ReasoningTokens),
		}
	}
}

// sum adds the counts present (not negative). A count has at most 18
// digits (parseCount), so a sum of three cannot overflow.
func sum(counts ...int64) int64 {
	var total int64
	for _, n := range counts {
		total += max(n, 0)
	}
	return total
}
