package toolstest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/logtest"
)

// postgresReady is what postgres logs once it accepts connections.
const postgresReady = "database system is ready to accept connections"

// StartPostgres runs a PostgreSQL server of its own for the test, in a
// temporary data directory, on a free loopback port, with trust
// authentication for the superuser postgres, and returns its connection
// URL. It is stopped and its directory removed when the test ends. It
// skips the test when initdb and postgres are not installed (Debian's
// postgresql package puts them in /usr/lib/postgresql/<version>/bin),
// unless REQUIRE_PROMETHEUS=1. Run as root, it runs them as the postgres
// user, which PostgreSQL requires.
func StartPostgres(t testing.TB) string {
	t.Helper()
	bin := postgresBin(t)
	dir, err := os.MkdirTemp("", "genapp-postgres-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.RemoveAll(dir) })
	cred := postgresCredential(t, dir)
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	// The port is picked by the system and released before postgres binds
	// it; another process may take it in between, so a failed bind is
	// retried.
	const attempts = 3
	for i := 1; ; i++ {
		url, retry, err := startPostgres(t, bin, data, cred)
		if err == nil {
			return url
		}
		if !retry || i == attempts {
			t.Fatalf("postgres: %v", err)
		}
	}
}

// startPostgres runs postgres once. retry reports whether err was a port
// taken by someone else.
func startPostgres(t testing.TB, bin, data string, cred *syscall.Credential) (url string, retry bool, err error) {
	addr, err := freeAddr()
	if err != nil {
		return "", false, err
	}
	port := addr[strings.LastIndexByte(addr, ':')+1:]
	out := &logtest.Buffer{}
	cmd := exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-p", port,
		"-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories="+data, "-c", "fsync=off")
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if err := cmd.Start(); err != nil {
		return "", false, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGINT) // fast shutdown
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	deadline := time.Now().Add(readyTimeout)
	for !strings.Contains(out.String(), postgresReady) {
		select {
		case <-exited:
			log := out.String()
			return "", strings.Contains(log, "could not bind"), fmt.Errorf("exited before it was ready\noutput:\n%s", log)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			stop()
			return "", false, fmt.Errorf("not ready after %v\noutput:\n%s", readyTimeout, out.String())
		}
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("postgres output:\n%s", out.String())
		}
	})
	return "postgres://postgres@" + addr + "/postgres?sslmode=disable", false, nil
}

// postgresBin returns the directory of initdb and postgres.
func postgresBin(t testing.TB) string {
	t.Helper()
	if path, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(path)
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(dirs, func(a, b string) int { return version(a) - version(b) })
	for _, dir := range slices.Backward(dirs) {
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir
		}
	}
	missing(t, "initdb and postgres", "postgresql", errors.New("not on PATH nor in /usr/lib/postgresql/*/bin"))
	return ""
}

// version is the major version in /usr/lib/postgresql/<version>/bin.
func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// postgresCredential returns the postgres user to run as when the test runs
// as root, which initdb and postgres refuse, after giving it dir; else nil.
func postgresCredential(t testing.TB, dir string) *syscall.Credential {
	t.Helper()
	if os.Geteuid() != 0 {
		return nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		t.Fatalf("running as root, PostgreSQL needs the postgres user (made by the postgresql package): %v", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
}
