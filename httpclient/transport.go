package httpclient

import (
	"context"
	"io"
	"math"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

// NewTransport returns base instrumented: every exchange it carries is
// recorded once in genapp_http_requests_total,
// genapp_http_request_duration_sec and genapp_http_request_size_bytes. A nil
// base means [http.DefaultTransport].
//
// The request given to base is the caller's own when it has no body, else a
// shallow copy whose Body (and GetBody) count the bytes read: the caller's
// request is never modified. Errors from base are returned unchanged, so
// errors.Is and errors.As see exactly what base returned.
func NewTransport(base http.RoundTripper, opts ...TransportOption) http.RoundTripper {
	all := make([]Option, len(opts))
	for i, o := range opts {
		all[i] = o
	}
	c := newConfig(metrics.AppTypeHTTP, pathResource, all)
	if base == nil {
		base = http.DefaultTransport
	}
	return newTransport(base, c)
}

type transport struct {
	base     http.RoundTripper
	appType  string
	resource func(*http.Request) string
	metrics  *metrics.Metrics
	fixed    bool

	readUsage   bool
	llmProvider string
	floodWaits  bool // read the retry_after of 429 answers of the Bot API
}

func newTransport(base http.RoundTripper, c *config) *transport {
	return &transport{base: base, appType: c.appType, resource: c.resource, metrics: c.metrics, fixed: c.fixed,
		readUsage: c.readsUsage(), llmProvider: c.llmProvider, floodWaits: c.floodWaits}
}

// pathResource is the default resource: [metrics.CleanResource] of the URL path.
func pathResource(r *http.Request) string { return metrics.CleanResource(r.URL.Path) }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	m := t.metrics
	if !t.fixed {
		m = metrics.Default()
	}
	if m == nil {
		return t.base.RoundTrip(req)
	}
	x := &exchange{m: m, t: t, ctx: req.Context(), start: time.Now(), method: req.Method, resource: t.resource(req)}
	if t.readUsage {
		x.llm = newLLMCall(req, x.start, t.llmProvider)
	}
	sent := req
	if req.Body != nil && req.Body != http.NoBody {
		sent = new(http.Request)
		*sent = *req
		x.reqBody = requestBody{rc: req.Body, x: x}
		sent.Body = &x.reqBody
		if req.GetBody != nil {
			x.getBody = req.GetBody
			sent.GetBody = x.rewind
		}
	}
	resp, err := t.base.RoundTrip(sent)
	if err != nil || resp == nil {
		// No response: status 0. (A nil response without an error breaks the
		// RoundTripper contract; http.Client reports it.)
		x.finish()
		return resp, err
	}
	if resp.Request == sent {
		resp.Request = req
	}
	x.status = int32(min(max(resp.StatusCode, 0), math.MaxInt32)) // the recorder maps codes outside 100-999 to 0
	if x.llm != nil {
		x.llm.answered(m, resp)
	}
	if resp.Body == nil || resp.Body == http.NoBody || resp.StatusCode == http.StatusSwitchingProtocols {
		// Nothing to read, or (101) a connection that is no longer HTTP and
		// whose io.ReadWriteCloser body must reach the caller unwrapped.
		x.finish()
		return resp, nil
	}
	x.respBody = resp.Body
	if x.llm != nil && x.llm.read {
		x.respBody = newScanBody(resp.Body, x.llm, 0)
	}
	if t.floodWaits && resp.StatusCode == http.StatusTooManyRequests {
		x.flood, x.floodMethod = newFloodWait(), TelegramResource(req)
		x.respBody = newScanBody(x.respBody, x.flood, 0)
	}
	resp.Body = x.wrap()
	return resp, nil
}

// exchange is the state of one recorded exchange. One allocation holds
// everything the hot path needs: the request body counter, the response body
// wrapper's state and the once flag. It fits the allocator's 192-byte size
// class with the request's context: the transport stands for its app type
// (one word, not a string's two), and status is an int32 that shares a word
// with done.
type exchange struct {
	m                *metrics.Metrics
	ctx              context.Context // the request's: its span becomes the duration's exemplar
	start            time.Time
	t                *transport
	method, resource string

	reqBody requestBody
	getBody func() (io.ReadCloser, error)
	in      atomic.Int64 // request body bytes read by the transport

	respBody io.ReadCloser
	out      atomic.Int64 // response body bytes read by the caller

	llm *llmAnswer // nil unless the exchange is an LLM call that generates, whose usage is read
	// (set before the request is sent, read by requestBody on the transport's goroutine)

	flood       *floodWait // nil unless the answer is a 429 of the Bot API
	floodMethod string

	status int32 // 0 until a response arrived
	done   atomic.Bool
}

// finish records the exchange the first time it is called: on an error from
// the base transport, or when the response body reaches EOF, fails or is
// closed, whichever comes first.
func (x *exchange) finish() {
	if !x.done.CompareAndSwap(false, true) {
		return
	}
	x.m.RecordHTTPContext(x.ctx, metrics.Exchange{
		AppType:      x.t.appType,
		Method:       x.method,
		Resource:     x.resource,
		Status:       int(x.status),
		Duration:     time.Since(x.start),
		RequestSize:  x.in.Load(),
		ResponseSize: x.out.Load(),
	})
	if x.llm != nil {
		x.llm.record(x.m)
	}
	if x.flood != nil {
		if wait, ok := x.flood.wait(); ok {
			x.m.RecordTelegramFloodWait(x.floodMethod, wait)
		}
	}
}

// rewind is the GetBody of the request given to the base transport, which
// calls it to send the body again on a new connection: the bytes of the new
// body replace those counted so far.
func (x *exchange) rewind() (io.ReadCloser, error) {
	rc, err := x.getBody()
	if err != nil {
		return nil, err
	}
	x.in.Store(0)
	if x.llm != nil {
		x.llm.rewindRequest()
	}
	return &requestBody{rc: rc, x: x}, nil
}

// CloseIdleConnections closes the idle connections of the base transport when
// it has the method, so that [http.Client.CloseIdleConnections] reaches it
// through the instrumentation.
func (t *transport) CloseIdleConnections() { closeIdleConnections(t.base) }

func closeIdleConnections(rt http.RoundTripper) {
	if c, ok := rt.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}
