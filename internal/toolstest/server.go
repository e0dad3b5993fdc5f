package toolstest

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/logtest"
)

// Timeouts of StartServer.
const (
	readyTimeout = 20 * time.Second // from start to a 200 on the ready path
	stopTimeout  = 5 * time.Second  // from SIGTERM to SIGKILL
)

// StartServer runs the program name (see Require) as a server on a free
// loopback port and returns its base URL, such as
// http://127.0.0.1:40123/3f9c0a1b2d4e5f60, once GET base URL + readyPath
// answers 200. args gives the command line for the address (host:port) the
// program must listen on and the route prefix it must serve under
// (--web.route-prefix of Prometheus servers): a random prefix, so that a
// server of another test that took the same port cannot pass for this one.
// The program is stopped when the test ends, and its output logged if the
// test failed.
func StartServer(t testing.TB, name string, args func(addr, routePrefix string) []string, readyPath string) string {
	t.Helper()
	bin := Require(t, name)
	// The port is picked by the system and released before the program binds
	// it; another process may take it in between, so a failed bind is retried.
	const attempts = 3
	for i := 1; ; i++ {
		url, retry, err := startServer(t, bin, args, readyPath)
		if err == nil {
			return url
		}
		if !retry || i == attempts {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

// startServer runs bin once. retry reports whether err was a port taken by
// someone else.
func startServer(t testing.TB, bin string, args func(addr, routePrefix string) []string, readyPath string) (url string, retry bool, err error) {
	addr, err := freeAddr()
	if err != nil {
		return "", false, err
	}
	prefix := "/" + rand.Text()
	out := &logtest.Buffer{}
	cmd := exec.Command(bin, args(addr, prefix)...)
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		return "", false, err
	}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	stop := func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(stopTimeout):
			_ = cmd.Process.Kill()
			<-exited
		}
	}
	url = "http://" + addr + prefix
	if err := waitReady(url+readyPath, exited); err != nil {
		stop()
		log := out.String()
		return "", strings.Contains(log, "address already in use"), fmt.Errorf("%v\noutput:\n%s", err, log)
	}
	t.Cleanup(func() {
		stop()
		if t.Failed() {
			t.Logf("%s output:\n%s", bin, out.String())
		}
	})
	return url, false, nil
}

// waitReady polls url until it answers 200, the program exits, or
// readyTimeout passes.
func waitReady(url string, exited <-chan struct{}) error {
	deadline := time.Now().Add(readyTimeout)
	client := &http.Client{Timeout: time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			return errors.New("exited before it was ready")
		default:
		}
		if resp, err := client.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("%s did not answer 200 within %v", url, readyTimeout)
}

// freeAddr returns a loopback address with a port nobody listens on now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	addr := ln.Addr().String()
	return addr, ln.Close()
}

// StartPushgateway runs a Pushgateway (see StartServer) that keeps metrics
// in memory only: the Debian package's default --persistence.file would
// share pushed metrics between tests and runs.
func StartPushgateway(t testing.TB) string {
	t.Helper()
	return StartServer(t, "pushgateway", func(addr, routePrefix string) []string {
		return []string{"--web.listen-address=" + addr, "--web.route-prefix=" + routePrefix, "--persistence.file="}
	}, "/-/ready")
}

// StartAlertmanager runs an Alertmanager (see StartServer) with the
// configuration config (alertmanager.yml text), on its own: clustering is
// off, and its notification log and silences live in a temporary directory.
func StartAlertmanager(t testing.TB, config string) string {
	t.Helper()
	dir := t.TempDir()
	configFile := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(configFile, []byte(config), 0o600); err != nil {
		t.Fatal(err)
	}
	return StartServer(t, "alertmanager", func(addr, routePrefix string) []string {
		return []string{
			"--config.file=" + configFile,
			"--storage.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr,
			"--web.route-prefix=" + routePrefix,
			"--cluster.listen-address=",
		}
	}, "/-/ready")
}

// StartVictoriaMetrics runs a single-node VictoriaMetrics (see StartServer)
// with its data in a temporary directory. Prometheus remote-writes to the
// returned URL + "/api/v1/write"; the URL serves the Prometheus query API.
// Queries see samples as soon as they are stored: the default
// -search.latencyOffset would hide the last 30 s.
func StartVictoriaMetrics(t testing.TB) string {
	t.Helper()
	dir := t.TempDir()
	run := 0
	return StartServer(t, "victoria-metrics", func(addr, routePrefix string) []string {
		run++ // a retried start gets a fresh data directory
		return []string{
			"-httpListenAddr=" + addr,
			"-http.pathPrefix=" + routePrefix,
			"-storageDataPath=" + filepath.Join(dir, fmt.Sprintf("data%d", run)),
			"-search.latencyOffset=0s",
			"-search.disableCache",
		}
	}, "/health")
}
