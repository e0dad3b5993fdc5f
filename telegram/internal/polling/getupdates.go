package polling

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
)

// MaxAnswer caps the getUpdates answer a poller reads: 100 updates of the
// largest kind are far below it.
const MaxAnswer = 64 << 20

// Doer sends HTTP requests: an *http.Client, or what a bot library takes
// in its place.
type Doer interface {
	Do(*http.Request) (*http.Response, error)
}

// Fail returns a PollError whose texts m has masked, and from which
// [bottoken.Redact] has removed anything token-shaped.
func Fail(m bottoken.Masker, code int, description string, err error) *telegram.PollError {
	return &telegram.PollError{Code: code, Description: bottoken.Redact(m.MaskString(description)), Err: m.Error(err)}
}

// Batch is the answer to one getUpdates.
type Batch struct {
	// Raws are the updates the offset had not confirmed yet, raw, and IDs
	// their update_id.
	Raws []json.RawMessage
	IDs  []int
	// Stale is how many updates the answer held that the offset had
	// confirmed already: left out of Raws.
	Stale int
	// Status is the HTTP status of the answer.
	Status int
}

// StaleReport is the failure to report when the answer held updates the
// offset had confirmed already (Stale), nil when it held none. offset is
// the getUpdates'; every text is masked by m.
func (b Batch) StaleReport(m bottoken.Masker, offset int) *telegram.PollError {
	if b.Stale == 0 {
		return nil
	}
	return Fail(m, b.Status, fmt.Sprintf("%d updates skipped: confirmed already (update_id below the offset %d)", b.Stale, offset), nil)
}

// SkipReport is the failure to report for Raws[i], skipped because of err
// (the library cannot take it); every text is masked by m.
func (b Batch) SkipReport(m bottoken.Masker, i int, err error) *telegram.PollError {
	return Fail(m, b.Status, fmt.Sprintf("update %d skipped", b.IDs[i]), err)
}

// Request is one getUpdates.
type Request struct {
	// URL is the method's, with the token: <server>/bot<token>/getUpdates.
	URL     string
	Offset  int
	Timeout time.Duration // whole seconds, at least 1
	Allowed []string      // allowed_updates; nil: left out (see [Config.Allowed])
}

// GetUpdates sends r with client and returns the updates the offset had
// not confirmed yet, or why it failed: no answer, an answer cut short,
// longer than [MaxAnswer] or not a Bot API answer, an error answer (with
// its retry_after and whether polling must stop), or one that came back at
// once with no new updates though asked to wait ([EarlyEmpty]). Every text
// is masked by m.
func GetUpdates(ctx context.Context, client Doer, r Request, m bottoken.Masker) (Batch, *telegram.PollError) {
	params := map[string]any{"offset": r.Offset, "timeout": int(r.Timeout / time.Second)}
	if r.Allowed != nil {
		params["allowed_updates"] = r.Allowed
	}
	body, err := json.Marshal(params)
	if err != nil {
		return Batch{}, Fail(m, 0, "cannot encode the request", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.URL, bytes.NewReader(body))
	if err != nil {
		return Batch{}, Fail(m, 0, "bad bot URL", err)
	}
	req.Header.Set("Content-Type", "application/json")
	start := time.Now()
	resp, err := client.Do(req)
	if err != nil {
		return Batch{}, Fail(m, 0, "no answer", err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, MaxAnswer+1))
	if err != nil {
		return Batch{}, Fail(m, resp.StatusCode, "answer cut short", err)
	}
	if len(data) > MaxAnswer {
		return Batch{}, Fail(m, resp.StatusCode, fmt.Sprintf("answer longer than %d bytes", MaxAnswer), nil)
	}
	var a Answer
	if err := json.Unmarshal(data, &a); err != nil {
		return Batch{}, Fail(m, resp.StatusCode, "the answer is not a Bot API answer (want JSON with \"ok\")", err)
	}
	if !a.OK {
		code := a.Code
		if code == 0 {
			code = resp.StatusCode
		}
		f := Fail(m, code, a.Description, nil)
		f.Stopped = StopReason(code) != ""
		if code == http.StatusTooManyRequests {
			f.RetryAfter = a.RetryAfter()
		}
		return Batch{}, f
	}
	raws, ids, err := Split(a.Result)
	if err != nil {
		return Batch{}, Fail(m, resp.StatusCode, "the answer is not a Bot API answer", err)
	}
	b := Batch{Status: resp.StatusCode}
	for i, id := range ids {
		if Confirmed(id, r.Offset) {
			b.Stale++
			continue
		}
		b.Raws, b.IDs = append(b.Raws, raws[i]), append(b.IDs, id)
	}
	if EarlyEmpty(len(b.Raws), time.Since(start), r.Timeout) {
		return Batch{}, Fail(m, resp.StatusCode, fmt.Sprintf("answered at once with no new updates (%d confirmed already), though asked to wait up to %v: the Bot API, or a proxy in front of it, does not hold long polls", b.Stale, r.Timeout), nil)
	}
	return b, nil
}
