package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/webhook"
)

// TestWebhookPathNotRecorded: whatever a client sends to a webhook path that
// holds a secret, the secret never reaches /prometheus.
func TestWebhookPathNotRecorded(t *testing.T) {
	m, err := metrics.New("demobot", "dev", metrics.WithRegistry(prometheus.NewRegistry()))
	if err != nil {
		t.Fatal(err)
	}
	const secretPath = "/hook/Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7" // 35 characters, not a bot token
	const tokenPath = "/bot123456789:AbCdEfGhIjKlMnOpQrSt/hook"    // a token with a short secret
	for _, path := range []string{secretPath, tokenPath} {
		h, err := webhook.New("the-secret-token", func(context.Context, []byte) error { return nil })
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(m.Middleware(onPath(path, h)))
		for _, c := range []struct {
			method, path string
			want         int
		}{
			{"POST", path, http.StatusUnauthorized}, // no secret header
			{"GET", path, http.StatusMethodNotAllowed},
			{"POST", path + "x", http.StatusNotFound},
		} {
			req, _ := http.NewRequest(c.method, srv.URL+c.path, strings.NewReader("{}"))
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != c.want {
				t.Errorf("%s %s: %d, want %d", c.method, c.path, resp.StatusCode, c.want)
			}
		}
		srv.Close()
	}
	e := promtest.Scrape(t, m.Handler())
	if got := e.LabelValues("genapp_http_requests_total", "resource"); strings.Join(got, " ") != "/{unknown} telegram/webhook" {
		t.Errorf("resources %q, want /{unknown} and telegram/webhook", got)
	}
	for _, secret := range []string{"Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7", "AbCdEfGhIjKlMnOpQrSt", "the-secret-token"} {
		if strings.Contains(e.Text, secret) {
			t.Errorf("the scrape holds %q", secret)
		}
	}
}

func TestDescribeWebhook(t *testing.T) {
	addr := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8443}
	got := describeWebhook(addr, "/hook/Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7", "https://bot.example/hook/Ab3dEf6hIj9lMn2pQr5tUv8xYz1bCd4fGh7?x=1")
	if want := "http://127.0.0.1:8443 (public URL https://bot.example; its path, from -webhook-url, is not shown: it may hold a secret)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
	if got, want := describeWebhook(addr, webhookPath, "https://u:pw@bot.example"+webhookPath+"?key=s3cret"), "http://127.0.0.1:8443/telegram/webhook (public URL https://bot.example/telegram/webhook)"; got != want {
		t.Errorf("got  %q\nwant %q", got, want)
	}
}

// TestWebhookURLWithoutPath: with a -webhook-url that has no path, Telegram
// posts the updates to "/", and that is the path served.
func TestWebhookURLWithoutPath(t *testing.T) {
	t.Parallel()
	inProcess.Lock()
	defer inProcess.Unlock()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // for the demo to listen on
	const project = "demobot_webhook_root"
	r := startRun(t, nil, "-mode", "webhook", "-project", project, "-metrics-addr", "127.0.0.1:0",
		"-webhook-listen", addr, "-webhook-url", "http://"+addr)
	waitSeries(t, r.metricsURL, project, webhookSeries, 8*time.Second)
	if code, _ := r.stop(t); code != 0 {
		t.Errorf("exit status %d, want 0; stderr:\n%s", code, r.stderr)
	}
}
