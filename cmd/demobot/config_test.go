package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/logtest"
)

// TestBadCommandLine: every bad flag or variable exits with status 2 and a
// message naming what is wrong and what is allowed, before any network
// activity: the Bot API (a server counting requests) is never called and
// the metrics address (held by the test) is never listened on, which would
// fail with status 1.
func TestBadCommandLine(t *testing.T) {
	var calls atomic.Int64
	api := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { calls.Add(1) }))
	defer api.Close()
	held, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	emptyFile := filepath.Join(t.TempDir(), "web.yml")
	if err := os.WriteFile(emptyFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	online := []string{"-token", "123456:" + strings.Repeat("x", 35), "-api-url", api.URL, "-metrics-addr", held.Addr().String()}

	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want []string // in the message
	}{
		{"env flag", []string{"-env", "staging"}, nil, []string{`env "staging" is not allowed`, "dev, preprod, prod", "-env"}},
		{"env variable", nil, map[string]string{"APP_ENV": "production"}, []string{`env "production" is not allowed`, "dev, preprod, prod", "APP_ENV"}},
		{"empty project", []string{"-project", " "}, nil, []string{"project name is empty", "-project"}},
		{"framework", []string{"-framework", "aiogram"}, nil, []string{`-framework "aiogram"`, "telebot or tgbotapi"}},
		{"mode", []string{"-mode", "push"}, nil, []string{`-mode "push"`, "polling or webhook"}},
		{"negative duration", []string{"-duration", "-1s"}, nil, []string{"-duration (or DEMO_DURATION) -1s is negative"}},
		{"duration variable", nil, map[string]string{"DEMO_DURATION": "soon"}, []string{"environment variable DEMO_DURATION", `"soon"`, "want a duration such as 30s"}},
		{"negative duration variable", nil, map[string]string{"DEMO_DURATION": "-3s"}, []string{"-duration (or DEMO_DURATION) -3s is negative"}},
		{"interval variable", nil, map[string]string{"WEBHOOK_INFO_INTERVAL": "30"}, []string{"environment variable WEBHOOK_INFO_INTERVAL", `"30"`, "want a duration such as 30s"}},
		{"native histograms variable", nil, map[string]string{"NATIVE_HISTOGRAMS": "yes"}, []string{"environment variable NATIVE_HISTOGRAMS", `"yes"`, "want true or false"}},
		{"api url", []string{"-api-url", "api.telegram.org"}, nil, []string{`-api-url "api.telegram.org" is not an absolute http or https URL`}},
		{"webhook without public URL", []string{"-mode", "webhook"}, nil, []string{"-mode webhook with a token needs -webhook-url"}},
		{"webhook info interval", []string{"-webhook-info-interval", "100ms"}, nil, []string{"-webhook-info-interval (or WEBHOOK_INFO_INTERVAL) 100ms", "at least 1s"}},
		{"argument", []string{"start"}, nil, []string{`unexpected argument "start"`}},
		{"unknown flag", []string{"-verbose"}, nil, []string{"flag provided but not defined: -verbose"}},
		{"renamed flag", []string{"-listen", "127.0.0.1:9464"}, nil, []string{"demobot: flag provided but not defined: -listen: -listen is now -metrics-addr (METRICS_ADDR is unchanged)\n"}},
		{"renamed flag with a value", []string{"--listen=:9464"}, nil, []string{"-listen is now -metrics-addr (METRICS_ADDR is unchanged)"}},
		{"missing web config", []string{"-web.config.file", "/nonexistent/web.yml"}, nil, []string{"-web.config.file", "/nonexistent/web.yml", "no such file"}},
		{"empty web config", []string{"-web.config.file", emptyFile}, nil, []string{"-web.config.file", emptyFile, "neither TLS", "-web.config.allow-unsecured"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr logtest.Buffer
			code := run(context.Background(), append(append([]string{}, online...), tc.args...), envOf(tc.env), &stdout, &stderr)
			if code != 2 {
				t.Errorf("exit status %d, want 2; stderr:\n%s", code, stderr.String())
			}
			for _, w := range tc.want {
				if !strings.Contains(stderr.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, stderr.String())
				}
			}
			if stdout.String() != "" {
				t.Errorf("stdout %q, want nothing", stdout.String())
			}
			noToken(t, "stderr", stderr.String(), online[1])
		})
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("the Bot API got %d requests", n)
	}
}

// TestHelp: -help lists every flag with its environment variable, exits 0,
// and never shows the token, even when it is set.
func TestHelp(t *testing.T) {
	var stdout, stderr logtest.Buffer
	token := "123456:" + strings.Repeat("y", 35)
	if code := run(context.Background(), []string{"-help"}, envOf(map[string]string{"TELEGRAM_BOT_TOKEN": token}), &stdout, &stderr); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	for flag, env := range envVars {
		if !strings.Contains(stderr.String(), "-"+flag) || !strings.Contains(stderr.String(), "(env "+env+")") {
			t.Errorf("help lacks -%s or %s:\n%s", flag, env, stderr.String())
		}
	}
	noToken(t, "help", stderr.String(), token)
}

// TestFlagTable: docs/demo.md's table of flags has a row for every flag,
// with its variable, and its -framework row names every framework.
func TestFlagTable(t *testing.T) {
	doc, err := os.ReadFile("../../docs/demo.md")
	if err != nil {
		t.Fatal(err)
	}
	rows := map[string]string{} // flag -> its row
	for line := range strings.Lines(string(doc)) {
		if cells := strings.Split(line, "|"); len(cells) > 3 && strings.HasPrefix(strings.TrimSpace(cells[1]), "`-") {
			rows[strings.Trim(strings.TrimSpace(cells[1]), "`-")] = line
		}
	}
	for flag, env := range envVars {
		row, ok := rows[flag]
		if !ok {
			t.Errorf("docs/demo.md: no row for -%s", flag)
			continue
		}
		if !strings.Contains(row, "`"+env+"`") {
			t.Errorf("docs/demo.md: the row of -%s does not name %s: %s", flag, env, row)
		}
	}
	for flag := range rows {
		if _, ok := envVars[flag]; !ok {
			t.Errorf("docs/demo.md: a row for -%s, which demobot does not take", flag)
		}
	}
	for _, fw := range frameworks {
		if !strings.Contains(rows["framework"], "`"+fw+"`") {
			t.Errorf("docs/demo.md: the row of -framework does not name %s: %s", fw, rows["framework"])
		}
	}
}

// TestFlagsOverEnvironment: a flag wins over its variable, a variable over
// the default.
func TestFlagsOverEnvironment(t *testing.T) {
	cfg, err := parseConfig([]string{"-framework", "telebot"},
		envOf(map[string]string{"BOT_FRAMEWORK": "tgbotapi", "METRICS_ADDR": "127.0.0.1:1234", "DEMO_DURATION": "90s"}), &logtest.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.framework != "telebot" || cfg.metricsAddr != "127.0.0.1:1234" || cfg.duration != 90*time.Second || cfg.env != "dev" {
		t.Errorf("got %+v", cfg)
	}
}

// TestBadWebhookURLNotPrinted: a -webhook-url that is refused is not
// quoted: its path may hold a secret.
func TestBadWebhookURLNotPrinted(t *testing.T) {
	for _, webhookURL := range []string{"ftp://example.com/hook-s3cret", "example.com/hook-s3cret", "https://example.com/%zzhook-s3cret"} {
		var stdout, stderr logtest.Buffer
		code := run(context.Background(), []string{"-mode", "webhook", "-webhook-url", webhookURL}, envOf(nil), &stdout, &stderr)
		if code != 2 || !strings.Contains(stderr.String(), "-webhook-url") || strings.Contains(stderr.String(), "s3cret") {
			t.Errorf("-webhook-url %s: exit status %d, stderr %q; want 2, the flag named and the URL not shown", webhookURL, code, stderr.String())
		}
	}
}

// TestBadWebhookSecretNotPrinted: a -webhook-secret (or WEBHOOK_SECRET)
// that setWebhook would refuse stops the demo with status 2, a message
// naming the flag and what is allowed, and the secret not shown.
func TestBadWebhookSecretNotPrinted(t *testing.T) {
	for _, tc := range []struct {
		name   string
		args   []string
		env    map[string]string
		secret string
	}{
		{"flag, bad character", nil, nil, "s3cret!"},
		{"flag, too long", nil, nil, "s3cret" + strings.Repeat("x", 251)},
		{"variable, space", nil, map[string]string{"WEBHOOK_SECRET": "s3cret s3cret"}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			args := []string{"-mode", "webhook"}
			if tc.secret != "" {
				args = append(args, "-webhook-secret", tc.secret)
			}
			var stdout, stderr logtest.Buffer
			code := run(context.Background(), args, envOf(tc.env), &stdout, &stderr)
			if code != 2 || !strings.Contains(stderr.String(), "-webhook-secret") || !strings.Contains(stderr.String(), "[A-Za-z0-9_-]") || strings.Contains(stderr.String(), "s3cret") {
				t.Errorf("exit status %d, stderr %q; want 2, the flag and the allowed characters named, the secret not shown", code, stderr.String())
			}
		})
	}
	for _, secret := range []string{"a", strings.Repeat("Az09_-", 42) + "abcd"} {
		if cfg, err := parseConfig(nil, envOf(map[string]string{"WEBHOOK_SECRET": secret}), &logtest.Buffer{}); err != nil || cfg.webhookSecret != secret {
			t.Errorf("WEBHOOK_SECRET of %d characters: %v, secret %q", len(secret), err, cfg.webhookSecret)
		}
	}
}
