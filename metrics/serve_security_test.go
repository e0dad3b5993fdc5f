package metrics_test

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/internal/servetest"
)

// keySecurity serves over TLS, with the test certificate of
// net/http/httptest, the requests that carry X-Key: k and answers 401 to
// the others. It counts its calls.
type keySecurity struct {
	tls   *tls.Config
	calls atomic.Int32
}

func (s *keySecurity) Secure(next http.Handler) (http.Handler, *tls.Config, error) {
	s.calls.Add(1)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Key") != "k" {
			http.Error(w, "no key", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	}), s.tls, nil
}

// TestWithSecurity: the handler of the Security answers every path, over
// the TLS configuration it returns, and a request with a body is still
// answered with its connection closed; Secure is called once.
func TestWithSecurity(t *testing.T) {
	ts := httptest.NewTLSServer(http.NotFoundHandler())
	client := ts.Client()
	s := &keySecurity{tls: ts.TLS.Clone()}
	ts.Close()
	addr := servetest.Start(t, metrics.WithSecurity(s))

	for _, c := range []struct {
		method, path, key, body string
		want                    int
		closed                  bool
	}{
		{http.MethodGet, metrics.MetricsPath, "k", "", http.StatusOK, false},
		{http.MethodGet, metrics.LivenessPath, "k", "", http.StatusOK, false},
		{http.MethodGet, metrics.MetricsPath, "", "", http.StatusUnauthorized, false},
		{http.MethodGet, metrics.LivenessPath, "", "", http.StatusUnauthorized, false},
		{http.MethodPost, metrics.MetricsPath, "", "x", http.StatusUnauthorized, true},
	} {
		req, err := http.NewRequest(c.method, "https://"+addr+c.path, strings.NewReader(c.body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Key", c.key)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatalf("%s %s, key %q: %v", c.method, c.path, c.key, err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.want || resp.Close != c.closed {
			t.Errorf("%s %s, key %q: status %d, connection closed %v; want %d, %v", c.method, c.path, c.key, resp.StatusCode, resp.Close, c.want, c.closed)
		}
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + metrics.LivenessPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("plain HTTP to the TLS port: status %d, want 400", resp.StatusCode)
	}
	if n := s.calls.Load(); n != 1 {
		t.Errorf("Secure called %d times, want once", n)
	}
}

type failingSecurity struct{ err error }

func (s failingSecurity) Secure(http.Handler) (http.Handler, *tls.Config, error) {
	return nil, nil, s.err
}

// TestWithSecurityError: an error of Secure is the error of ServeListener,
// which closes its listener without serving.
func TestWithSecurityError(t *testing.T) {
	errBad := errors.New("bad file")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err = metrics.ServeListener(ctx, ln, metrics.WithSecurity(failingSecurity{errBad}))
	if !errors.Is(err, errBad) || err.Error() != "metrics: bad file" {
		t.Errorf("err = %v, want metrics: bad file", err)
	}
	if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
		t.Error("the listener was left open")
	}
}

// TestWithSecurityNil: WithSecurity(nil) leaves the server plain HTTP, and
// undoes an earlier WithSecurity.
func TestWithSecurityNil(t *testing.T) {
	addr := servetest.Start(t, metrics.WithSecurity(failingSecurity{errors.New("bad file")}), metrics.WithSecurity(nil))
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get("http://" + addr + metrics.LivenessPath)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
}
