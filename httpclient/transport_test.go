package httpclient_test

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"
	"testing/iotest"
	"time"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
)

// get does a GET, reads the body to the end, closes it and returns it.
func get(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	return do(t, c, req)
}

// post does a POST of an empty JSON object, as get does a GET: an LLM
// call that generates when url is a generation endpoint.
func post(t *testing.T, c *http.Client, url string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, url, strings.NewReader(`{}`))
	return do(t, c, req)
}

func do(t *testing.T, c *http.Client, req *http.Request) (int, string) {
	t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

func TestStatusCodesAndPresets(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/v1/users/42":
			io.WriteString(w, "hello")
		case "/missing":
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, "not here")
		default:
			http.Error(w, "boom", http.StatusInternalServerError) // "boom\n"
		}
	}))
	defer srv.Close()

	for _, tc := range []struct {
		appType string
		new     func(...httpclient.Option) *http.Client
	}{
		{"http_api", httpclient.New},
		{metrics.AppTypeLLM, httpclient.NewLLM},
		{metrics.AppTypeAuth, httpclient.NewAuth},
	} {
		t.Run(tc.appType, func(t *testing.T) {
			m := newMetrics(t)
			c := tc.new(httpclient.WithMetrics(m))
			get(t, c, srv.URL+"/v1/users/42")
			get(t, c, srv.URL+"/missing")
			get(t, c, srv.URL+"/broken")
			get(t, c, srv.URL+"/broken")
			e := scrape(t, m)
			check(t, e, want{tc.appType, "GET", "v1/users/{int}", "200", 1, 0, 5})
			check(t, e, want{tc.appType, "GET", "missing", "404", 1, 0, 8})
			check(t, e, want{tc.appType, "GET", "broken", "500", 2, 0, 10})
			checkSeries(t, e, 3)
		})
	}

	t.Run("WithAppType and WithResource", func(t *testing.T) {
		m := newMetrics(t)
		c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithAppType("billing_api"),
			httpclient.WithResource(func(*http.Request) string { return "charge" }))
		get(t, c, srv.URL+"/v1/users/42")
		e := scrape(t, m)
		check(t, e, want{"billing_api", "GET", "charge", "200", 1, 0, 5})
		checkSeries(t, e, 1)
	})
}

// blockUntilDone blocks a handler until its request ends, at most 5 s.
func blockUntilDone(r *http.Request) {
	select {
	case <-r.Context().Done():
	case <-time.After(5 * time.Second):
	}
}

func TestNoResponseIsStatusZero(t *testing.T) {
	t.Run("connection refused", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		m := newMetrics(t)
		_, err = httpclient.NewAuth(httpclient.WithMetrics(m)).Post("http://"+addr+"/token", "text/plain", strings.NewReader("secret"))
		var opErr *net.OpError
		if !errors.As(err, &opErr) || !errors.Is(err, syscall.ECONNREFUSED) {
			t.Fatalf("err = %v, want a *net.OpError wrapping ECONNREFUSED", err)
		}
		e := scrape(t, m)
		check(t, e, want{metrics.AppTypeAuth, "POST", "token", "0", 1, 0, 0})
		checkSeries(t, e, 1)
	})

	t.Run("timeout", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			io.Copy(io.Discard, r.Body) // the whole body was sent: "in" must count it
			blockUntilDone(r)
		}))
		defer srv.Close()
		m := newMetrics(t)
		c := httpclient.NewLLM(httpclient.WithMetrics(m), httpclient.WithTimeout(100*time.Millisecond))
		_, err := c.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"model":"m"}`))
		var netErr net.Error
		if !errors.As(err, &netErr) || !netErr.Timeout() || !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want a timeout that is context.DeadlineExceeded", err)
		}
		e := scrape(t, m)
		d := check(t, e, want{metrics.AppTypeLLM, "POST", "v1/chat/completions", "0", 1, 13, 0})
		// The exchange lasted until the timeout, not 0: http.Client starts its
		// timer before the transport starts its clock, so the recorded time
		// can fall a little short of the 0.1 s (0.0993 s was seen).
		if d < 0.05 {
			t.Errorf("duration %v s, want it to cover the wait for the 0.1 s timeout", d)
		}
		checkSeries(t, e, 1)
	})

	t.Run("cancelled context", func(t *testing.T) {
		arrived := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			close(arrived)
			blockUntilDone(r)
		}))
		defer srv.Close()
		m := newMetrics(t)
		ctx, cancel := context.WithCancel(context.Background())
		go func() {
			select {
			case <-arrived:
			case <-time.After(5 * time.Second):
			}
			cancel()
		}()
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/slow", nil)
		_, err := httpclient.New(httpclient.WithMetrics(m)).Do(req)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("err = %v, want context.Canceled", err)
		}
		e := scrape(t, m)
		check(t, e, want{"http_api", "GET", "slow", "0", 1, 0, 0})
		checkSeries(t, e, 1)
	})
}

// TestStreamedResponse is an LLM token stream: write, flush, sleep, repeat.
func TestStreamedResponse(t *testing.T) {
	const chunks, pause = 5, 40 * time.Millisecond
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		for i := range chunks {
			fmt.Fprintf(w, "data: {\"token\":%d}\n\n", i)
			w.(http.Flusher).Flush()
			time.Sleep(pause)
		}
	}))
	defer srv.Close()
	m := newMetrics(t)
	c := httpclient.NewLLM(httpclient.WithMetrics(m))

	start := time.Now()
	resp, err := c.Post(srv.URL+"/v1/chat/completions", "application/json", strings.NewReader(`{"stream":true}`))
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength != -1 || len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
		t.Fatalf("response is not a chunked stream: ContentLength %d, TransferEncoding %v", resp.ContentLength, resp.TransferEncoding)
	}
	first := make([]byte, 4)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	if n := scrape(t, m).Series(requestsTotal); n != 0 {
		t.Fatalf("recorded before the stream ended: %d series", n)
	}
	rest, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	elapsed := time.Since(start).Seconds()
	resp.Body.Close()

	read := len(first) + len(rest)
	e := scrape(t, m)
	d := check(t, e, want{metrics.AppTypeLLM, "POST", "v1/chat/completions", "200", 1, 15, float64(read)})
	if min := (chunks * pause).Seconds(); d < min || d > elapsed {
		t.Errorf("duration %.3f s, want the whole stream: between %.3f and %.3f s", d, min, elapsed)
	}
	checkSeries(t, e, 1)
}

// TestCancelMidStream: headers arrived, then the context is cancelled while
// the body streams. The exchange is recorded with the real status and the
// bytes read until then.
func TestCancelMidStream(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "data: first\n\n")
		w.(http.Flusher).Flush()
		blockUntilDone(r)
	}))
	defer srv.Close()
	m := newMetrics(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+"/stream", nil)
	resp, err := httpclient.NewLLM(httpclient.WithMetrics(m)).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	buf := make([]byte, 13)
	if _, err := io.ReadFull(resp.Body, buf); err != nil {
		t.Fatal(err)
	}
	cancel()
	if _, err := resp.Body.Read(buf); !errors.Is(err, context.Canceled) {
		t.Fatalf("Read after cancel: %v, want context.Canceled", err)
	}
	e := scrape(t, m)
	check(t, e, want{metrics.AppTypeLLM, "GET", "stream", "200", 1, 0, 13})
	checkSeries(t, e, 1)
}

// opaqueReader hides the type of its reader, so that http.NewRequest cannot
// learn the length and the body goes out chunked.
type opaqueReader struct{ r io.Reader }

func (o opaqueReader) Read(p []byte) (int, error) { return o.r.Read(p) }

func TestRequestBodySizes(t *testing.T) {
	type seen struct {
		contentLength int64
		chunked       bool
		n             int
	}
	got := make(chan seen, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- seen{r.ContentLength, len(r.TransferEncoding) == 1 && r.TransferEncoding[0] == "chunked", len(b)}
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	payload := strings.Repeat("x", 12345)

	for _, tc := range []struct {
		name    string
		body    io.Reader
		chunked bool
	}{
		{"with Content-Length", strings.NewReader(payload), false},
		{"chunked, no Content-Length", opaqueReader{strings.NewReader(payload)}, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMetrics(t)
			req, _ := http.NewRequest(http.MethodPut, srv.URL+"/upload", tc.body)
			body, getBody := req.Body, req.GetBody
			resp, err := httpclient.New(httpclient.WithMetrics(m)).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			s := <-got
			if s.chunked != tc.chunked || s.n != len(payload) {
				t.Fatalf("server saw %+v, want chunked=%v and %d bytes", s, tc.chunked, len(payload))
			}
			if req.Body != body || (getBody == nil) != (req.GetBody == nil) || resp.Request != req {
				t.Error("the caller's request was modified, or resp.Request is not the caller's request")
			}
			e := scrape(t, m)
			check(t, e, want{"http_api", "PUT", "upload", "200", 1, float64(len(payload)), 2})
			checkSeries(t, e, 1)
		})
	}
}

func TestBodyNotFullyRead(t *testing.T) {
	page := strings.Repeat("y", 4096)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, page)
	}))
	defer srv.Close()

	for _, tc := range []struct {
		name string
		use  func(io.ReadCloser) error
		out  float64
	}{
		{"closed unread", func(b io.ReadCloser) error { return b.Close() }, 0},
		{"partly read then closed", func(b io.ReadCloser) error {
			if _, err := io.ReadFull(b, make([]byte, 100)); err != nil {
				return err
			}
			return b.Close()
		}, 100},
		{"read to EOF, never closed", func(b io.ReadCloser) error {
			_, err := io.ReadAll(b)
			return err
		}, 4096},
		{"read to EOF, read again, closed twice", func(b io.ReadCloser) error {
			if _, err := io.ReadAll(b); err != nil {
				return err
			}
			if n, err := b.Read(make([]byte, 10)); n != 0 || err != io.EOF {
				return fmt.Errorf("Read after EOF = %d, %v", n, err)
			}
			b.Close()
			return b.Close()
		}, 4096},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMetrics(t)
			resp, err := httpclient.New(httpclient.WithMetrics(m)).Get(srv.URL + "/page")
			if err != nil {
				t.Fatal(err)
			}
			if err := tc.use(resp.Body); err != nil {
				t.Fatal(err)
			}
			e := scrape(t, m)
			check(t, e, want{"http_api", "GET", "page", "200", 1, 0, tc.out})
			checkSeries(t, e, 1)
		})
	}
}

func TestNoBodyRecordedOnReturn(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/empty" {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		io.WriteString(w, "body a HEAD does not get")
	}))
	defer srv.Close()
	m := newMetrics(t)
	c := httpclient.New(httpclient.WithMetrics(m))
	// Neither body is read nor closed: both exchanges must still be recorded.
	if _, err := c.Head(srv.URL + "/doc"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(srv.URL + "/empty"); err != nil {
		t.Fatal(err)
	}
	e := scrape(t, m)
	check(t, e, want{"http_api", "HEAD", "doc", "200", 1, 0, 0})
	check(t, e, want{"http_api", "GET", "empty", "204", 1, 0, 0})
	checkSeries(t, e, 2)
}

func TestRedirectIsOneExchangePerHop(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/old":
			http.Redirect(w, r, "/new", http.StatusFound) // a GET follows, without the body
		case "/moved":
			http.Redirect(w, r, "/new", http.StatusPermanentRedirect) // the body is sent again
		default:
			fmt.Fprintf(w, "got %d", len(b))
		}
	}))
	defer srv.Close()
	m := newMetrics(t)
	c := httpclient.New(httpclient.WithMetrics(m))
	if _, body := get(t, c, srv.URL+"/old"); body != "got 0" {
		t.Fatalf("body %q", body)
	}
	resp, err := c.Post(srv.URL+"/moved", "text/plain", strings.NewReader("0123456789"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "got 10" {
		t.Fatalf("body %q", b)
	}
	e := scrape(t, m)
	// http.Redirect writes a short HTML body for GET and HEAD only, and
	// http.Client reads it before it follows the redirect.
	found := `<a href="/new">Found</a>.` + "\n\n"
	check(t, e, want{"http_api", "GET", "old", "302", 1, 0, float64(len(found))})
	check(t, e, want{"http_api", "GET", "new", "200", 1, 0, 5})
	check(t, e, want{"http_api", "POST", "moved", "308", 1, 10, 0})
	check(t, e, want{"http_api", "POST", "new", "200", 1, 10, 6})
	checkSeries(t, e, 4)
}

// scriptedBody returns "ab" then "cd" with io.EOF in the same call, and a
// Close error: what a wrapper most easily gets wrong.
type scriptedBody struct {
	calls  int
	closed int
}

var errClose = errors.New("close failed")

func (b *scriptedBody) Read(p []byte) (int, error) {
	b.calls++
	switch b.calls {
	case 1:
		return copy(p, "ab"), nil
	case 2:
		return copy(p, "cd"), io.EOF
	}
	return 0, io.EOF
}

func (b *scriptedBody) Close() error { b.closed++; return errClose }

func TestBodyBehavesAsOriginal(t *testing.T) {
	respond := func(body io.ReadCloser) http.RoundTripper {
		return roundTripFunc(func(r *http.Request) (*http.Response, error) {
			return &http.Response{StatusCode: http.StatusOK, Body: body, Request: r}, nil
		})
	}

	t.Run("Read, EOF and Close pass through", func(t *testing.T) {
		m := newMetrics(t)
		orig := &scriptedBody{}
		c := &http.Client{Transport: httpclient.NewTransport(respond(orig), httpclient.WithMetrics(m))}
		resp, err := c.Get("http://api.test/script")
		if err != nil {
			t.Fatal(err)
		}
		p := make([]byte, 8)
		if n, err := resp.Body.Read(p); n != 2 || err != nil || string(p[:n]) != "ab" {
			t.Fatalf("Read 1 = %d %q %v", n, p[:n], err)
		}
		if n := scrape(t, m).Series(requestsTotal); n != 0 {
			t.Fatalf("recorded before EOF: %d series", n)
		}
		if n, err := resp.Body.Read(p); n != 2 || err != io.EOF || string(p[:n]) != "cd" {
			t.Fatalf("Read 2 = %d %q %v, want 2 \"cd\" io.EOF", n, p[:n], err)
		}
		if n, err := resp.Body.Read(p); n != 0 || err != io.EOF {
			t.Fatalf("Read 3 = %d %v", n, err)
		}
		if err := resp.Body.Close(); err != errClose || orig.closed != 1 {
			t.Fatalf("Close = %v (closed %d times), want the original's error", err, orig.closed)
		}
		e := scrape(t, m)
		check(t, e, want{"http_api", "GET", "script", "200", 1, 0, 4})
		checkSeries(t, e, 1)
	})

	// iotest.TestReader checks Read against the contents in every pattern of
	// calls (and WriteTo through io.Copy-like use when the body has it).
	for _, tc := range []struct {
		name     string
		body     io.ReadCloser
		writerTo bool
	}{
		{"plain reader", io.NopCloser(opaqueReader{strings.NewReader("0123456789")}), false},
		{"reader with WriteTo", io.NopCloser(bytes.NewReader([]byte("0123456789"))), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := newMetrics(t)
			resp, err := httpclient.NewTransport(respond(tc.body), httpclient.WithMetrics(m)).RoundTrip(httptest.NewRequest(http.MethodGet, "http://api.test/r", nil))
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := resp.Body.(io.WriterTo); ok != tc.writerTo {
				t.Fatalf("body implements io.WriterTo: %v, want %v", ok, tc.writerTo)
			}
			if tc.writerTo {
				var dst bytes.Buffer
				if n, err := resp.Body.(io.WriterTo).WriteTo(&dst); n != 10 || err != nil || dst.String() != "0123456789" {
					t.Fatalf("WriteTo = %d %v %q", n, err, dst.String())
				}
			} else if err := iotest.TestReader(resp.Body, []byte("0123456789")); err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			e := scrape(t, m)
			check(t, e, want{"http_api", "GET", "r", "200", 1, 0, 10})
			checkSeries(t, e, 1)
		})
	}
}

// rwBody is the io.ReadWriteCloser body of a 101 Switching Protocols response.
type rwBody struct{ io.ReadCloser }

func (rwBody) Write(p []byte) (int, error) { return len(p), nil }

func TestSwitchingProtocolsBodyUntouched(t *testing.T) {
	m := newMetrics(t)
	conn := rwBody{io.NopCloser(strings.NewReader("frames"))}
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: http.StatusSwitchingProtocols, Body: conn, Request: r}, nil
	})
	resp, err := httpclient.NewTransport(base, httpclient.WithMetrics(m)).RoundTrip(httptest.NewRequest(http.MethodGet, "http://api.test/ws", nil))
	if err != nil {
		t.Fatal(err)
	}
	if resp.Body != io.ReadCloser(conn) {
		t.Fatalf("101 body was wrapped: %T; websocket clients need the original io.ReadWriteCloser", resp.Body)
	}
	e := scrape(t, m)
	check(t, e, want{"http_api", "GET", "ws", "101", 1, 0, 0})
	checkSeries(t, e, 1)
}

// TestRewoundBodyCountedOnce: a base transport that resends the body on a new
// connection calls GetBody; only the bytes of the body finally sent count.
func TestRewoundBodyCountedOnce(t *testing.T) {
	m := newMetrics(t)
	base := roundTripFunc(func(r *http.Request) (*http.Response, error) {
		io.ReadFull(r.Body, make([]byte, 4)) // first attempt: part of the body, then the connection "dies"
		r.Body.Close()
		body, err := r.GetBody()
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(body)
		body.Close()
		return &http.Response{StatusCode: http.StatusCreated, Body: http.NoBody, Request: r, ContentLength: int64(len(b))}, nil
	})
	req, _ := http.NewRequest(http.MethodPost, "http://api.test/items", strings.NewReader("0123456789"))
	resp, err := httpclient.NewTransport(base, httpclient.WithMetrics(m)).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength != 10 {
		t.Fatalf("the rewound body gave %d bytes, want 10", resp.ContentLength)
	}
	e := scrape(t, m)
	check(t, e, want{"http_api", "POST", "items", "201", 1, 10, 0})
	checkSeries(t, e, 1)
}

func TestInsecureSkipVerify(t *testing.T) {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"ok":true}`)
	}))
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the rejected handshake is expected
	srv.StartTLS()
	defer srv.Close()
	m := newMetrics(t)

	_, err := httpclient.NewAuth(httpclient.WithMetrics(m)).Get(srv.URL + "/check")
	var certErr *tls.CertificateVerificationError
	if !errors.As(err, &certErr) {
		t.Fatalf("err = %v, want a certificate verification error", err)
	}
	if code, _ := get(t, httpclient.NewAuth(httpclient.WithMetrics(m), httpclient.WithInsecureSkipVerify()), srv.URL+"/check"); code != 200 {
		t.Fatalf("status %d", code)
	}
	_, err = httpclient.NewAuth(httpclient.WithMetrics(m), httpclient.WithInsecureSkipVerify(),
		httpclient.WithBase(roundTripFunc(http.DefaultTransport.RoundTrip))).Get(srv.URL + "/check")
	if err == nil || !strings.Contains(err.Error(), "WithInsecureSkipVerify needs a base transport that is an *http.Transport") {
		t.Fatalf("err = %v, want the explanation", err)
	}
	e := scrape(t, m)
	check(t, e, want{metrics.AppTypeAuth, "GET", "check", "0", 2, 0, 0})
	check(t, e, want{metrics.AppTypeAuth, "GET", "check", "200", 1, 0, 11})
	checkSeries(t, e, 2)
}

// TestConcurrentCallers runs 50 callers that use the body in every way at
// once; run with -race. Every exchange is recorded once and no byte is lost.
func TestConcurrentCallers(t *testing.T) {
	const callers = 50
	modes := []string{"full", "part", "unread", "eof"}
	page := strings.Repeat("z", 2000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		io.WriteString(w, page)
	}))
	defer srv.Close()
	m := newMetrics(t)
	c := httpclient.New(httpclient.WithMetrics(m), httpclient.WithTimeout(10*time.Second))

	var wg sync.WaitGroup
	errs := make(chan error, callers*len(modes))
	for g := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i, mode := range modes {
				resp, err := c.Post(srv.URL+"/mode/"+mode, "text/plain", strings.NewReader(strings.Repeat("q", g)))
				if err != nil {
					errs <- err
					continue
				}
				switch i {
				case 0: // read all, close
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				case 1: // read part, close
					_, err = io.ReadFull(resp.Body, make([]byte, 500))
					resp.Body.Close()
				case 2: // close unread
					resp.Body.Close()
				case 3: // read all, close from another goroutine
					_, err = io.ReadAll(resp.Body)
					done := make(chan struct{})
					go func() { resp.Body.Close(); close(done) }()
					<-done
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	in := float64(callers * (callers - 1) / 2) // caller g sends g bytes in each call
	e := scrape(t, m)
	check(t, e, want{"http_api", "POST", "mode/full", "200", callers, in, callers * 2000})
	check(t, e, want{"http_api", "POST", "mode/part", "200", callers, in, callers * 500})
	check(t, e, want{"http_api", "POST", "mode/unread", "200", callers, in, 0})
	check(t, e, want{"http_api", "POST", "mode/eof", "200", callers, in, callers * 2000})
	checkSeries(t, e, len(modes))
}

// idleCloser is a base transport that counts CloseIdleConnections calls.
type idleCloser struct {
	http.RoundTripper
	calls int
}

func (c *idleCloser) CloseIdleConnections() { c.calls++ }

func TestCloseIdleConnectionsReachesBase(t *testing.T) {
	for name, client := range map[string]func(http.RoundTripper) *http.Client{
		"New": func(b http.RoundTripper) *http.Client { return httpclient.New(httpclient.WithBase(b)) },
		"NewTelegram": func(b http.RoundTripper) *http.Client {
			return httpclient.NewTelegram(botToken, httpclient.WithBase(b))
		},
		"NewTransport": func(b http.RoundTripper) *http.Client {
			return &http.Client{Transport: httpclient.NewTransport(b)}
		},
	} {
		base := &idleCloser{RoundTripper: http.DefaultTransport}
		client(base).CloseIdleConnections()
		if base.calls != 1 {
			t.Errorf("%s: the base transport got %d CloseIdleConnections calls, want 1", name, base.calls)
		}
	}
}

// TestBrokenBaseNoPanic: a base transport that returns neither a response nor
// an error gets http.Client's own error, counted with status 0.
func TestBrokenBaseNoPanic(t *testing.T) {
	m := newMetrics(t)
	base := roundTripFunc(func(*http.Request) (*http.Response, error) { return nil, nil })
	for _, c := range []*http.Client{
		httpclient.New(httpclient.WithMetrics(m), httpclient.WithBase(base)),
		httpclient.NewTelegram(botToken, httpclient.WithMetrics(m), httpclient.WithBase(base), httpclient.WithAppType("http_api")),
	} {
		if _, err := c.Get("http://api.test/botTOKEN/getMe"); err == nil || !strings.Contains(err.Error(), "nil *Response with a nil error") {
			t.Errorf("err = %v, want http.Client's complaint", err)
		}
	}
	e := scrape(t, m)
	check(t, e, want{"http_api", "GET", "botTOKEN/getMe", "0", 1, 0, 0})
	check(t, e, want{"http_api", "GET", "getMe", "0", 1, 0, 0})
	checkSeries(t, e, 2)
}
