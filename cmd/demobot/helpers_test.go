package main

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/logtest"
)

// Lines demobot prints on start.
var (
	metricsLine = regexp.MustCompile(`(?m)^metrics: (https?://\S+/prometheus)( \(.+\))?$`)
	webhookLine = regexp.MustCompile(`(?m)^webhook: (http://\S+) \(public URL `)
)

// waitMatch waits until re matches what text returns, at most timeout, and
// returns the first submatch.
func waitMatch(t testing.TB, text func() string, re *regexp.Regexp, timeout time.Duration) string {
	t.Helper()
	for deadline := time.Now().Add(timeout); ; time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(text()); m != nil {
			return m[1]
		}
		if time.Now().After(deadline) {
			t.Fatalf("no line matching %s within %v; output:\n%s", re, timeout, text())
		}
	}
}

// demoRun is a run of the demo in the test process.
type demoRun struct {
	metricsURL     string
	stdout, stderr *logtest.Buffer
	cancel         context.CancelFunc
	code           chan int
}

// envOf returns a getenv for run that sees only env: the tests must not
// depend on the environment of whoever runs them (a TELEGRAM_BOT_TOKEN in
// the shell would take the bot online).
func envOf(env map[string]string) func(string) string {
	return func(name string) string { return env[name] }
}

// startRun runs the demo with args and env until the test stops it, and
// returns once it has printed where its metrics are.
func startRun(t *testing.T, env map[string]string, args ...string) *demoRun {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	r := &demoRun{stdout: &logtest.Buffer{}, stderr: &logtest.Buffer{}, cancel: cancel, code: make(chan int, 1)}
	go func() { r.code <- run(ctx, args, envOf(env), r.stdout, r.stderr) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-r.code:
		case <-time.After(10 * time.Second):
			t.Error("run did not return within 10 s of the end of the test")
		}
	})
	r.metricsURL = waitMatch(t, func() string { return r.stdout.String() + r.stderr.String() }, metricsLine, 5*time.Second)
	return r
}

// stop cancels the run's context and returns its exit status and how long
// it took to return.
func (r *demoRun) stop(t *testing.T) (int, time.Duration) {
	t.Helper()
	start := time.Now()
	r.cancel()
	select {
	case code := <-r.code:
		r.code <- code // for the cleanup
		return code, time.Since(start)
	case <-time.After(10 * time.Second):
		t.Fatalf("run did not return within 10 s of cancelling; stderr:\n%s", r.stderr.String())
		return 0, 0
	}
}

// anyToken matches a bot token ("<bot id>:<35 characters>").
var anyToken = regexp.MustCompile(`\d{5,}:[A-Za-z0-9_-]{30,}`)

// noToken fails the test when text holds token, or anything shaped like a
// bot token.
func noToken(t *testing.T, what, text, token string) {
	t.Helper()
	if token != "" && strings.Contains(text, token) {
		t.Errorf("%s holds the bot token", what)
	}
	if m := anyToken.FindString(text); m != "" {
		t.Errorf("%s holds something shaped like a bot token: %q", what, m)
	}
}
