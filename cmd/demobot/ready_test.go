package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/proctest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// gate holds the Bot API calls of one method, at a proxy, until opened.
type gate struct {
	method  string
	open    chan struct{}
	arrived chan struct{} // closed when the first call arrives
	left    chan struct{} // closed when a held call ended before the gate opened (its client gave up)
	once    sync.Once
	leave   sync.Once
}

func newGate(method string) *gate {
	return &gate{method: method, open: make(chan struct{}), arrived: make(chan struct{}), left: make(chan struct{})}
}

// hold holds r until the gate opens, and reports whether it did.
func (g *gate) hold(r *http.Request) bool {
	if !strings.HasSuffix(r.URL.Path, "/"+g.method) {
		return true
	}
	g.once.Do(func() { close(g.arrived) })
	select {
	case <-g.open:
		return true
	case <-r.Context().Done():
		g.leave.Do(func() { close(g.left) })
		return false
	}
}

// wait waits, at most 10 s, for the first call through g.
func (g *gate) wait(t *testing.T) {
	t.Helper()
	select {
	case <-g.arrived:
	case <-time.After(10 * time.Second):
		t.Fatalf("no %s within 10 s", g.method)
	}
}

// gatedAPI is a proxy to srv that holds the calls of each gate's method
// until it opens.
func gatedAPI(t *testing.T, srv *telegramtest.Server, gates ...*gate) string {
	t.Helper()
	target, err := url.Parse(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	forward := httputil.NewSingleHostReverseProxy(target)
	proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, g := range gates {
			if !g.hold(r) {
				return
			}
		}
		forward.ServeHTTP(w, r)
	}))
	t.Cleanup(func() {
		for _, g := range gates {
			select {
			case <-g.open:
			default:
				close(g.open)
			}
		}
		proxy.Close()
	})
	return proxy.URL
}

// getReady returns the status and body of GET url.
func getReady(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// waitReadiness polls url until it answers status, at most timeout, and
// returns the body.
func waitReadiness(t *testing.T, url string, status int, timeout time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(20 * time.Millisecond) {
		got, body := getReady(t, url)
		if got == status {
			return body
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET %s: %d %q for %v, want %d", url, got, body, timeout, status)
		}
	}
}

// TestReadiness runs the demo as a process, with every library in both
// modes, against a Bot API whose getMe and sendMessage the test holds: its
// /ready answers 503 while the bot starts (getMe held), 200 once it can
// take updates (polling, or the webhook set and served), and 503 from the
// moment SIGTERM arrives while a /slow handler is still in flight (its
// reply held), and the demo then exits with status 0 once the handler is
// done.
func TestReadiness(t *testing.T) {
	t.Parallel()
	for _, framework := range frameworks {
		for _, mode := range []string{modePolling, modeWebhook} {
			t.Run(framework+"/"+mode, func(t *testing.T) {
				t.Parallel()
				srv := telegramtest.NewServer(telegramtest.WithLongPollMax(time.Minute))
				defer srv.Close()
				getMe, reply := newGate("getMe"), newGate("sendMessage")
				env := append(demoFreeEnv(), "BOT_FRAMEWORK="+framework, "BOT_MODE="+mode, "METRICS_ADDR=127.0.0.1:0",
					"TELEGRAM_BOT_TOKEN="+srv.Token, "TELEGRAM_API_URL="+gatedAPI(t, srv, getMe, reply))
				if mode == modeWebhook {
					addr := proctest.FreeAddr(t)
					env = append(env, "WEBHOOK_ADDR="+addr, "WEBHOOK_URL=http://"+addr+webhookPath)
				}
				cmd := exec.Command(demobotBinary(t))
				cmd.Env = env
				p := proctest.Start(t, cmd)
				metricsURL := waitMatch(t, p.Stdout.String, metricsLine, 10*time.Second)
				ready := strings.TrimSuffix(metricsURL, metrics.MetricsPath) + metrics.ReadinessPath

				getMe.wait(t)
				if status, body := getReady(t, ready); status != http.StatusServiceUnavailable || body != "not ready: the bot is starting\n" {
					t.Errorf("/ready while getMe is held: %d %q, want 503 saying the bot is starting", status, body)
				}
				close(getMe.open)
				if body := waitReadiness(t, ready, http.StatusOK, 10*time.Second); body != "ready\n" {
					t.Errorf("/ready once the bot runs: %q", body)
				}

				srv.SendText(42, "/slow")
				if mode == modeWebhook {
					ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
					defer cancel()
					go srv.Deliver(ctx) // returns once the handler has
				}
				reply.wait(t) // the handler waits for its reply
				if err := p.Cmd.Process.Signal(syscall.SIGTERM); err != nil {
					t.Fatal(err)
				}
				if body := waitReadiness(t, ready, http.StatusServiceUnavailable, 2*time.Second); body != "not ready: the bot is stopping\n" {
					t.Errorf("/ready after SIGTERM: %q, want the bot stopping", body)
				}
				select {
				case <-reply.left:
					t.Error("the handler's reply was abandoned before the test let it through")
				case <-p.Exited:
					t.Error("the demo exited with a handler in flight")
				default:
				}
				close(reply.open)
				select {
				case <-p.Exited:
				case <-time.After(10 * time.Second):
					t.Fatal("still running 10 s after SIGTERM")
				}
				if code := p.Cmd.ProcessState.ExitCode(); code != 0 {
					t.Errorf("exit status %d, want 0", code)
				}
				if out := p.Stdout.String(); !strings.HasSuffix(out, "demobot: stopped\n") {
					t.Errorf("stdout does not end with the stop line:\n%s", out)
				}
				if sent := srv.Sent(); len(sent) != 1 || !strings.HasPrefix(sent[0].Text, "That took ") {
					t.Errorf("the bot sent %v, want the reply of /slow: the handler finished", sent)
				}
				if strings.Contains(p.Stderr.String(), "still running at shutdown") {
					t.Errorf("shutdown gave up on something:\n%s", p.Stderr)
				}
			})
		}
	}
}
