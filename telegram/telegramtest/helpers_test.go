package telegramtest_test

import (
	"bytes"
	"context"
	"encoding/json"
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

// call posts params as JSON to method and decodes the answer; the HTTP
// status must equal error_code (or 200 on success).
func call(t *testing.T, srv *telegramtest.Server, method string, params map[string]any) apiResult {
	t.Helper()
	body, err := json.Marshal(params)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/bot"+srv.Token+"/"+method, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	return do(t, req)
}

func do(t *testing.T, req *http.Request) apiResult {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var r apiResult
	if err := json.NewDecoder(resp.Body).Decode(&r); err != nil {
		t.Fatal(err)
	}
	want := http.StatusOK
	if !r.OK {
		want = r.ErrorCode
	}
	if resp.StatusCode != want {
		t.Errorf("HTTP status %d, error_code %d", resp.StatusCode, r.ErrorCode)
	}
	return r
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
