package webconfig_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/genapp-go/genapp/internal/prometheustest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/internal/servetest"
	"github.com/genapp-go/genapp/metrics/webconfig"
)

// webConfig writes a web configuration file and returns its path.
func webConfig(t *testing.T, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "web-config.yml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// basicAuthConfig returns a web config file letting user in with password,
// hashed with bcrypt at the minimum cost to keep the test fast.
func basicAuthConfig(t *testing.T, user, password string) string {
	t.Helper()
	hash, err := bcrypt.GenerateFromPassword([]byte(password), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	return webConfig(t, "basic_auth_users:\n  "+user+": "+string(hash)+"\n")
}

// webGet fetches url with client, with basic auth when user is not empty,
// and returns the status and body.
func webGet(t *testing.T, client *http.Client, url, user, password string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.SetBasicAuth(user, password)
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

func TestServeBasicAuth(t *testing.T) {
	addr := servetest.Start(t, webconfig.File(basicAuthConfig(t, "prometheus", "s3cret")))
	url := "http://" + addr + metrics.MetricsPath
	client := &http.Client{Timeout: 5 * time.Second}

	for _, c := range []struct {
		name, user, password string
		want                 int
	}{
		{"no credentials", "", "", http.StatusUnauthorized},
		{"wrong password", "prometheus", "guess", http.StatusUnauthorized},
		{"unknown user", "admin", "s3cret", http.StatusUnauthorized},
		{"right password", "prometheus", "s3cret", http.StatusOK},
	} {
		status, body := webGet(t, client, url, c.user, c.password)
		if status != c.want {
			t.Errorf("%s: status %d, want %d", c.name, status, c.want)
		}
		if served := strings.Contains(body, "# TYPE "); served != (c.want == http.StatusOK) {
			t.Errorf("%s: metrics in the answer = %v:\n%.200s", c.name, served, body)
		}
	}
	if status, _ := webGet(t, client, "http://"+addr+metrics.LivenessPath, "", ""); status != http.StatusUnauthorized {
		t.Errorf("liveness without credentials: status %d, want 401 (the web config covers every path)", status)
	}
}

func TestServeFileErrors(t *testing.T) {
	dir := t.TempDir()
	for _, c := range []struct{ name, path string }{
		{"missing file", filepath.Join(dir, "absent.yml")},
		{"directory", dir},
		{"device", os.DevNull},
		{"not a bcrypt hash", webConfig(t, "basic_auth_users:\n  prometheus: plaintext\n")},
		{"unknown key", webConfig(t, "basic_auth:\n  prometheus: x\n")},
		{"certificate file missing", webConfig(t, "tls_server_config:\n  cert_file: "+filepath.Join(dir, "no.crt")+"\n  key_file: "+filepath.Join(dir, "no.key")+"\n")},
	} {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err = metrics.ServeListener(ctx, ln, webconfig.File(c.path))
		cancel()
		if err == nil || !strings.Contains(err.Error(), c.path) {
			t.Errorf("%s: err = %v, want an error naming %s", c.name, err, c.path)
		}
		if _, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
			t.Errorf("%s: the listener was left open", c.name)
		}
	}
}

func TestServeEmptyFileIsPlainHTTP(t *testing.T) {
	addr := servetest.Start(t, webconfig.File(""))
	if status, _ := webGet(t, &http.Client{Timeout: 5 * time.Second}, "http://"+addr+metrics.MetricsPath, "", ""); status != http.StatusOK {
		t.Fatalf("status %d, want 200", status)
	}
}

// testPKI is a CA and, signed by it, a server certificate for 127.0.0.1 and
// a client certificate, written as PEM files.
type testPKI struct {
	pool                  *x509.CertPool
	caFile                string
	serverCert, serverKey string
	clientCert, clientKey string
	clientTLS             tls.Certificate
}

func newTestPKI(t *testing.T) *testPKI {
	t.Helper()
	dir := t.TempDir()
	now := time.Now()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "genapp test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatal(err)
	}
	p := &testPKI{pool: x509.NewCertPool(), caFile: filepath.Join(dir, "ca.crt")}
	p.pool.AddCert(ca)
	writePEM(t, p.caFile, "CERTIFICATE", caDER)

	newCert := func(serial int64, name string, usage x509.ExtKeyUsage, ips []net.IP) (certFile, keyFile string, pair tls.Certificate) {
		key := newKey(t)
		der, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    now.Add(-time.Hour),
			NotAfter:     now.Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
		}, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalPKCS8PrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		certFile, keyFile = filepath.Join(dir, name+".crt"), filepath.Join(dir, name+".key")
		writePEM(t, certFile, "CERTIFICATE", der)
		writePEM(t, keyFile, "PRIVATE KEY", keyDER)
		pair, err = tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			t.Fatal(err)
		}
		return certFile, keyFile, pair
	}
	p.serverCert, p.serverKey, _ = newCert(2, "server", x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
	p.clientCert, p.clientKey, p.clientTLS = newCert(3, "client", x509.ExtKeyUsageClientAuth, nil)
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func writePEM(t *testing.T, path, blockType string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
}

func (p *testPKI) tlsConfig() string {
	return "tls_server_config:\n  cert_file: " + p.serverCert + "\n  key_file: " + p.serverKey + "\n"
}

func httpsClient(roots *x509.CertPool, certs ...tls.Certificate) *http.Client {
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots, Certificates: certs}},
	}
}

func TestServeTLS(t *testing.T) {
	p := newTestPKI(t)
	addr := servetest.Start(t, webconfig.File(webConfig(t, p.tlsConfig())))

	status, body := webGet(t, httpsClient(p.pool), "https://"+addr+metrics.MetricsPath, "", "")
	if status != http.StatusOK || !strings.Contains(body, "# TYPE ") {
		t.Fatalf("HTTPS with the test CA: status %d, want 200 and metrics:\n%.200s", status, body)
	}
	// Go's TLS server answers a plain HTTP request with 400 and no metrics.
	status, body = webGet(t, &http.Client{Timeout: 5 * time.Second}, "http://"+addr+metrics.MetricsPath, "", "")
	if status != http.StatusBadRequest || strings.Contains(body, "# TYPE ") {
		t.Fatalf("plain HTTP to the TLS port: status %d, want 400 and no metrics:\n%.200s", status, body)
	}
	if _, err := httpsClient(x509.NewCertPool()).Get("https://" + addr + metrics.MetricsPath); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("HTTPS trusting another CA: err = %v, want a certificate error", err)
	}
}

func TestServeClientCertificates(t *testing.T) {
	p := newTestPKI(t)
	addr := servetest.Start(t, webconfig.File(webConfig(t,
		p.tlsConfig()+"  client_auth_type: RequireAndVerifyClientCert\n  client_ca_file: "+p.caFile+"\n")))
	url := "https://" + addr + metrics.MetricsPath

	if status, _ := webGet(t, httpsClient(p.pool, p.clientTLS), url, "", ""); status != http.StatusOK {
		t.Fatalf("with the client certificate: status %d, want 200", status)
	}
	if _, err := httpsClient(p.pool).Get(url); err == nil {
		t.Fatal("without a client certificate: the request succeeded")
	}
}

// TestServeScrapedByPrometheus has a real Prometheus scrape the secured
// server: with basic_auth in its scrape config the target is up, with a
// wrong password it is down with a 401, and over HTTPS with the test CA as
// ca_file it is up.
func TestServeScrapedByPrometheus(t *testing.T) {
	authAddr := servetest.Start(t, webconfig.File(basicAuthConfig(t, "prometheus", "s3cret")))
	p := newTestPKI(t)
	tlsAddr := servetest.Start(t, webconfig.File(webConfig(t, p.tlsConfig())))

	srv := prometheustest.Start(t, prometheustest.Config{Jobs: []prometheustest.Job{
		{Name: "auth", Targets: []string{authAddr}, MetricsPath: metrics.MetricsPath,
			BasicAuth: &prometheustest.BasicAuth{Username: "prometheus", Password: "s3cret"}},
		{Name: "wrong", Targets: []string{authAddr}, MetricsPath: metrics.MetricsPath,
			BasicAuth: &prometheustest.BasicAuth{Username: "prometheus", Password: "guess"}},
		{Name: "tls", Targets: []string{tlsAddr}, MetricsPath: metrics.MetricsPath, Scheme: "https", CAFile: p.caFile},
	}})
	// Every target has been scraped once when up has a sample for each.
	srv.WaitVector(t, `count(up) == 3`, 15*time.Second)
	ctx := context.Background()
	targets, err := srv.Targets(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"auth": "up", "wrong": "down", "tls": "up"}
	for _, tg := range targets {
		job := tg.Labels["job"]
		if tg.Health != want[job] {
			t.Errorf("job %s: health %s (last error %q), want %s", job, tg.Health, tg.LastError, want[job])
		}
		if job == "wrong" && !strings.Contains(tg.LastError, "401") {
			t.Errorf("job wrong: last error %q, want a 401", tg.LastError)
		}
		delete(want, job)
	}
	if len(want) > 0 {
		t.Errorf("targets missing: %v", want)
	}
}
