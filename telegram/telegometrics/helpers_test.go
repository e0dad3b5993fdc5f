package telegometrics_test

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/mymmrac/telego"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram/telegometrics"
)

// logs is a telego.Logger that keeps every line, for tests to read.
type logs struct {
	mu    sync.Mutex
	lines []string
}

func (l *logs) Debugf(format string, args ...any) { l.add("DEBUG "+format, args) }
func (l *logs) Errorf(format string, args ...any) { l.add("ERROR "+format, args) }

func (l *logs) add(format string, args []any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

// errors returns the error lines logged.
func (l *logs) errors() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var errs []string
	for _, line := range l.lines {
		if s, ok := strings.CutPrefix(line, "ERROR "); ok {
			errs = append(errs, s)
		}
	}
	return errs
}

func (l *logs) text() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.lines, "\n")
}

// newBot is a telego bot on the Bot API at url with the real token kept in
// an httpclient.NewTelegram client recording in m; its log lines, debug
// ones included, go to the returned logs.
func newBot(t testing.TB, url, token string, m *metrics.Metrics) (*telego.Bot, *http.Client, *logs) {
	t.Helper()
	l := &logs{}
	client := httpclient.NewTelegram(token, httpclient.WithMetrics(m))
	bot, err := telego.NewBot(telegometrics.TokenPlaceholder, telegometrics.WithClient(client),
		telego.WithAPIServer(url), telego.WithLogger(l), telego.WithDebugMode())
	if err != nil {
		t.Fatal(err)
	}
	return bot, client, l
}
