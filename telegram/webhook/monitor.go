package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/genapp-go/genapp/httpclient"
	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/option"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// DefaultAPIURL is the Bot API a [Monitor] asks unless [WithAPIURL] says
// otherwise.
const DefaultAPIURL = "https://api.telegram.org"

// The time between two polls of a [Monitor]: see [WithInterval].
const (
	DefaultInterval = 15 * time.Second
	MinInterval     = time.Second
)

// maxAnswer bounds a getWebhookInfo answer: a real one is a few hundred
// bytes.
const maxAnswer = 64 << 10

// Monitor polls getWebhookInfo and records what Telegram holds for the
// bot's webhook: genapp_telegram_webhook_pending_updates (the updates not
// yet delivered: a backlog that grows while the webhook fails or answers
// slowly) and genapp_telegram_webhook_last_error_age_sec (the seconds since
// the last failed delivery, absent while Telegram reports none). See
// [metrics.Metrics.SetTelegramWebhookInfo].
//
// Make it with [NewMonitor] and run it beside the webhook server, for as
// long as the bot runs:
//
//	client := httpclient.NewTelegram(os.Getenv("BOT_TOKEN"))
//	mon, err := webhook.NewMonitor(client)
//	if err != nil {
//		log.Fatal(err)
//	}
//	go func() { log.Println(mon.Run(ctx)) }()
type Monitor struct {
	client   *http.Client
	endpoint string // getWebhookInfo's URL, with httpclient.TokenPlaceholder
	metrics  func() *metrics.Metrics
	interval time.Duration
	logger   *slog.Logger
}

// MonitorOption configures a [Monitor].
type MonitorOption func(*Monitor) error

// WithMetrics records the gauges in m instead of [metrics.Default], which
// is otherwise looked up at each poll. A nil m records nothing.
func WithMetrics(m *metrics.Metrics) MonitorOption {
	return func(mon *Monitor) error {
		mon.metrics = func() *metrics.Metrics { return m }
		return nil
	}
}

// WithAPIURL sets the Bot API's base URL, an http or https URL without a
// query; the default is [DefaultAPIURL].
func WithAPIURL(apiURL string) MonitorOption {
	return func(mon *Monitor) error {
		u, err := url.Parse(apiURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			return fmt.Errorf("webhook: WithAPIURL(%q): want an http or https URL without a query, such as %s", bottoken.Redact(apiURL), DefaultAPIURL)
		}
		mon.endpoint = endpoint(apiURL)
		return nil
	}
}

// WithInterval sets the time between two polls, at least [MinInterval];
// the default is [DefaultInterval].
func WithInterval(d time.Duration) MonitorOption {
	return func(mon *Monitor) error {
		if d < MinInterval {
			return fmt.Errorf("webhook: WithInterval(%v): want at least MinInterval (%v)", d, MinInterval)
		}
		mon.interval = d
		return nil
	}
}

// WithLogger sets the logger that receives a warning for each failed poll;
// the default is slog.Default(), looked up when Run starts.
func WithLogger(l *slog.Logger) MonitorOption {
	return func(mon *Monitor) error {
		if l == nil {
			return errors.New("webhook: WithLogger(nil): want a logger")
		}
		mon.logger = l
		return nil
	}
}

// NewMonitor returns a Monitor that calls the Bot API with client, which
// must come from httpclient.NewTelegram: the requests hold
// httpclient.TokenPlaceholder, which that client replaces with the bot
// token, so that no URL, error or log line of the Monitor holds the token.
// A nil client or option, and a bad option, are errors that name them.
func NewMonitor(client *http.Client, opts ...MonitorOption) (*Monitor, error) {
	if client == nil {
		return nil, errors.New("webhook: NewMonitor with a nil *http.Client: want the one of httpclient.NewTelegram")
	}
	mon := &Monitor{client: client, endpoint: endpoint(DefaultAPIURL), metrics: metrics.Default, interval: DefaultInterval}
	if err := option.Apply("webhook: NewMonitor", mon, opts); err != nil {
		return nil, err
	}
	return mon, nil
}

// endpoint is the getWebhookInfo URL of the Bot API at apiURL.
func endpoint(apiURL string) string {
	return strings.TrimSuffix(apiURL, "/") + "/bot" + httpclient.TokenPlaceholder + "/getWebhookInfo"
}

// Run polls getWebhookInfo at once, then every interval ([WithInterval]),
// until ctx ends (it then returns nil) or the Bot API answers 401 (the
// token was revoked or is wrong, which waiting does not cure: it returns an
// error that says so). A poll that fails (a transport error, an answer that
// is not a getWebhookInfo result, one longer than 64 KB, a 5xx) is logged
// and retried with exponential backoff and jitter, 1 s to 30 s, or after
// the retry_after of a 429 (at most an hour); the gauges keep what the last
// successful poll recorded. On a Monitor not made by NewMonitor it returns
// an error at once.
func (mon *Monitor) Run(ctx context.Context) error {
	if mon == nil || mon.client == nil {
		return errors.New("webhook: Monitor.Run on a Monitor not made by NewMonitor")
	}
	logger := mon.logger
	if logger == nil {
		logger = slog.Default()
	}
	var retry polling.Retry
	for ctx.Err() == nil {
		wait := mon.interval
		info, f := mon.poll(ctx)
		switch {
		case f == nil:
			retry.Succeeded()
			mon.metrics().SetTelegramWebhookInfo(info.pending, info.lastError)
		case ctx.Err() != nil:
			return nil
		default:
			if f.code == http.StatusUnauthorized {
				return fmt.Errorf("webhook: Monitor: getWebhookInfo answered 401, %s", polling.StopReason(f.code))
			}
			wait = retry.Failed(f.retryAfter)
			logger.Warn("webhook: getWebhookInfo failed, retrying", "error", f.err, "status", f.code, "retry_in", wait)
		}
		polling.Sleep(ctx.Done(), wait)
	}
	return nil
}

// webhookInfo is what a poll records.
type webhookInfo struct {
	pending   int
	lastError time.Time // zero: none
}

// failure is a failed poll: the error, the HTTP status (0 without an
// answer) and the wait a 429 asked for.
type failure struct {
	err        error
	code       int
	retryAfter time.Duration
}

// answer is a Bot API answer to getWebhookInfo.
type answer struct {
	OK     bool `json:"ok"`
	Result *struct {
		PendingUpdateCount *int  `json:"pending_update_count"`
		LastErrorDate      int64 `json:"last_error_date"`
	} `json:"result"`
	Parameters struct {
		RetryAfter float64 `json:"retry_after"`
	} `json:"parameters"`
}

// poll calls getWebhookInfo once.
func (mon *Monitor) poll(ctx context.Context) (webhookInfo, *failure) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, mon.endpoint, nil)
	if err != nil {
		return webhookInfo{}, &failure{err: err}
	}
	resp, err := mon.client.Do(req)
	if err != nil {
		return webhookInfo{}, &failure{err: err}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	switch {
	case err != nil:
		return webhookInfo{}, &failure{err: err, code: resp.StatusCode}
	case len(body) > maxAnswer:
		return webhookInfo{}, &failure{err: fmt.Errorf("the answer is longer than %d bytes", maxAnswer), code: resp.StatusCode}
	}
	var a answer
	jsonErr := json.Unmarshal(body, &a)
	if resp.StatusCode != http.StatusOK {
		f := &failure{err: fmt.Errorf("status %d", resp.StatusCode), code: resp.StatusCode}
		if resp.StatusCode == http.StatusTooManyRequests && jsonErr == nil {
			f.retryAfter = polling.RetryAfter(a.Parameters.RetryAfter)
		}
		return webhookInfo{}, f
	}
	if jsonErr != nil || !a.OK || a.Result == nil || a.Result.PendingUpdateCount == nil || *a.Result.PendingUpdateCount < 0 {
		return webhookInfo{}, &failure{err: errors.New("the answer is not a getWebhookInfo result with a pending_update_count of 0 or more"), code: resp.StatusCode}
	}
	return webhookInfo{pending: *a.Result.PendingUpdateCount, lastError: telegram.Date(a.Result.LastErrorDate)}, nil
}
