package webconfig_test

import (
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/genapp-go/genapp/internal/logtest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/internal/servetest"
	"github.com/genapp-go/genapp/metrics/webconfig"
)

// TestSecuringNothing: an empty file, or one with headers only,
// secures nothing and is refused unless AllowUnsecured says so.
func TestSecuringNothing(t *testing.T) {
	for name, text := range map[string]string{
		"empty":        "",
		"headers only": "http_server_config:\n  headers:\n    X-Frame-Options: deny\n",
	} {
		path := webConfig(t, text)
		if _, err := webconfig.Load(path); err == nil || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "neither TLS") {
			t.Errorf("%s: err = %v, want an error naming the file and saying it configures neither TLS nor basic auth", name, err)
		}
		wc, err := webconfig.Load(path, webconfig.AllowUnsecured())
		if err != nil {
			t.Fatalf("%s, allowed: %v", name, err)
		}
		if wc.Scheme() != "http" {
			t.Errorf("%s: scheme %s, want http", name, wc.Scheme())
		}
		addr := servetest.Start(t, metrics.WithSecurity(wc))
		if status, _ := webGet(t, &http.Client{Timeout: 5 * time.Second}, "http://"+addr+metrics.MetricsPath, "", ""); status != http.StatusOK {
			t.Errorf("%s, allowed: status %d, want 200", name, status)
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := metrics.ServeListener(t.Context(), ln, webconfig.File(webConfig(t, ""))); err == nil || !strings.Contains(err.Error(), "neither TLS") {
		t.Errorf("File of an empty file: err = %v, want a refusal", err)
	}
}

// writeFile replaces the content of path, as an editor or a shell
// redirection would.
func writeFile(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestChangedWhileServing: a new valid version of the file takes
// effect on the next request (a rotated password); a version that is empty,
// broken, missing, secures nothing or turns TLS on leaves the last valid one
// in force: the server never serves without authentication.
func TestChangedWhileServing(t *testing.T) {
	path := basicAuthConfig(t, "prometheus", "s3cret")
	var log logtest.Buffer
	wc, err := webconfig.Load(path, webconfig.WithLogger(slog.New(slog.NewTextHandler(&log, nil))))
	if err != nil {
		t.Fatal(err)
	}
	addr := servetest.Start(t, metrics.WithSecurity(wc))
	url := "http://" + addr + metrics.MetricsPath
	client := &http.Client{Timeout: 5 * time.Second}
	expect := func(when, password string) {
		t.Helper()
		for _, c := range []struct{ user, password string }{{"", ""}, {"prometheus", "guess"}} {
			if status, _ := webGet(t, client, url, c.user, c.password); status != http.StatusUnauthorized {
				t.Errorf("%s, password %q: status %d, want 401", when, c.password, status)
			}
		}
		if status, _ := webGet(t, client, url, "prometheus", password); status != http.StatusOK {
			t.Errorf("%s, password %q: status %d, want 200", when, password, status)
		}
	}
	expect("at start", "s3cret")

	hash, err := bcrypt.GenerateFromPassword([]byte("rotated"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, path, "basic_auth_users:\n  prometheus: "+string(hash)+"\n")
	expect("password rotated", "rotated")
	if status, _ := webGet(t, client, url, "prometheus", "s3cret"); status != http.StatusUnauthorized {
		t.Errorf("old password after rotation: status %d, want 401", status)
	}
	p := newTestPKI(t)
	for name, text := range map[string]string{
		"truncated":       "",
		"half written":    "basic_auth_users:\n  prometheus: $2a$04$",
		"not YAML":        "basic_auth_users: [\n",
		"unknown key":     "basic_auth:\n  prometheus: x\n",
		"headers only":    "http_server_config:\n  headers:\n    X-Frame-Options: deny\n",
		"TLS turned on":   p.tlsConfig(),
		"users commented": "# basic_auth_users:\n#   prometheus: " + string(hash) + "\n",
	} {
		writeFile(t, path, text)
		expect(name, "rotated")
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	expect("file removed", "rotated")

	text := log.String()
	if n := strings.Count(text, "web config file rejected"); n != 8 {
		t.Errorf("%d rejections logged, want 8 (one per version):\n%s", n, text)
	}
	if !strings.Contains(text, "web config file reloaded") {
		t.Errorf("the rotation was not logged:\n%s", text)
	}
	if strings.Contains(text, string(hash)) || strings.Contains(text, "rotated") {
		t.Errorf("the log holds a password or its hash:\n%s", text)
	}
}

// TestTLSChangedWhileServing: a TLS server keeps serving HTTPS,
// with the last valid certificate settings, when its file is emptied; and
// never answers plain HTTP.
func TestTLSChangedWhileServing(t *testing.T) {
	p := newTestPKI(t)
	path := webConfig(t, p.tlsConfig())
	wc, err := webconfig.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if wc.Scheme() != "https" {
		t.Fatalf("scheme %s, want https", wc.Scheme())
	}
	addr := servetest.Start(t, metrics.WithSecurity(wc))
	for _, text := range []string{"", "basic_auth_users: [\n", "tls_server_config:\n  cert_file: " + p.serverCert + "\n"} {
		writeFile(t, path, text)
		if status, _ := webGet(t, httpsClient(p.pool), "https://"+addr+metrics.MetricsPath, "", ""); status != http.StatusOK {
			t.Errorf("file %q: HTTPS status %d, want 200 with the last valid version", text, status)
		}
		if status, body := webGet(t, &http.Client{Timeout: 5 * time.Second}, "http://"+addr+metrics.MetricsPath, "", ""); status != http.StatusBadRequest || strings.Contains(body, "# TYPE ") {
			t.Errorf("file %q: plain HTTP status %d, want 400 and no metrics", text, status)
		}
	}
}

// TestCutShortKeepsAuth: a file cut short as it is rewritten,
// whose first lines still configure TLS, does not drop basic auth or the
// client certificate check: the last valid version stays in force and the
// server stays closed to a client without them.
func TestCutShortKeepsAuth(t *testing.T) {
	p := newTestPKI(t)
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	clientAuth := "  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: " + p.caFile + "\n"
	users := "basic_auth_users:\n  prometheus: " + string(hash) + "\n"
	path := webConfig(t, p.tlsConfig()+clientAuth+users)
	wc, err := webconfig.Load(path, webconfig.WithLogger(slog.New(slog.NewTextHandler(&logtest.Buffer{}, nil))))
	if err != nil {
		t.Fatal(err)
	}
	url := "https://" + servetest.Start(t, metrics.WithSecurity(wc)) + metrics.MetricsPath
	for _, text := range []string{p.tlsConfig() + clientAuth, p.tlsConfig() + users, p.tlsConfig()} {
		writeFile(t, path, text)
		if status, body := webGet(t, httpsClient(p.pool, p.clientTLS), url, "", ""); status != http.StatusUnauthorized || strings.Contains(body, "# TYPE ") {
			t.Errorf("file %q: with a client certificate and no password: status %d, want 401", text, status)
		}
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.SetBasicAuth("prometheus", "s3cret")
		if resp, err := httpsClient(p.pool).Do(req); err == nil {
			resp.Body.Close()
			t.Errorf("file %q: with the password and no client certificate: status %d, want the handshake refused", text, resp.StatusCode)
		}
	}
	if status, _ := webGet(t, httpsClient(p.pool, p.clientTLS), url, "prometheus", "s3cret"); status != http.StatusOK {
		t.Errorf("with both: status %d, want 200", status)
	}
}
