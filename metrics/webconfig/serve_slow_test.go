package webconfig_test

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/internal/servetest"
	"github.com/genapp-go/genapp/metrics/webconfig"
)

// ioGuard bounds every read and write of the raw connections below: a
// server that does not answer, or does not close, fails the test then.
const ioGuard = 5 * time.Second

// slowBody opens a connection to addr and sends a request for path that
// announces a body of 100000 bytes, and 10 of them: the rest never comes.
// It returns the reader of the answer.
func slowBody(t *testing.T, addr, path string) *bufio.Reader {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(ioGuard)); err != nil {
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(conn, "POST %s HTTP/1.1\r\nHost: %s\r\nContent-Length: 100000\r\n\r\n0123456789", path, addr); err != nil {
		t.Fatal(err)
	}
	return bufio.NewReader(conn)
}

// answered reads the answer from r, and reports its status and whether the
// server then closed the connection.
func answered(t *testing.T, r *bufio.Reader) (status int, closed bool) {
	t.Helper()
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatalf("no answer: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	_, err = r.ReadByte()
	return resp.StatusCode, errors.Is(err, io.EOF)
}

// TestServeSlowBodies: requests that announce a body and trickle it, the
// slowloris way, are answered at once (401 without credentials, 405 on
// POST) and their connections closed, 100 of them at the same time.
func TestServeSlowBodies(t *testing.T) {
	plain := servetest.Start(t)
	secured := servetest.Start(t, webconfig.File(basicAuthConfig(t, "prometheus", "s3cret")))
	for _, c := range []struct {
		name, addr string
		want       int
	}{{"plain", plain, http.StatusMethodNotAllowed}, {"secured", secured, http.StatusUnauthorized}} {
		readers := make([]*bufio.Reader, 100)
		for i := range readers {
			readers[i] = slowBody(t, c.addr, metrics.MetricsPath)
		}
		for i, r := range readers {
			if status, closed := answered(t, r); status != c.want || !closed {
				t.Fatalf("%s server, connection %d: status %d, closed %v; want %d and closed", c.name, i, status, closed, c.want)
			}
		}
	}
}
