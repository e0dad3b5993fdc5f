package httpclient

import (
	"crypto/tls"
	"errors"
	"net/http"

	"github.com/genapp-go/genapp/metrics"
)

// New returns an *http.Client whose transport is instrumented as by
// [NewTransport], with app_type "http_api" unless [WithAppType] says
// otherwise. Redirects are followed as by any http.Client, one recorded
// exchange per hop.
func New(opts ...Option) *http.Client {
	return newClient(newConfig(metrics.AppTypeHTTP, pathResource, opts), nil)
}

// NewLLM returns a client for LLM provider APIs (app_type "llm"), the
// counterpart of llm_common's LLMHttpClient. Hand it to an SDK that accepts
// an *http.Client; streamed answers are recorded when the stream ends.
func NewLLM(opts ...Option) *http.Client {
	return newClient(newConfig(metrics.AppTypeLLM, pathResource, opts), nil)
}

// NewAuth returns a client for authentication services (app_type
// "auth_api"), the counterpart of llm_common's AuthHttpClient.
func NewAuth(opts ...Option) *http.Client {
	return newClient(newConfig(metrics.AppTypeAuth, pathResource, opts), nil)
}

// newClient builds the client of c. wrap, when not nil, wraps the base
// transport inside the instrumented one.
func newClient(c *config, wrap func(http.RoundTripper) http.RoundTripper) *http.Client {
	base, err := c.baseTransport()
	if err != nil {
		base = errTransport{err}
	}
	if wrap != nil {
		base = wrap(base)
	}
	return &http.Client{Transport: newTransport(base, c), Timeout: c.timeout}
}

var errInsecureBase = errors.New("httpclient: WithInsecureSkipVerify needs a base transport that is an *http.Transport")

// baseTransport is the transport to instrument: the WithBase one or
// http.DefaultTransport, cloned with verification off for
// WithInsecureSkipVerify.
func (c *config) baseTransport() (http.RoundTripper, error) {
	base := c.base
	if base == nil {
		base = http.DefaultTransport
	}
	if !c.insecure {
		return base, nil
	}
	t, ok := base.(*http.Transport)
	if !ok {
		return nil, errInsecureBase
	}
	t = t.Clone()
	if t.TLSClientConfig == nil {
		t.TLSClientConfig = &tls.Config{}
	}
	t.TLSClientConfig.InsecureSkipVerify = true
	return t, nil
}

// errTransport fails every request with err, closing the request body as the
// RoundTripper contract requires.
type errTransport struct{ err error }

func (t errTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	return nil, t.err
}
