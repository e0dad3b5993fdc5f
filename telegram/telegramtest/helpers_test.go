package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/genapp-go/genapp/telegram/telegramtest"
)

// apiResult is a Bot API response as the wire carries it.
type apiResult struct {
	OK          bool            `json:"ok"`
	Result      json.RawMessage `json:"result"`
	ErrorCode   int             `json:"error_code"`
	Description string          `json:"description"`
	Parameters  struct {
		RetryAfter int `json:"retry_after"`
	} `json:"parameters"`
}

// call posts params as JSON to method and decodes the answer.
func call(t *testing.T, srv *telegramtest.Server, method string, params map[string]any) apiResult {
	t.Helper()
	r, err := post(srv, method, params)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// callAsync is call for another goroutine: it delivers the answer on the
// returned channel, and fails the test from the test's goroutine.
func callAsync(t *testing.T, srv *telegramtest.Server, method string, params map[string]any) func() apiResult {
	type answer struct {
		r   apiResult
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		r, err := post(srv, method, params)
		ch <- answer{r, err}
	}()
	return func() apiResult {
		t.Helper()
		a := <-ch
		if a.err != nil {
			t.Fatal(a.err)
		}
		return a.r
	}
}

// post posts params as JSON to method and decodes the answer; the HTTP
// status must equal error_code (or be 200 on success) and the answer must
// be JSON.
func post(srv *telegramtest.Server, method string, params map[string]any) (apiResult, error) {
	body, err := json.Marshal(params)
	if err != nil {
		return apiResult{}, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/bot"+srv.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		return apiResult{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	return do(req)
}

// do sends req and decodes the Bot API answer.
func do(req *http.Request) (apiResult, error) {
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return apiResult{}, err
	}
	defer resp.Body.Close()
	var r apiResult
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		return r, fmt.Errorf("Content-Type = %q, want application/json", ct)
	}
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		return r, err
	}
	want := http.StatusOK
	if !r.OK {
		want = r.ErrorCode
	}
	if resp.StatusCode != want {
		return r, fmt.Errorf("HTTP status %d, error_code %d", resp.StatusCode, r.ErrorCode)
	}
	return r, nil
}

// updateIDs decodes a getUpdates result into its update ids.
func updateIDs(t *testing.T, r apiResult) []int {
	t.Helper()
	if !r.OK {
		t.Fatalf("getUpdates failed: %d %s", r.ErrorCode, r.Description)
	}
	var updates []struct {
		UpdateID int `json:"update_id"`
	}
	if err := json.Unmarshal(r.Result, &updates); err != nil {
		t.Fatal(err)
	}
	ids := []int{}
	for _, u := range updates {
		ids = append(ids, u.UpdateID)
	}
	return ids
}

// waitCtx returns a context that ends the test's waits after 5 seconds.
func waitCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	t.Cleanup(cancel)
	return ctx
}
