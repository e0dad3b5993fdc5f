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
	readers  []newReader
}

func newTransport(base http.RoundTripper, c *config) *transport {
	return &transport{base: base, appType: c.appType, resource: c.resource, metrics: c.metrics, fixed: c.fixed, readers: c.readers}
}

// pathResource is the default resource: [metrics.CleanResource] of the URL path.
func pathResource(r *http.Request) string { return metrics.CleanResource(r.URL.Path) }

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	m := t.metrics
	if !t.fixed {
		m = metrics.Default()
	}
	var rd *reading
	if len(t.readers) > 0 {
		rd = newReading(t.readers, req, m)
	}
	if m == nil && rd == nil {
		return t.base.RoundTrip(req)
	}
	x := &exchange{m: m, t: t, ctx: req.Context(), start: time.Now(), method: req.Method, resource: t.resource(req), rd: rd}
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
	readBody := x.rd != nil && x.rd.response(resp)
	if resp.Body == nil || resp.Body == http.NoBody || resp.StatusCode == http.StatusSwitchingProtocols && !readBody {
		// Nothing to read, or (101) a connection that is no longer HTTP and
		// whose io.ReadWriteCloser body must reach the caller unwrapped,
		// unless a Reader rewrites what comes back (the token mask).
		x.finish()
		return resp, nil
	}
	x.respBody = resp.Body
	if readBody {
		x.respBody = x.rd.scan(resp.Body)
	}
	resp.Body = x.wrap()
	return resp, nil
}

// exchange is the state of one recorded exchange. One allocation holds
// everything the hot path needs: the request body counter, the response body
// wrapper's state and the once flag. It fits the allocator's 176-byte size
// class with the request's context and one pointer for all its Readers:
// the transport stands for its app type (one word, not a string's two), and
// status is an int32 that shares a word with done.
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

	rd *reading // the Readers of the exchange, nil for none

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
	if x.rd != nil {
		x.rd.end()
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
	x.in.Store(0) // the Readers see the body start again at offset 0
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
