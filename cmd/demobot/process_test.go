package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/mymmrac/telego"

	"github.com/genapp-go/genapp/internal/proctest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

func TestMain(m *testing.M) {
	// The telego demo compiles telego's JSON codec while it starts (see
	// newTelego), once per process: seconds under -race, beyond the 5 s the
	// tests give a reply. Done before the tests, in-process runs start as
	// the demo binary does after its first second.
	telego.Update{}.Clone()
	code := m.Run()
	proctest.RemoveBinaries()
	os.Exit(code)
}

// demobotBinary builds demobot once for the tests that run it as a process.
func demobotBinary(t *testing.T) string {
	t.Helper()
	return proctest.Binary(t, ".")
}

// process is demobot running as a process of its own.
type process struct {
	*proctest.Process
	metricsURL string
}

// startProcess runs demobot with args, with none of its environment
// variables set, and returns once it has printed where its metrics are.
// It is killed when the test ends, if still running.
func startProcess(t *testing.T, args ...string) *process {
	t.Helper()
	cmd := exec.Command(demobotBinary(t), args...)
	cmd.Env = demoFreeEnv()
	p := &process{Process: proctest.Start(t, cmd)}
	p.metricsURL = waitMatch(t, p.Stdout.String, metricsLine, 10*time.Second)
	return p
}

// demoFreeEnv is the environment of the test without demobot's variables.
func demoFreeEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if !isDemoVar(name) {
			env = append(env, kv)
		}
	}
	return env
}

func isDemoVar(name string) bool {
	for _, v := range envVars {
		if v == name {
			return true
		}
	}
	return false
}

// TestSignals sends SIGINT or SIGTERM to the demo, in each mode with each
// library, once handlers are busy (/slow takes up to 1.5 s), and checks that
// it stops cleanly, with status 0, within 5 s. With a token, the Bot API is
// one that holds long polls for as long as the bot asks (2 s), as Telegram
// does, and a /slow is in flight when the signal arrives.
func TestSignals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		framework, mode string
		token           bool
		signal          syscall.Signal
	}{
		{frameworkTelebot, modePolling, false, syscall.SIGINT},
		{frameworkTgbotapi, modePolling, false, syscall.SIGTERM},
		{frameworkTelebot, modeWebhook, false, syscall.SIGTERM},
		{frameworkTgbotapi, modeWebhook, false, syscall.SIGINT},
		{frameworkTelebot, modePolling, true, syscall.SIGTERM},
		{frameworkTgbotapi, modePolling, true, syscall.SIGINT},
		{frameworkGotgbot, modePolling, false, syscall.SIGINT},
		{frameworkGotgbot, modeWebhook, false, syscall.SIGTERM},
		{frameworkGotgbot, modePolling, true, syscall.SIGTERM},
		{frameworkTelebot4, modePolling, false, syscall.SIGTERM},
		{frameworkTelebot4, modeWebhook, false, syscall.SIGINT},
		{frameworkTelebot4, modePolling, true, syscall.SIGINT},
		{frameworkGotelegram, modePolling, false, syscall.SIGTERM},
		{frameworkGotelegram, modeWebhook, false, syscall.SIGINT},
		{frameworkGotelegram, modePolling, true, syscall.SIGTERM},
		{frameworkTelego, modePolling, false, syscall.SIGINT},
		{frameworkTelego, modeWebhook, false, syscall.SIGTERM},
		{frameworkTelego, modePolling, true, syscall.SIGTERM},
	} {
		name := fmt.Sprintf("%s/%s/%v", tc.framework, tc.mode, tc.signal)
		if tc.token {
			name += "/token"
		}
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			args := []string{"-framework", tc.framework, "-mode", tc.mode, "-metrics-addr", "127.0.0.1:0", "-webhook-listen", "127.0.0.1:0"}
			var srv *telegramtest.Server
			if tc.token {
				srv = telegramtest.NewServer(telegramtest.WithLongPollMax(time.Minute))
				defer srv.Close()
				args = append(args, "-token", srv.Token, "-api-url", srv.URL)
			}
			p := startProcess(t, args...)
			time.Sleep(time.Second)
			if srv != nil {
				srv.SendText(42, "/slow")
				for deadline := time.Now().Add(5 * time.Second); srv.Pending() > 0; time.Sleep(10 * time.Millisecond) {
					if time.Now().After(deadline) {
						t.Fatal("the bot did not fetch the update within 5 s")
					}
				}
			}
			time.Sleep(500 * time.Millisecond)
			code, took := p.Signal(t, tc.signal)
			t.Logf("stopped %v after %v", took, tc.signal)
			if code != 0 || took > 5*time.Second {
				t.Errorf("exit status %d after %v, want 0 within 5 s", code, took)
			}
			if out := p.Stdout.String(); !strings.HasSuffix(out, "demobot: stopped\n") {
				t.Errorf("stdout does not end with the stop line:\n%s", out)
			}
			if strings.Contains(p.Stderr.String(), "still running at shutdown") {
				t.Errorf("shutdown gave up on something:\n%s", p.Stderr)
			}
		})
	}
}

// TestSignalsDuringStartup sends SIGTERM or SIGINT while a startup call
// (getMe, deleteWebhook, setWebhook) hangs: the demo stops, with status 0,
// within 5 s, instead of waiting for the Bot API.
func TestSignalsDuringStartup(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		framework, mode, method string
		signal                  syscall.Signal
	}{
		{frameworkTelebot, modePolling, "getMe", syscall.SIGTERM},
		{frameworkTgbotapi, modePolling, "getMe", syscall.SIGINT},
		{frameworkTelebot, modePolling, "deleteWebhook", syscall.SIGINT},
		{frameworkTgbotapi, modePolling, "deleteWebhook", syscall.SIGTERM},
		{frameworkTelebot, modeWebhook, "setWebhook", syscall.SIGTERM},
		{frameworkTgbotapi, modeWebhook, "setWebhook", syscall.SIGINT},
		{frameworkGotgbot, modePolling, "getMe", syscall.SIGTERM},
		{frameworkGotgbot, modePolling, "deleteWebhook", syscall.SIGINT},
		{frameworkGotgbot, modeWebhook, "setWebhook", syscall.SIGTERM},
		{frameworkTelebot4, modePolling, "getMe", syscall.SIGINT},
		{frameworkTelebot4, modeWebhook, "setWebhook", syscall.SIGTERM},
		{frameworkGotelegram, modePolling, "getMe", syscall.SIGINT},
		{frameworkGotelegram, modePolling, "deleteWebhook", syscall.SIGTERM},
		{frameworkGotelegram, modeWebhook, "setWebhook", syscall.SIGTERM},
		{frameworkTelego, modePolling, "getMe", syscall.SIGTERM},
		{frameworkTelego, modePolling, "deleteWebhook", syscall.SIGINT},
		{frameworkTelego, modeWebhook, "setWebhook", syscall.SIGTERM},
	} {
		t.Run(fmt.Sprintf("%s/%s/%v", tc.framework, tc.method, tc.signal), func(t *testing.T) {
			t.Parallel()
			srv := telegramtest.NewServer()
			defer srv.Close()
			srv.Inject(tc.method, telegramtest.Fault{Delay: time.Minute, Times: -1})
			p := startProcess(t, "-framework", tc.framework, "-mode", tc.mode, "-metrics-addr", "127.0.0.1:0",
				"-webhook-listen", "127.0.0.1:0", "-webhook-url", "https://bot.example/hook", "-token", srv.Token, "-api-url", srv.URL)
			for deadline := time.Now().Add(10 * time.Second); !hanging(srv, tc.method); time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("no %s call within 10 s", tc.method)
				}
			}
			if code, took := p.Signal(t, tc.signal); code != 0 || took > 5*time.Second {
				t.Errorf("exit status %d after %v, want 0 within 5 s", code, took)
			}
			if out := p.Stdout.String(); !strings.HasSuffix(out, "demobot: stopped\n") {
				t.Errorf("stdout does not end with the stop line:\n%s", out)
			}
		})
	}
}

// hanging reports whether srv has a call of method in progress.
func hanging(srv *telegramtest.Server, method string) bool {
	for _, c := range srv.Calls() {
		if c.Method == method && c.Status == 0 {
			return true
		}
	}
	return false
}

// TestHostileBotAPI runs the demo behind a proxy that attacks it: every
// other getUpdates is redirected to https with the token in the Location
// (as an http-to-https proxy does), and sendMessage is refused with the
// request path, token and all, echoed in the description and a header. The
// demo logs the failures, and its output holds the token nowhere: neither
// in its own log lines nor in those of the bot libraries.
func TestHostileBotAPI(t *testing.T) {
	t.Parallel()
	for _, framework := range frameworks {
		t.Run(framework, func(t *testing.T) {
			t.Parallel()
			srv := telegramtest.NewServer(telegramtest.WithToken("7012345678:AAHfakeTokenForTests_0123456789-abcd"))
			defer srv.Close()
			target, err := url.Parse(srv.URL)
			if err != nil {
				t.Fatal(err)
			}
			forward := httputil.NewSingleHostReverseProxy(target)
			var polls, refused atomic.Int64
			proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch {
				case strings.HasSuffix(r.URL.Path, "/getUpdates") && polls.Add(1)%2 == 1:
					http.Redirect(w, r, "https://"+r.Host+r.URL.Path, http.StatusPermanentRedirect)
				case strings.HasSuffix(r.URL.Path, "/sendMessage"):
					refused.Add(1)
					w.Header().Set("X-Debug", r.URL.Path)
					w.WriteHeader(http.StatusBadRequest)
					fmt.Fprintf(w, `{"ok":false,"error_code":400,"description":"Bad Request: no such path %s"}`, r.URL.Path)
				default:
					forward.ServeHTTP(w, r)
				}
			}))
			defer proxy.Close()

			p := startProcess(t, "-framework", framework, "-metrics-addr", "127.0.0.1:0", "-token", srv.Token, "-api-url", proxy.URL)
			srv.SendText(42, "/start")
			for deadline := time.Now().Add(15 * time.Second); refused.Load() == 0 || polls.Load() < 3; time.Sleep(10 * time.Millisecond) {
				if time.Now().After(deadline) {
					t.Fatalf("within 15 s: %d getUpdates, %d sendMessage", polls.Load(), refused.Load())
				}
			}
			p.Signal(t, syscall.SIGTERM)
			stderr := p.Stderr.String()
			// The description arrives masked ("/bot7012345678:***"); tgbotapimetrics
			// redacts what it logs once more ("/bot{token}/").
			for _, want := range []string{"a NewTelegram client follows none", "no such path /bot"} {
				if !strings.Contains(stderr, want) {
					t.Errorf("stderr lacks %q:\n%s", want, stderr)
				}
			}
			noToken(t, "stdout", p.Stdout.String(), srv.Token)
			noToken(t, "stderr", stderr, srv.Token)
		})
	}
}
