//go:build linux

package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/genapp-go/genapp/internal/logtest"
	"github.com/genapp-go/genapp/internal/toolstest"
)

// TestMakeDemoCtrlC runs make demo as a user does, on a terminal (a
// pseudo-terminal the test holds, make the leader of its session), then
// types Ctrl-C once the page shows the bot at work: the terminal sends
// SIGINT to its foreground process group, as every terminal does, and make
// exits 0 within 5 s, the bot having stopped cleanly. The bot is telego's,
// the one framework DEMO_TAGS changes.
func TestMakeDemoCtrlC(t *testing.T) {
	t.Parallel()
	mk := toolstest.Require(t, "make")
	terminal, tty := openTerminal(t)
	cmd := exec.Command(mk, "--no-print-directory", "-C", "../..", "demo",
		"DEMO_BIN="+filepath.Join(t.TempDir(), "demobot"), "DEMO_ARGS=-framework telego -metrics-addr 127.0.0.1:0")
	cmd.Env = demoFreeEnv()
	cmd.Stdin, cmd.Stdout, cmd.Stderr = tty, tty, tty
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true} // Ctty 0: stdin, the terminal
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close()
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	out := &logtest.Buffer{}
	copied := make(chan struct{})
	go func() { io.Copy(lineFeeds{out}, terminal); close(copied) }() // until the last process on the terminal exits
	t.Cleanup(func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) // make and its shell, if still there
		terminal.Close()                                // and the hangup ends the bot
		<-exited
		if t.Failed() {
			t.Logf("make demo, on the terminal:\n%s", out)
		}
	})

	// A first build compiles 360 packages: a minute or more on 2 cores.
	url := waitMatch(t, out.String, metricsLine, 5*time.Minute)
	waitSeries(t, url, "demobot", []series{action("start_handler", "ok"), action("ask_handler", "ok")}, 30*time.Second)
	start := time.Now()
	if _, err := terminal.Write([]byte{0x03}); err != nil { // Ctrl-C
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(10 * time.Second):
		t.Fatal("make demo still runs 10 s after Ctrl-C")
	}
	took := time.Since(start)
	select { // what the last processes wrote
	case <-copied:
	case <-time.After(5 * time.Second):
		t.Error("the terminal is still open 5 s after make exited")
	}
	if code := cmd.ProcessState.ExitCode(); code != 0 || took > 5*time.Second {
		t.Errorf("make demo exited with %v after %v, want status 0 within 5 s", cmd.ProcessState, took)
	}
	text := out.String()
	if !strings.Contains(text, "^C") || !strings.HasSuffix(text, "demobot: stopped\n") {
		t.Errorf("the terminal shows no ^C, or does not end with the stop line:\n%s", text)
	}
	for _, bad := range []string{"still running at shutdown", "make: ***"} {
		if strings.Contains(text, bad) {
			t.Errorf("the terminal shows %q:\n%s", bad, text)
		}
	}
}

// openTerminal opens a pseudo-terminal: terminal is its side the test types
// into and reads from, tty the one a program runs on.
func openTerminal(t *testing.T) (terminal, tty *os.File) {
	t.Helper()
	terminal, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	t.Cleanup(func() { terminal.Close() })
	var n uint32
	unlock := int32(0)
	if err := ioctl(terminal, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock)); err != nil {
		t.Fatal(err)
	}
	if err := ioctl(terminal, syscall.TIOCGPTN, unsafe.Pointer(&n)); err != nil {
		t.Fatal(err)
	}
	tty, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	return terminal, tty
}

// ioctl runs the ioctl request on f, with arg.
func ioctl(f *os.File, request uintptr, arg unsafe.Pointer) error {
	conn, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var errno syscall.Errno
	if err := conn.Control(func(fd uintptr) {
		_, _, errno = syscall.Syscall(syscall.SYS_IOCTL, fd, request, uintptr(arg))
	}); err != nil {
		return err
	}
	if errno != 0 {
		return fmt.Errorf("ioctl %#x: %w", request, errno)
	}
	return nil
}

// lineFeeds writes to w what a terminal shows, without its carriage
// returns: "\r\n" ends a line on a terminal.
type lineFeeds struct{ w io.Writer }

func (l lineFeeds) Write(p []byte) (int, error) {
	if _, err := l.w.Write(bytes.ReplaceAll(p, []byte("\r"), nil)); err != nil {
		return 0, err
	}
	return len(p), nil
}
