package httpclient

import (
	"context"
	"io"
	"mime"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

// WithLLMProvider names the provider_name of the genapp_llm_* series of
// answers from hosts this package does not know (a vLLM or Ollama server, a
// company gateway). Known hosts keep their own name (see [NewLLM]); without
// this option an unknown host is named by its host name.
func WithLLMProvider(name string) TransportOption {
	return transportOption(func(c *config) { c.llmProvider = name })
}

// WithLLMUsage turns reading token usage out of the answers on or off. It is
// on for [NewLLM] and any transport whose app_type is metrics.AppTypeLLM,
// off for the others.
func WithLLMUsage(on bool) TransportOption {
	return transportOption(func(c *config) { c.llmUsage = &on })
}

// withLLMReader returns readers, with the reader of LLM usage when the
// transport of c reads it: an [llmAnswer] for each call that generates.
func (c *config) withLLMReader(readers []newReader) []newReader {
	on := c.appType == metrics.AppTypeLLM
	if c.llmUsage != nil {
		on = *c.llmUsage
	}
	if !on {
		return readers
	}
	provider := c.llmProvider
	return append(readers, func(req *http.Request, m *metrics.Metrics) Reader {
		if m == nil {
			return nil
		}
		if a := newLLMCall(req, m, provider); a != nil {
			return a
		}
		return nil
	})
}

// llmAnswer is the Reader of one call that generates (see [generation]):
// the model its request names, read as the transport sends the body; the
// rate-limit headers of its answer, whatever the status; the usageReader
// of a successful answer; and what its genapp_llm_* labels are made of. Its
// lock keeps the transport sending the request, the caller reading the
// answer and a Close from another goroutine, which records, apart.
type llmAnswer struct {
	mu     sync.Mutex
	m      *metrics.Metrics
	f      *llmFormat
	reader usageReader
	read   bool // the body is read: a successful answer
	start  time.Time
	ttft   time.Duration // 0 until the first output was scanned

	request     usageReader   // of the request body: the model requested
	requestSent bool          // the request body was read to its end, or need not be read
	requested   *string       // the model requested, once known
	lastScan    time.Duration // when the last bytes of the answer were scanned, after start

	ctx                  context.Context
	scheme, host, prefix string
	hostname, path       string
	getBody              func() (io.ReadCloser, error) // of the request, nil when it has none
	provider             string                        // WithLLMProvider's
}

// newLLMCall returns the Reader of the call req makes, recorded into m, or
// nil when req is not a call that generates.
func newLLMCall(req *http.Request, m *metrics.Metrics, provider string) *llmAnswer {
	f, prefix, ok := generation(req)
	if !ok {
		return nil
	}
	a := &llmAnswer{
		m: m, f: f, start: time.Now(), ctx: req.Context(), provider: provider,
		scheme: req.URL.Scheme, host: req.URL.Host, prefix: prefix, hostname: req.URL.Hostname(), path: req.URL.Path,
		getBody: req.GetBody,
	}
	if model, ok := pathModel(a.path); ok {
		requested := model                            // allocated here, not for every call
		a.requested, a.requestSent = &requested, true // the body names none: it need not be read
	}
	return a
}

// RequestBody reads the request body as the transport sends it, from its
// start again when it sends it again, until the model is found.
func (a *llmAnswer) RequestBody(p []byte, off int64, err error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.requested != nil {
		return // the path named it, or the answer came and it was settled
	}
	if off == 0 {
		a.request, a.requestSent = newUsageReader(requestJSON, frameJSON), false
	}
	if a.request.model == "" {
		a.request.scan(p)
	}
	a.requestSent = a.requestSent || err != nil
}

// Response takes the answer's headers: its rate limits are recorded now,
// in the order answers arrive, under the model requested (an error names
// no other); the body of a success is to be read.
func (a *llmAnswer) Response(resp *http.Response) (readBody bool) {
	limits := readRateLimits(resp.Header)
	a.mu.Lock()
	defer a.mu.Unlock()
	if limits.any() {
		limits.record(a.m, a.ctx, metrics.LLMCall{Model: a.requestedModel(), Provider: llmProvider(a.hostname, a.provider), BaseURL: a.baseURL()})
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return false
	}
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	fr := frameJSON
	switch mediaType {
	case "text/event-stream":
		fr = frameSSE
	case "application/x-ndjson", "application/jsonl":
		fr = frameNDJSON
	}
	a.reader, a.read = newUsageReader(a.f, fr), true
	return true
}

// ResponseBody reads the answer's model and usage.
func (a *llmAnswer) ResponseBody(p []byte) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.reader.scan(p)
	if a.reader.streamed {
		a.lastScan = time.Since(a.start) // the monotonic clock alone: half time.Now's cost
	}
	if a.ttft == 0 && a.reader.sawOutput {
		a.ttft = max(a.lastScan, time.Nanosecond)
	}
}

// End records the answer. A successful answer that named its model or
// reported usage records a request, its tokens (or why they were rejected)
// and, for a stream, its time to first output and per output token.
func (a *llmAnswer) End() {
	m := a.m
	a.mu.Lock()
	defer a.mu.Unlock()
	r := &a.reader
	answered := a.read && (r.model != "" && !r.f.usageOnly || r.sawUsage || r.rejected != "")
	captured := capturedCallOf(a.ctx)
	if !answered && captured == nil {
		return
	}
	call := metrics.LLMCall{Model: r.model, Provider: llmProvider(a.hostname, a.provider), BaseURL: a.baseURL()}
	if call.Model == "" {
		call.Model = a.requestedModel()
	}
	captured.set(call)
	if !answered {
		return
	}
	m.RecordLLMRequest(a.ctx, call)
	switch {
	case r.rejected != "":
		m.RecordLLMUsageRejected(a.ctx, call, r.rejected)
	case r.sawUsage:
		u := r.f.tokens(&r.usage)
		m.RecordLLMUsage(a.ctx, call, u)
		if a.ttft > 0 && u.Output > 1 {
			// Until the last bytes received, not until a Close that came later.
			m.RecordLLMTimePerOutputToken(a.ctx, call, (a.lastScan-a.ttft)/time.Duration(u.Output-1))
		}
	}
	if a.ttft > 0 {
		m.RecordLLMTimeToFirstToken(a.ctx, call, a.ttft)
	}
}

// CaptureLLMCall returns a context whose LLM calls, made through a
// transport that reads LLM usage, tell the function returned the labels
// they were recorded under, so that what the caller records by hand about
// the call lands on the same series:
//
//	ctx, call := httpclient.CaptureLLMCall(ctx)
//	reply, err := client.Chat.Completions.New(ctx, params)
//	...
//	if c, ok := call(); ok && !valid(reply) {
//		metrics.RecordLLMError(ctx, c, "validation")
//	}
//
// The function reports the last call made with the context that has ended
// (its answer read to the end or closed), and false before one has.
func CaptureLLMCall(ctx context.Context) (context.Context, func() (metrics.LLMCall, bool)) {
	c := new(capturedCall)
	return context.WithValue(ctx, capturedCallKey{}, c), c.get
}

type capturedCallKey struct{}

type capturedCall struct {
	mu   sync.Mutex
	call metrics.LLMCall
	ok   bool
}

func capturedCallOf(ctx context.Context) *capturedCall {
	c, _ := ctx.Value(capturedCallKey{}).(*capturedCall)
	return c
}

func (c *capturedCall) set(call metrics.LLMCall) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.call, c.ok = call, true
}

func (c *capturedCall) get() (metrics.LLMCall, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.call, c.ok
}

// knownProviders name the providers by their API host, which may also be
// the end of a host name (the resource of Azure, the region of Vertex AI).
var knownProviders = []struct{ host, name string }{
	{"api.openai.com", "openai"},
	{"openai.azure.com", "azure_openai"},
	{"api.anthropic.com", "anthropic"},
	{"generativelanguage.googleapis.com", "gemini"},
	{"aiplatform.googleapis.com", "vertex_ai"},
	{"openrouter.ai", "openrouter"},
	{"api.deepseek.com", "deepseek"},
	{"api.mistral.ai", "mistral"},
	{"api.groq.com", "groq"},
	{"api.together.xyz", "together"},
	{"api.fireworks.ai", "fireworks"},
	{"api.x.ai", "xai"},
}

// llmProvider is the provider_name of an answer from hostname: the known
// provider's name, else fallback, else hostname.
func llmProvider(hostname, fallback string) string {
	name := strings.ToLower(strings.TrimSuffix(hostname, "."))
	for _, p := range knownProviders {
		if rest, ok := strings.CutSuffix(name, p.host); ok && (rest == "" || strings.HasSuffix(rest, ".") || strings.HasSuffix(rest, "-")) {
			return p.name
		}
	}
	if fallback != "" {
		return fallback
	}
	return hostname
}

// baseURL is scheme, host and the API's path prefix: the path up to the
// endpoint ("/v1" of "/v1/chat/completions", "/v1beta" of
// "/v1beta/models/gemini-2.0-flash:generateContent"). It has no query
// string (where Gemini's key may be), fragment or user info by
// construction. The prefix is cleaned as a resource is
// ([metrics.CleanResource]: ids become {int} or {uuid}, a bot token
// {token}, what looks like a key {key}): gateways put account ids and keys
// in paths.
func (a *llmAnswer) baseURL() string {
	base := a.scheme + "://" + a.host
	if prefix := metrics.CleanResource(a.prefix); prefix != "/" {
		return base + "/" + prefix
	}
	return base
}

// maxRequestScan bounds the bytes of a copy of the request body read for
// its model.
const maxRequestScan = 1 << 20

// requestedModel is the model the request named: the one of a Gemini path
// (".../models/gemini-2.0-flash:generateContent"), else the top-level
// "model" of the request body, read as the transport sent it. When the
// answer came before the body was sent whole, it is read from a copy that
// GetBody makes (SDKs send in-memory bodies, which have one), at most
// maxRequestScan bytes of it. The caller's request and body are not
// touched.
func (a *llmAnswer) requestedModel() string {
	if a.requested != nil {
		return *a.requested
	}
	model := a.request.model
	if model == "" && !a.requestSent && a.getBody != nil {
		model = a.requestCopyModel()
	}
	if model != "" || a.requestSent {
		a.requested = &model
	}
	return model
}

// pathModel is the model a Gemini or Vertex AI path names
// (".../models/gemini-2.0-flash:generateContent").
func pathModel(path string) (string, bool) {
	if i := strings.LastIndex(path, "/models/"); i >= 0 {
		if model, _, ok := strings.Cut(path[i+len("/models/"):], ":"); ok {
			return model, true
		}
	}
	return "", false
}

// requestCopyModel reads the model from a copy of the request body that
// GetBody makes, at most maxRequestScan bytes of it.
func (a *llmAnswer) requestCopyModel() string {
	body, err := a.getBody()
	if err != nil || body == nil {
		return ""
	}
	defer body.Close()
	r := newUsageReader(requestJSON, frameJSON)
	buf := make([]byte, 4<<10)
	rest := io.LimitReader(body, maxRequestScan)
	for reads := 0; r.model == "" && reads < maxRequestScan/len(buf); reads++ { // bounded even if Read returns 0, nil
		n, err := rest.Read(buf)
		r.scan(buf[:n])
		if err != nil {
			break
		}
	}
	return r.model
}
