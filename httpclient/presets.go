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
//
// It also reads the model and the token usage out of the answers of
// OpenAI's Chat Completions and Responses APIs (and OpenAI-compatible
// servers), Anthropic's Messages API and Gemini's generateContent, JSON or
// streamed, as they pass to the caller, and records them in the
// genapp_llm_* families: see [metrics.RecordLLMUsage] for the families,
// [WithLLMProvider] and [WithLLMUsage] for the options, and
// [metrics.WithLLMAgent] for the labels that come from the request's
// context. provider_name is the known provider of the host (openai,
// azure_openai, anthropic, gemini, vertex_ai, openrouter, deepseek,
// mistral, groq, together, fireworks, xai), else WithLLMProvider's name,
// else the host name; base_url is scheme, host and the API's path prefix,
// never a query string (where Gemini's key often is), user info or key.
// The reading never changes, delays or holds back a byte the caller reads,
// never returns an error, and keeps a few hundred bytes of state however
// long the body and its lines; an answer in a format it does not know
// records nothing in genapp_llm_*.
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
