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
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// DefaultAPIURL is the Bot API the [Monitor] asks when its APIURL is empty.
const DefaultAPIURL = "https://api.telegram.org"

// Limits of [Monitor.Interval].
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
// Its zero value is not ready: Client is required. Run it beside the
// webhook server, for as long as the bot runs:
//
//	client := httpclient.NewTelegram(os.Getenv("BOT_TOKEN"))
//	mon := &webhook.Monitor{Client: client}
//	go func() { log.Println(mon.Run(ctx)) }()
type Monitor struct {
	// Client calls the Bot API. It must come from httpclient.NewTelegram:
	// the requests hold httpclient.TokenPlaceholder, which that client
	// replaces with the bot token, so that no URL, error or log line of
	// the Monitor holds the token.
	Client *http.Client
	// APIURL is the Bot API's base URL, DefaultAPIURL when empty.
	APIURL string
	// Metrics records the gauges; nil means metrics.Default() at each poll.
	Metrics *metrics.Metrics
	// Interval is the time between two polls: DefaultInterval when 0, at
	// least MinInterval.
	Interval time.Duration
	// Logger receives a warning for each failed poll; nil means
	// slog.Default().
	Logger *slog.Logger
}

// Run polls getWebhookInfo at once, then every Interval, until ctx ends
// (it then returns nil) or the Bot API answers 401 (the token was revoked
// or is wrong, which waiting does not cure: it returns an error that says
// so). A poll that fails (a transport error, an answer that is not a
// getWebhookInfo result, one longer than 64 KB, a 5xx) is logged and
// retried with exponential backoff and jitter, 1 s to 30 s, or after the
// retry_after of a 429 (at most an hour); the gauges keep what the last
// successful poll recorded. Run returns an error at once when Client is
// nil, APIURL is not an http(s) URL or Interval is below MinInterval.
func (mon *Monitor) Run(ctx context.Context) error {
	endpoint, interval, err := mon.check()
	if err != nil {
		return err
	}
	logger := mon.Logger
	if logger == nil {
		logger = slog.Default()
	}
	var retry polling.Retry
	for ctx.Err() == nil {
		wait := interval
		info, f := mon.poll(ctx, endpoint)
		switch {
		case f == nil:
			retry.Succeeded()
			m := mon.Metrics
			if m == nil {
				m = metrics.Default()
			}
			m.SetTelegramWebhookInfo(info.pending, info.lastError)
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

// check returns the getWebhookInfo URL and the interval, or what is wrong
// with mon.
func (mon *Monitor) check() (endpoint string, interval time.Duration, err error) {
	if mon.Client == nil {
		return "", 0, errors.New("webhook: Monitor.Client is nil: give it the *http.Client of httpclient.NewTelegram")
	}
	interval = mon.Interval
	if interval == 0 {
		interval = DefaultInterval
	}
	if interval < MinInterval {
		return "", 0, fmt.Errorf("webhook: Monitor.Interval %v is below MinInterval (%v)", mon.Interval, MinInterval)
	}
	base := mon.APIURL
	if base == "" {
		base = DefaultAPIURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return "", 0, errors.New("webhook: Monitor.APIURL must be an http or https URL without a query, such as " + DefaultAPIURL)
	}
	return strings.TrimSuffix(base, "/") + "/bot" + httpclient.TokenPlaceholder + "/getWebhookInfo", interval, nil
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
func (mon *Monitor) poll(ctx context.Context, endpoint string) (webhookInfo, *failure) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, endpoint, nil)
	if err != nil {
		return webhookInfo{}, &failure{err: err}
	}
	resp, err := mon.Client.Do(req)
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
