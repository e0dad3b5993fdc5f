package telebotcore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// maxAnswer caps the getUpdates answer a Poller reads: 100 updates of the
// largest kind are far below it.
const maxAnswer = 64 << 20

// Poller is the getUpdates long polling of the front ends' Pollers, for
// updates of type U (one telebot version's Update). Set Client and
// Timeout before the first Poll.
type Poller[U any] struct {
	Client  *http.Client
	Timeout time.Duration
	Allowed []string

	lastUpdateID int
	err          error
}

// Bot is what a Poller needs of the telebot bot it polls for: where the
// Bot API is, its OnError, how to parse an update, and how to make the
// front end's error for a failure.
type Bot[U any] struct {
	URL, Token string
	OnError    func(error)
	Parse      func([]byte) (U, error)
	Fail       func(Failure) error
}

// Err returns the error Poll stopped on by itself, nil when stop ended it.
func (p *Poller[U]) Err() error { return p.err }

// Failure is a failed getUpdates, as the front ends' PollError shows it.
type Failure struct {
	Code        int
	Description string
	RetryAfter  time.Duration
	Stopped     bool
	Err         error
}

// Text is the failure's error text, prefixed with pkg.
func (f Failure) Text(pkg string) string {
	var b strings.Builder
	b.WriteString(pkg)
	b.WriteString(": getUpdates failed")
	if f.Code != 0 {
		fmt.Fprintf(&b, " (%d)", f.Code)
	}
	b.WriteString(": ")
	b.WriteString(f.Description)
	if f.Err != nil {
		b.WriteString(": ")
		b.WriteString(f.Err.Error())
	}
	switch {
	case f.Stopped:
		b.WriteString("; ")
		b.WriteString(polling.StopReason(f.Code))
	case f.RetryAfter > 0:
		fmt.Fprintf(&b, "; retrying after %v, as asked", f.RetryAfter)
	}
	return b.String()
}

// Poll sends the updates of b to dest until stop is closed or the Bot API
// answers 401 or 409.
func (p *Poller[U]) Poll(b Bot[U], dest chan U, stop chan struct{}) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	var retry polling.Retry
	for ctx.Err() == nil {
		updates, f := p.getUpdates(ctx, b)
		if ctx.Err() != nil {
			return
		}
		if f != nil {
			err := b.Fail(*f)
			b.OnError(err)
			if f.Stopped {
				p.err = err
				return
			}
			polling.Sleep(ctx.Done(), retry.Failed(f.RetryAfter))
			continue
		}
		retry.Succeeded()
		for _, u := range updates {
			select {
			case dest <- u:
			case <-ctx.Done():
				return
			}
		}
	}
}

// answer is the Bot API's envelope, tolerant of a malformed error: any
// retry_after is kept raw and parsed by retryAfter.
type answer struct {
	OK          bool            `json:"ok"`
	Code        int             `json:"error_code"`
	Description string          `json:"description"`
	Result      json.RawMessage `json:"result"`
	Parameters  struct {
		RetryAfter json.RawMessage `json:"retry_after"`
	} `json:"parameters"`
}

// getUpdates sends one getUpdates and returns its updates, with the ones
// that cannot be parsed reported to b.OnError and skipped.
func (p *Poller[U]) getUpdates(ctx context.Context, b Bot[U]) ([]U, *Failure) {
	offset := p.lastUpdateID + 1
	params := map[string]any{"offset": offset, "timeout": int(p.Timeout / time.Second)}
	if p.Allowed != nil {
		params["allowed_updates"] = p.Allowed
	}
	body, err := json.Marshal(params)
	if err != nil {
		return nil, fail(b, 0, "cannot encode the request", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, b.URL+"/bot"+b.Token+"/getUpdates", bytes.NewReader(body))
	if err != nil {
		return nil, fail(b, 0, "bad bot URL", err)
	}
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := p.Client.Do(req)
	if err != nil {
		return nil, fail(b, 0, "no answer", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return nil, fail(b, resp.StatusCode, "answer cut short", err)
	}
	if len(data) > maxAnswer {
		return nil, fail(b, resp.StatusCode, fmt.Sprintf("answer longer than %d bytes", maxAnswer), nil)
	}
	var a answer
	if err := json.Unmarshal(data, &a); err != nil {
		return nil, fail(b, resp.StatusCode, "the answer is not a Bot API answer (want JSON with \"ok\")", err)
	}
	if !a.OK {
		code := a.Code
		if code == 0 {
			code = resp.StatusCode
		}
		f := fail(b, code, a.Description, nil)
		f.Stopped = polling.StopReason(code) != ""
		if code == http.StatusTooManyRequests {
			f.RetryAfter = retryAfter(a.Parameters.RetryAfter)
		}
		return nil, f
	}
	raws, ids, err := polling.Split(a.Result)
	if err != nil {
		return nil, fail(b, resp.StatusCode, "the answer is not a Bot API answer", err)
	}
	stale := 0
	for _, id := range ids {
		if polling.Confirmed(id, offset) {
			stale++
		}
	}
	if polling.EarlyEmpty(len(raws)-stale, time.Since(start), p.Timeout) {
		return nil, fail(b, resp.StatusCode, fmt.Sprintf("answered at once with no new updates (%d confirmed already), though asked to wait up to %v: the Bot API, or a proxy in front of it, does not hold long polls", stale, p.Timeout), nil)
	}
	updates := make([]U, 0, len(raws))
	if stale > 0 {
		b.OnError(b.Fail(*fail(b, resp.StatusCode, fmt.Sprintf("%d updates skipped: confirmed already (update_id below the offset %d)", stale, offset), nil)))
	}
	for i, raw := range raws {
		if polling.Confirmed(ids[i], offset) {
			continue
		}
		p.lastUpdateID = max(p.lastUpdateID, ids[i])
		u, err := b.Parse(raw)
		if err != nil {
			b.OnError(b.Fail(*fail(b, resp.StatusCode, fmt.Sprintf("update %d skipped: telebot cannot parse it", ids[i]), err)))
			continue
		}
		updates = append(updates, u)
	}
	return updates, nil
}

// fail returns a Failure whose texts hold no bot token: b.Token may be the
// real one.
func fail[U any](b Bot[U], code int, description string, err error) *Failure {
	m := bottoken.NewMasker(b.Token)
	if err != nil {
		err = maskedError{err, bottoken.Redact(m.MaskString(err.Error()))}
	}
	return &Failure{Code: code, Description: bottoken.Redact(m.MaskString(description)), Err: err}
}

// maskedError is an error with its text masked, unwrapping to the
// original for errors.Is and errors.As.
type maskedError struct {
	err  error
	text string
}

func (e maskedError) Error() string { return e.text }
func (e maskedError) Unwrap() error { return e.err }

// retryAfter parses the retry_after of a 429: a number of seconds, or,
// from a broken API, a string holding one. Anything else is 0.
func retryAfter(raw json.RawMessage) time.Duration {
	secs, err := strconv.ParseFloat(strings.Trim(string(raw), `"`), 64)
	if err != nil {
		return 0
	}
	return polling.RetryAfter(secs)
}
