package proctest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/logtest"
)

// Process is a running program.
type Process struct {
	Cmd            *exec.Cmd
	Stdout, Stderr *logtest.Buffer
	// Exited is closed once the process has exited; Cmd.ProcessState
	// then holds its status.
	Exited chan struct{}
}

// Start starts cmd with its output captured. It is killed when the test
// ends, if still running.
func Start(t testing.TB, cmd *exec.Cmd) *Process {
	t.Helper()
	p := &Process{Cmd: cmd, Stdout: &logtest.Buffer{}, Stderr: &logtest.Buffer{}, Exited: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.Stdout, p.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { cmd.Wait(); close(p.Exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.Exited
		if t.Failed() {
			t.Logf("%s\nstdout:\n%s\nstderr:\n%s", strings.Join(cmd.Args, " "), p.Stdout, p.Stderr)
		}
	})
	return p
}

// Signal sends sig and returns the exit status and how long the process
// took to exit. The test fails if it is still running 10 s later.
func (p *Process) Signal(t testing.TB, sig os.Signal) (code int, took time.Duration) {
	t.Helper()
	start := time.Now()
	if err := p.Cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.Exited:
		return p.Cmd.ProcessState.ExitCode(), time.Since(start)
	case <-time.After(10 * time.Second):
		t.Fatalf("still running 10 s after %v", sig)
		return 0, 0
	}
}

// FreeAddr returns a loopback address whose port was free a moment ago,
// for a flag that must be known before the program listens on it.
func FreeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// builds are the programs Binary has built, by package.
var builds struct {
	sync.Mutex
	dir  string // holds every binary; made on the first build
	done map[string]*build
}

type build struct {
	once sync.Once
	name string // of the binary in builds.dir
	path string
	err  error
}

// Binary builds the main package pkg (as go build takes it, such as "." or
// "../cmd/demobot") once for every test of the test binary that asks, and
// returns the path of the program. The test binary's TestMain calls
// RemoveBinaries once the tests have run.
func Binary(t testing.TB, pkg string) string {
	t.Helper()
	builds.Lock()
	if builds.done == nil {
		builds.done = map[string]*build{}
	}
	b := builds.done[pkg]
	if b == nil {
		b = &build{name: fmt.Sprintf("program%d", len(builds.done))}
		builds.done[pkg] = b
	}
	builds.Unlock()
	b.once.Do(func() {
		builds.Lock()
		if builds.dir == "" {
			builds.dir, b.err = os.MkdirTemp("", "proctest-")
		}
		dir := builds.dir
		builds.Unlock()
		if b.err != nil {
			return
		}
		b.path = filepath.Join(dir, b.name)
		if out, err := exec.Command("go", "build", "-o", b.path, pkg).CombinedOutput(); err != nil {
			b.err = fmt.Errorf("go build %s: %v\n%s", pkg, err, out)
		}
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// RemoveBinaries deletes what Binary built.
func RemoveBinaries() {
	builds.Lock()
	defer builds.Unlock()
	if builds.dir != "" {
		os.RemoveAll(builds.dir)
	}
}
