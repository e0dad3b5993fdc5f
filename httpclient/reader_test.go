package httpclient_test

import (
	"bytes"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
)

// cachedField is the JSON member fieldCounter counts.
const cachedField = `"cached":true`

// fieldStats is what the fieldCounters of one client saw, all exchanges
// together.
type fieldStats struct {
	mu        sync.Mutex
	m         *metrics.Metrics // the instance the last exchange was recorded into
	hits      int              // answers with X-Cache: HIT
	fields    int              // cachedField members read in the bodies
	sent      int64            // request body bytes, as sent the last time
	body      []byte           // the response body bytes seen, in order
	ends      int
	responses int
	misuse    []string // what the transport did against the Reader contract
}

// fieldCounter is a Reader written outside the package, as a user would:
// it counts the answers a cache served (their X-Cache header) and the
// "cached":true members of their JSON bodies, split across reads or not.
type fieldCounter struct {
	s         *fieldStats
	off       int64  // the request body offset it expects next
	tail      []byte // the end of the body seen so far that could begin cachedField
	responded bool
	ended     bool
}

func (c *fieldCounter) RequestBody(p []byte, off int64, err error) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if off != 0 && off != c.off {
		c.s.misuse = append(c.s.misuse, "request body bytes out of order")
	}
	c.off = off + int64(len(p))
	c.s.sent = c.off
}

func (c *fieldCounter) Response(resp *http.Response) bool {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	c.responded = true
	c.s.responses++
	if resp.Header.Get("X-Cache") == "HIT" {
		c.s.hits++
	}
	return resp.StatusCode == http.StatusOK
}

func (c *fieldCounter) ResponseBody(p []byte) {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if !c.responded || c.ended {
		c.s.misuse = append(c.s.misuse, "body bytes outside Response..End")
	}
	c.s.body = append(c.s.body, p...)
	buf := append(c.tail, p...)
	c.s.fields += bytes.Count(buf, []byte(cachedField))
	keep := min(len(buf), len(cachedField)-1)
	c.tail = append(c.tail[:0], buf[len(buf)-keep:]...)
}

func (c *fieldCounter) End() {
	c.s.mu.Lock()
	defer c.s.mu.Unlock()
	if c.ended {
		c.s.misuse = append(c.s.misuse, "End called twice")
	}
	c.ended = true
	c.s.ends++
}

// fieldCounters returns the WithReader option of a client whose readers
// count into s.
func fieldCounters(s *fieldStats) httpclient.TransportOption {
	return httpclient.WithReader(func(req *http.Request, m *metrics.Metrics) httpclient.Reader {
		s.mu.Lock()
		s.m = m
		s.mu.Unlock()
		return &fieldCounter{s: s}
	})
}

// TestReaderOutsideThePackage: a Reader of package httpclient_test, given to
// New over loopback HTTP, sees the request body as it is sent, the header,
// and the body of a streamed answer exactly as the caller reads it, cut
// anywhere; it is told once when each exchange ends, which is recorded as
// ever.
func TestReaderOutsideThePackage(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		if r.URL.Path == "/miss" {
			w.Header().Set("X-Cache", "MISS")
			io.WriteString(w, `{"cached":false}`)
			return
		}
		w.Header().Set("X-Cache", "HIT")
		for _, piece := range []string{`{"id":1,"cach`, `ed":tr`, `ue,"items":[{"cached":true}]}`} {
			io.WriteString(w, piece)
			w.(http.Flusher).Flush()
		}
	}))
	defer srv.Close()
	m := newMetrics(t)
	var s fieldStats
	client := httpclient.New(httpclient.WithMetrics(m), fieldCounters(&s))

	var read []byte
	for _, path := range []string{"/hit", "/miss", "/hit"} {
		resp, err := client.Post(srv.URL+path, "application/json", strings.NewReader(`{"q":"0123456789"}`))
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil {
			t.Fatal(err)
		}
		read = append(read, b...)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.hits != 2 || s.fields != 4 {
		t.Errorf("counted %d hits and %d %s, want 2 and 4", s.hits, s.fields, cachedField)
	}
	if !bytes.Equal(s.body, read) {
		t.Errorf("the Reader saw %q, the caller read %q", s.body, read)
	}
	if s.sent != int64(len(`{"q":"0123456789"}`)) {
		t.Errorf("the Reader saw %d request body bytes sent", s.sent)
	}
	if s.responses != 3 || s.ends != 3 || s.m != m || s.misuse != nil {
		t.Errorf("%d responses, %d ends, instance %p (want %p), misuse %q", s.responses, s.ends, s.m, m, s.misuse)
	}
	e := scrape(t, m)
	check(t, e, want{"http_api", "POST", "hit", "200", 2, 36, float64(len(read) - 16)})
	check(t, e, want{"http_api", "POST", "miss", "200", 1, 18, 16})
}

// TestReaderNoResponse: an exchange that gets no response ends all the
// same, without a Response.
func TestReaderNoResponse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now
	var s fieldStats
	_, err = httpclient.New(httpclient.WithMetrics(newMetrics(t)), fieldCounters(&s)).Get("http://" + addr + "/x")
	var opErr *net.OpError
	if !errors.As(err, &opErr) {
		t.Fatalf("err = %v, want a connection error", err)
	}
	if s.responses != 0 || s.ends != 1 || s.misuse != nil {
		t.Errorf("%d responses, %d ends, misuse %q; want 0, 1, none", s.responses, s.ends, s.misuse)
	}
}

// TestReaderOnTelegram: a Reader added to NewTelegram sees what the caller
// sees, the bot token masked in the header and the body, and runs before
// metrics.Init as well (no instance to record into).
func TestReaderOnTelegram(t *testing.T) {
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Cache", "HIT")
		w.Header().Set("X-Echo", r.URL.Path)
		io.WriteString(w, `{"ok":false,"cached":true,"description":"no such path `+r.URL.Path+`"}`)
	}))
	defer api.Close()
	for name, m := range map[string]*metrics.Metrics{"instance": newMetrics(t), "none": nil} {
		t.Run(name, func(t *testing.T) {
			var s fieldStats
			var echo string
			getHeader := httpclient.WithReader(func(*http.Request, *metrics.Metrics) httpclient.Reader {
				return headerReader(func(h http.Header) { echo = h.Get("X-Echo") })
			})
			client := httpclient.NewTelegram(botToken, httpclient.WithMetrics(m), fieldCounters(&s), getHeader)
			resp, err := client.Get(api.URL + "/botTOKEN/getMe")
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(s.body, b) || bytes.Contains(b, []byte(botToken)) || strings.Contains(echo, botToken) {
				t.Errorf("the Reader saw %q and X-Echo %q, the caller read %q; want the same, token masked", s.body, echo, b)
			}
			if s.hits != 1 || s.fields != 1 || s.ends != 1 || s.m != m {
				t.Errorf("%d hits, %d fields, %d ends, instance %p; want 1, 1, 1, %p", s.hits, s.fields, s.ends, s.m, m)
			}
		})
	}
}

// headerReader is a Reader of the response header alone.
type headerReader func(http.Header)

func (headerReader) RequestBody([]byte, int64, error)    {}
func (f headerReader) Response(resp *http.Response) bool { f(resp.Header); return false }
func (headerReader) ResponseBody([]byte)                 {}
func (headerReader) End()                                {}
