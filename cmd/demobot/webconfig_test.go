package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// basicAuthFile writes a web config file letting prometheus in with
// password s3cret, and returns its path.
func basicAuthFile(t *testing.T) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(path, []byte("basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// statusOf GETs url, with the password of basicAuthFile when auth is set.
func statusOf(t *testing.T, url string, auth bool) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if auth {
		req.SetBasicAuth("prometheus", "s3cret")
	}
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestWebConfigFile: the demo process, secured by -web.config.file, asks
// for the password; once the file is truncated, and once it is removed,
// it still does (the last valid version stays in force), and it stops
// cleanly.
func TestWebConfigFile(t *testing.T) {
	t.Parallel()
	path := basicAuthFile(t)
	p := startProcess(t, "-metrics-addr", "127.0.0.1:0", "-web.config.file", path)
	if !strings.Contains(p.Stdout.String(), "(secured by "+path+")") {
		t.Errorf("start line does not say the server is secured:\n%s", p.Stdout.String())
	}
	for _, change := range []struct {
		name  string
		apply func() error
	}{
		{"at start", func() error { return nil }},
		{"truncated", func() error { return os.Truncate(path, 0) }},
		{"half written", func() error { return os.WriteFile(path, []byte("basic_auth_users:\n  prometheus: $2a$"), 0o600) }},
		{"removed", func() error { return os.Remove(path) }},
	} {
		if err := change.apply(); err != nil {
			t.Fatal(err)
		}
		if got := statusOf(t, p.metricsURL, false); got != http.StatusUnauthorized {
			t.Errorf("%s: without the password: status %d, want 401", change.name, got)
		}
		if got := statusOf(t, p.metricsURL, true); got != http.StatusOK {
			t.Errorf("%s: with the password: status %d, want 200", change.name, got)
		}
	}
	if !strings.Contains(p.Stderr.String(), "web config file rejected") {
		t.Errorf("the rejected versions were not logged:\n%s", p.Stderr)
	}
	if code, _ := p.Signal(t, syscall.SIGTERM); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
}

// TestWebConfigFileRefused: a web config file that is invalid, or secures
// nothing, stops the demo process with status 2 before anything else: the
// Bot API gets no request (no getMe, no setWebhook that would take the
// webhook from a healthy instance).
func TestWebConfigFileRefused(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	for name, text := range map[string]string{
		"broken": "tls_server_config: [not, a, map]\n",
		"empty":  "",
	} {
		t.Run(name, func(t *testing.T) {
			api := telegramtest.NewServer()
			defer api.Close()
			path := filepath.Join(dir, name+".yml")
			if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
				t.Fatal(err)
			}
			cmd := exec.Command(demobotBinary(t), "-token", api.Token, "-api-url", api.URL, "-mode", "webhook",
				"-webhook-url", "https://127.0.0.1:1/hook", "-webhook-listen", "127.0.0.1:0", "-metrics-addr", "127.0.0.1:0",
				"-web.config.file", path)
			cmd.Env = demoFreeEnv()
			out, err := cmd.CombinedOutput()
			if code := cmd.ProcessState.ExitCode(); code != 2 || !strings.Contains(string(out), path) {
				t.Errorf("exit status %d (%v), output:\n%s\nwant 2 and an error naming %s", code, err, out, path)
			}
			if calls := api.Calls(); len(calls) != 0 {
				t.Errorf("the Bot API got %d requests, first %v", len(calls), calls[0])
			}
		})
	}
}

// TestWebConfigAllowUnsecured: -web.config.allow-unsecured serves a file
// without TLS and basic auth, and the start line does not call it secured.
func TestWebConfigAllowUnsecured(t *testing.T) {
	t.Parallel()
	inProcess.Lock()
	defer inProcess.Unlock()
	path := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(path, []byte("http_server_config:\n  headers:\n    X-Frame-Options: deny\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := startRun(t, nil, "-metrics-addr", "127.0.0.1:0", "-project", "demobot_unsecured", "-web.config.file", path, "-web.config.allow-unsecured")
	if out := r.stdout.String(); strings.Contains(out, "secured by") || !strings.Contains(out, "-web.config.allow-unsecured") {
		t.Errorf("start line:\n%s\nwant it to name -web.config.allow-unsecured and not to say secured", out)
	}
	if got := statusOf(t, r.metricsURL, false); got != http.StatusOK {
		t.Errorf("status %d, want 200", got)
	}
	if code, _ := r.stop(t); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
}

// TestWebConfigTLS: with TLS in the web config, the demo prints an https
// URL, and serves it.
func TestWebConfigTLS(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	path := filepath.Join(dir, "web.yml")
	if err := os.WriteFile(path, []byte("tls_server_config:\n  cert_file: "+cert+"\n  key_file: "+key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := startProcess(t, "-metrics-addr", "127.0.0.1:0", "-web.config.file", path)
	if !strings.HasPrefix(p.metricsURL, "https://") {
		t.Fatalf("metrics URL %s, want https", p.metricsURL)
	}
	resp, err := tlsClient(t, cert).Get(p.metricsURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status %d, want 200", resp.StatusCode)
	}
	if code, _ := p.Signal(t, syscall.SIGTERM); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
}

// selfSigned writes a self-signed certificate for 127.0.0.1 and its key
// into dir.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
		SerialNumber: big.NewInt(1),
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}, &x509.Certificate{SerialNumber: big.NewInt(1)}, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "demo.crt"), filepath.Join(dir, "demo.key")
	for file, block := range map[string]*pem.Block{certFile: {Type: "CERTIFICATE", Bytes: der}, keyFile: {Type: "PRIVATE KEY", Bytes: keyDER}} {
		if err := os.WriteFile(file, pem.EncodeToMemory(block), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	return certFile, keyFile
}

// tlsClient trusts the certificate in certFile only.
func tlsClient(t *testing.T, certFile string) *http.Client {
	t.Helper()
	pemData, err := os.ReadFile(certFile)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(pemData) {
		t.Fatal("no certificate in " + certFile)
	}
	return &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
}
