package main

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

// slowConn is a connection of a client that sends part of a request, and
// never the rest.
type slowConn struct {
	net.Conn
	r *bufio.Reader
}

// dialSlow connects to the host of rawURL and sends the first bytes of a
// request: head, then 10 bytes of the body it announces, if any.
func dialSlow(t *testing.T, rawURL, head string) *slowConn {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if err := conn.SetDeadline(time.Now().Add(20 * time.Second)); err != nil { // a guard only
		t.Fatal(err)
	}
	if _, err := fmt.Fprintf(conn, head, u.Path); err != nil {
		t.Fatal(err)
	}
	return &slowConn{conn, bufio.NewReader(conn)}
}

// Requests of slow clients, each with a %s for the path.
const (
	trickledBody    = "GET %s HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n0123456789"
	trickledHeaders = "GET %s HTTP/1.1\r\nHost: x\r\n"
)

// closed reports whether the server closed c, after any answer it sent.
func (c *slowConn) closed() bool {
	for {
		if _, err := c.r.ReadByte(); err != nil {
			return !errors.Is(err, os.ErrDeadlineExceeded)
		}
	}
}

// TestSlowClients: slowloris clients of the metrics server and of the
// webhook server (a body announced and trickled, without credentials;
// headers never finished) neither hold the demo process nor make it fail:
// the metrics request is answered at once and its connection closed, and
// with four slow clients connected the demo stops on SIGTERM with status 0
// within 5 s.
func TestSlowClients(t *testing.T) {
	t.Parallel()
	path := basicAuthFile(t)
	p := startProcess(t, "-mode", modeWebhook, "-metrics-addr", "127.0.0.1:0", "-webhook-listen", "127.0.0.1:0", "-web.config.file", path)
	webhookURL := waitMatch(t, p.Stdout.String, webhookLine, 5*time.Second)

	body := dialSlow(t, p.metricsURL, trickledBody)
	resp, err := http.ReadResponse(body.r, nil)
	if err != nil {
		t.Fatalf("a trickled body to %s got no answer: %v", metrics.MetricsPath, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized || !body.closed() {
		t.Errorf("a trickled body to %s: status %d; want 401 and the connection closed", metrics.MetricsPath, resp.StatusCode)
	}

	dialSlow(t, p.metricsURL, trickledHeaders)
	dialSlow(t, p.metricsURL, trickledBody)
	dialSlow(t, webhookURL, trickledHeaders)
	dialSlow(t, webhookURL, strings.Replace(trickledBody, "GET", "POST", 1))
	if code, took := p.Signal(t, syscall.SIGTERM); code != 0 || took > 5*time.Second {
		t.Errorf("exit status %d %v after SIGTERM with slow clients, want 0 within 5 s; stderr:\n%s", code, took, p.Stderr)
	}
	if out := p.Stdout.String(); !strings.HasSuffix(out, "demobot: stopped\n") {
		t.Errorf("stdout does not end with the stop line:\n%s", out)
	}
}
