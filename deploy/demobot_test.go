package deploy

import (
	"os"
	"os/exec"
	"regexp"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/proctest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	proctest.RemoveBinaries()
	os.Exit(code)
}

// Lines demobot prints on start.
var (
	metricsLine = regexp.MustCompile(`(?m)^metrics: (http://\S+)$`)
	webhookLine = regexp.MustCompile(`(?m)^webhook: http://(\S+?)/`)
)

// startDemoProcess runs demobot with args and only PATH and HOME in its
// environment (no TELEGRAM_BOT_TOKEN of the caller's may take it online),
// until the test ends, and returns once it has printed where its metrics
// are.
func startDemoProcess(t *testing.T, args ...string) *proctest.Process {
	t.Helper()
	cmd := exec.Command(proctest.Binary(t, "../cmd/demobot"), args...)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME")}
	p := proctest.Start(t, cmd)
	waitLine(t, p, metricsLine)
	return p
}

// waitLine waits, at most 20 s, until the standard output of p has a line
// matching re, and returns its first submatch.
func waitLine(t *testing.T, p *proctest.Process, re *regexp.Regexp) string {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if m := re.FindStringSubmatch(p.Stdout.String()); m != nil {
			return m[1]
		}
		select {
		case <-p.Exited:
			t.Fatalf("demobot exited before printing a line matching %s; stderr:\n%s", re, p.Stderr)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("demobot printed no line matching %s within 20 s; stdout:\n%s", re, p.Stdout)
		}
	}
}
