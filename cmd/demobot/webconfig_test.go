package main

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/genapp-go/genapp/internal/syncbuf"
)

// TestWebConfigFile: -web.config.file secures the metrics server with basic
// auth; a file the server cannot use stops the demo with status 1.
func TestWebConfigFile(t *testing.T) {
	t.Parallel()
	inProcess.Lock()
	defer inProcess.Unlock()
	hash, err := bcrypt.GenerateFromPassword([]byte("s3cret"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "web.yml")
	if err := os.WriteFile(good, []byte("basic_auth_users:\n  prometheus: "+string(hash)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	r := startRun(t, nil, "-listen", "127.0.0.1:0", "-project", "demobot_secured", "-web.config.file", good)
	if !strings.Contains(r.stdout.String(), "(secured by "+good+")") {
		t.Errorf("start line does not say the server is secured:\n%s", r.stdout.String())
	}
	for _, c := range []struct {
		user, password string
		want           int
	}{
		{"", "", http.StatusUnauthorized},
		{"prometheus", "wrong", http.StatusUnauthorized},
		{"prometheus", "s3cret", http.StatusOK},
	} {
		req, err := http.NewRequest(http.MethodGet, r.metricsURL, nil)
		if err != nil {
			t.Fatal(err)
		}
		if c.user != "" {
			req.SetBasicAuth(c.user, c.password)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != c.want {
			t.Errorf("user %q password %q: status %d, want %d", c.user, c.password, resp.StatusCode, c.want)
		}
	}
	if code, _ := r.stop(t); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}

	bad := filepath.Join(dir, "bad.yml")
	if err := os.WriteFile(bad, []byte("tls_server_config: [not, a, map]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	var stdout, stderr syncbuf.Buffer
	done := make(chan int, 1)
	go func() {
		done <- run(t.Context(), []string{"-listen", "127.0.0.1:0", "-project", "demobot_bad_web", "-web.config.file", bad},
			envOf(nil), &stdout, &stderr)
	}()
	select {
	case code := <-done:
		if code != 1 || !strings.Contains(stderr.String(), "metrics server") || !strings.Contains(stderr.String(), bad) {
			t.Errorf("bad web config: exit status %d, stderr:\n%s\nwant 1 and an error naming the metrics server and the file", code, stderr.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("a bad web config did not stop the demo within 5 s; stderr:\n%s", stderr.String())
	}
}
