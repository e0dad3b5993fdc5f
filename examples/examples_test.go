// Package examples holds the complete programs the README and docs/ show,
// one directory each. The tests keep their copies identical to the files,
// and run every program as a user would: built, driven, scraped, and
// stopped with Ctrl-C.
package examples

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/proctest"
	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// programBlock is a README code block that copies a file: the comment
// naming the file on the line before the fence.
var programBlock = regexp.MustCompile("(?s)<!-- file: ([^ ]+) -->\n```go\n(.*?)```\n")

// TestREADMEPrograms checks that every program in this directory is shown
// in the README or a page of docs/, and that each copy there is the file,
// byte for byte.
func TestREADMEPrograms(t *testing.T) {
	pages, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	shown := map[string]bool{}
	for _, page := range append([]string{"../README.md"}, pages...) {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range programBlock.FindAllStringSubmatch(string(text), -1) {
			path, block := m[1], m[2]
			shown[path] = true
			file, err := os.ReadFile(filepath.Join("..", path))
			if err != nil {
				t.Errorf("%s shows %s: %v", page, path, err)
				continue
			}
			if block != string(file) {
				t.Errorf("%s's copy of %s differs from the file: copy the file into it again", page, path)
			}
		}
	}
	programs, err := filepath.Glob("*/main.go")
	if err != nil {
		t.Fatal(err)
	}
	if len(programs) == 0 {
		t.Fatal("no programs found")
	}
	for _, p := range programs {
		if path := "examples/" + p; !shown[path] {
			t.Errorf("neither the README nor docs/ shows %s (a block preceded by <!-- file: %s -->)", path, path)
		}
	}
}

// markdownLink is a link of a Markdown file: [text](target).
var markdownLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestDocLinks checks that every relative link of the README and of the
// files in docs/ leads to a file or directory of the repository, and that
// the README stays a first page: at most 16 KB, with `go get` in its first
// 4 KB.
func TestDocLinks(t *testing.T) {
	docs, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range append(docs, "../README.md", "../deploy/RUNBOOK.md") {
		text, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range markdownLink.FindAllStringSubmatch(string(text), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(doc), target)); err != nil {
				t.Errorf("%s links to %s, which does not exist", doc, m[1])
			}
		}
	}
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if len(readme) > 16<<10 {
		t.Errorf("README.md is %d bytes, more than 16 KB: move details to docs/", len(readme))
	}
	if i := strings.Index(string(readme), "go get "); i < 0 || i > 4<<10 {
		t.Errorf("`go get` is at byte %d of README.md, want it within the first 4 KB", i)
	}
}

// goBlock is a Go code block of a Markdown page.
var goBlock = regexp.MustCompile("(?s)```go\n(.*?)```")

// libraryPollers are how the bot libraries poll by themselves, each of
// which hammers or stalls on a failing Bot API where the module's Poller
// of the adapter backs off (docs/telegram.md, "Polling").
var libraryPollers = []string{"tele.LongPoller{", "GetUpdatesChan(", "UpdatesViaLongPolling(", "StartPolling(", "b.Start(ctx)"}

// TestDocsShowModulePollers: no Go code of the README or docs/ runs a bot
// with its library's own polling: they show the adapters' NewPoller.
func TestDocsShowModulePollers(t *testing.T) {
	pages, err := filepath.Glob("../docs/*.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, page := range append(pages, "../README.md") {
		text, err := os.ReadFile(page)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goBlock.FindAllStringSubmatch(string(text), -1) {
			for _, p := range libraryPollers {
				if strings.Contains(m[1], p) {
					t.Errorf("%s: a Go block polls with the library's %s: show the adapter's NewPoller", page, p)
				}
			}
		}
	}
}

// TestQuickstart runs the quickstart service, calls its API and finds the
// calls in its metrics, then stops it with SIGINT.
func TestQuickstart(t *testing.T) {
	t.Parallel()
	apiAddr, metricsAddr := proctest.FreeAddr(t), proctest.FreeAddr(t)
	p := start(t, "quickstart", nil, "-addr", apiAddr, "-metrics-addr", metricsAddr)
	waitUp(t, p, "http://"+metricsAddr+"/health")
	waitUp(t, p, "http://"+apiAddr+"/users/7")
	for _, id := range []string{"7", "0"} {
		resp, err := http.Get("http://" + apiAddr + "/users/" + id)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	e := promtest.ScrapeURL(t, "http://"+metricsAddr+"/prometheus")
	// Two calls to /users/7 (one by waitUp) and one to /users/0.
	for _, c := range []struct {
		family string
		labels promtest.Labels
		want   float64
	}{
		{"genapp_http_requests_total", promtest.Labels{"app": "myservice", "env": "prod", "app_type": "app_api", "method": "GET", "resource": "users/{id}", "status": "200"}, 2},
		{"genapp_http_requests_total", promtest.Labels{"app": "myservice", "env": "prod", "app_type": "app_api", "method": "GET", "resource": "users/{id}", "status": "404"}, 1},
		{"genapp_action_count_total", promtest.Labels{"name": "load_user", "status": "ok"}, 2},
		{"genapp_action_count_total", promtest.Labels{"name": "load_user", "status": "error"}, 1},
		{"genapp_action_count_total", promtest.Labels{"name": "refresh_cache_task", "status": "ok"}, 1},
	} {
		if got := e.Counter(t, c.family, c.labels); got != c.want {
			t.Errorf("%s%v = %v, want %v", c.family, c.labels, got, c.want)
		}
	}
	interrupt(t, p)
}

// TestBots runs each bot program against a fake Bot API: a user sends
// /start, presses the button and writes text; the replies arrive, the
// handlers and the Bot API calls are in the metrics, the token is nowhere
// in the program's output, and SIGINT stops it.
func TestBots(t *testing.T) {
	t.Parallel()
	for _, program := range []string{"telebot", "telebot4", "tgbotapi", "gotelegram", "telego", "gotgbot"} {
		t.Run(program, func(t *testing.T) {
			t.Parallel()
			srv := telegramtest.NewServer()
			defer srv.Close()
			metricsAddr := proctest.FreeAddr(t)
			p := start(t, program, []string{"TELEGRAM_BOT_TOKEN=" + srv.Token, "TELEGRAM_API_URL=" + srv.URL}, "-metrics-addr", metricsAddr)
			waitUp(t, p, "http://"+metricsAddr+"/health")

			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			srv.SendText(42, "/start")
			sent, err := srv.WaitSent(ctx, 1)
			if err != nil {
				t.Fatalf("no reply to /start: %v", err)
			}
			buttons := sent[0].CallbackData()
			if len(buttons) != 1 {
				t.Fatalf("the reply to /start has buttons %q, want one", buttons)
			}
			srv.PressButton(42, buttons[0])
			srv.SendText(42, "hi there")
			srv.SendText(42, "/nosuchcommand")
			sent, err = srv.WaitSent(ctx, 4)
			if err != nil {
				t.Fatalf("replies: %v (got %d)", err, len(srv.Sent()))
			}
			// Handlers run concurrently: replies come in any order.
			var texts []string
			for _, m := range sent {
				texts = append(texts, m.Text)
			}
			slices.Sort(texts)
			want := []string{"Hello, Test!", "Hi! Press the button.", "You said: /nosuchcommand", "You said: hi there"}
			if !slices.Equal(texts, want) {
				t.Errorf("replies %q, want %q", texts, want)
			}
			if answered := srv.Answered(); len(answered) != 1 {
				t.Errorf("answered callbacks %v, want 1", answered)
			}

			// A handler is recorded when it returns, just after its reply.
			handlers := []string{"start_handler", "hello_callback_handler", "text_handler", "unknown_command_handler"}
			e := scrapeUntil(t, "http://"+metricsAddr+"/prometheus", func(e *promtest.Exposition) bool {
				return e.Sum("genapp_action_count_total", nil) == float64(len(handlers))
			})
			for _, name := range handlers {
				if got := e.Counter(t, "genapp_action_count_total", promtest.Labels{"app": "mybot", "env": "prod", "name": name, "status": "ok"}); got != 1 {
					t.Errorf("%s ok = %v, want 1", name, got)
				}
			}
			if got := e.Sum("genapp_http_requests_total", promtest.Labels{"app_type": "telegram_api", "resource": "sendMessage", "status": "200"}); got != 4 {
				t.Errorf("sendMessage calls = %v, want 4", got)
			}
			if got := e.Sum("genapp_http_requests_total", promtest.Labels{"app_type": "telegram_api", "resource": "answerCallbackQuery", "status": "200"}); got != 1 {
				t.Errorf("answerCallbackQuery calls = %v, want 1", got)
			}
			if strings.Contains(e.Text, srv.Token) {
				t.Error("the token is in the exposition")
			}
			interrupt(t, p)
			secret := srv.Token[strings.IndexByte(srv.Token, ':')+1:]
			if out := p.Stdout.String() + p.Stderr.String(); strings.Contains(out, secret) {
				t.Errorf("the token is in the program's output:\n%s", out)
			}
		})
	}
}

// scrapeUntil scrapes url until done holds, at most 5 s, and returns the
// last scrape.
func scrapeUntil(t *testing.T, url string, done func(*promtest.Exposition) bool) *promtest.Exposition {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		e := promtest.ScrapeURL(t, url)
		if done(e) || time.Now().After(deadline) {
			return e
		}
	}
}

// start builds examples/<program> and runs it with env added to the
// environment. It is killed when the test ends, if still running.
func start(t *testing.T, program string, env []string, args ...string) *proctest.Process {
	t.Helper()
	bin := filepath.Join(t.TempDir(), program)
	if out, err := exec.Command("go", "build", "-o", bin, "./"+program).CombinedOutput(); err != nil {
		t.Fatalf("go build ./%s: %v\n%s", program, err, out)
	}
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), env...)
	return proctest.Start(t, cmd)
}

// interrupt sends SIGINT, as Ctrl-C does, and wants the program to exit
// with status 0 within 5 s.
func interrupt(t *testing.T, p *proctest.Process) {
	t.Helper()
	if code, took := p.Signal(t, syscall.SIGINT); code != 0 || took > 5*time.Second {
		t.Errorf("exit status %d %v after SIGINT, want 0 within 5 s", code, took)
	}
}

// waitUp waits until url answers 200, at most 10 s.
func waitUp(t *testing.T, p *proctest.Process, url string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		select {
		case <-p.Exited:
			t.Fatalf("exited before %s answered", url)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not answer 200 within 10 s", url)
		}
	}
}
