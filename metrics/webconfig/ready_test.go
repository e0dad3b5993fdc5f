package webconfig_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/internal/servetest"
	"github.com/genapp-go/genapp/metrics/webconfig"
)

// TestServeReadinessBasicAuth: /ready is behind basic auth, as every path
// is: 401 without the password, what the check says with it.
func TestServeReadinessBasicAuth(t *testing.T) {
	addr := servetest.Start(t, webconfig.File(basicAuthConfig(t, "kubelet", "s3cret")),
		metrics.WithReadiness(func() error { return errors.New("telegram: polling is stopping") }))
	url := "http://" + addr + metrics.ReadinessPath
	client := &http.Client{Timeout: 5 * time.Second}
	if status, body := webGet(t, client, url, "", ""); status != http.StatusUnauthorized {
		t.Errorf("/ready without credentials: %d %q, want 401", status, body)
	}
	if status, body := webGet(t, client, url, "kubelet", "s3cret"); status != http.StatusServiceUnavailable || body != "not ready: telegram: polling is stopping\n" {
		t.Errorf("/ready with the password: %d %q, want 503 and the reason", status, body)
	}
}
