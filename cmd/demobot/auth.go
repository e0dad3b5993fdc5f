package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/genapp-go/genapp/httpclient"
)

// The fake auth service stands in for the OAuth server a bot gets API tokens
// from, so that the auth_api series have data in every mode. It accepts the
// demo's client credentials, except that it rejects every rejectEvery-th
// request with 401, as a server does while a secret is being rotated.
const (
	authPath     = "/oauth/token"
	clientID     = "demobot"
	clientSecret = "demo-secret" // not a secret: the fake service is local
	rejectEvery  = 4
)

// startFakeAuth serves the fake auth service on a free loopback port until
// ctx ends (wg waits for it) and returns its token URL.
func startFakeAuth(ctx context.Context, wg *sync.WaitGroup, log *slog.Logger) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("fake auth service: %w", err)
	}
	var requests atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+authPath, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.PostFormValue("client_id") != clientID || r.PostFormValue("client_secret") != clientSecret ||
			requests.Add(1)%rejectEvery == 0 {
			w.WriteHeader(http.StatusUnauthorized)
			fmt.Fprint(w, `{"error":"invalid_client"}`)
			return
		}
		fmt.Fprintf(w, `{"access_token":"demo-%d","token_type":"Bearer","expires_in":60}`, time.Now().Unix())
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	wg.Go(func() {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			log.Error("fake auth service failed", "error", err)
		}
	})
	context.AfterFunc(ctx, func() { srv.Close() })
	return "http://" + ln.Addr().String() + authPath, nil
}

// authClient gets API tokens with the client credentials grant, through the
// auth preset of httpclient: every call is recorded with app_type="auth_api"
// and resource="oauth/token".
type authClient struct {
	url    string
	client *http.Client
}

func newAuthClient(tokenURL string) *authClient {
	return &authClient{url: tokenURL, client: httpclient.NewAuth(httpclient.WithTimeout(5 * time.Second))}
}

// refresh asks for a new token.
func (a *authClient) refresh(ctx context.Context) error {
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {clientID}, "client_secret": {clientSecret}}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.url, strings.NewReader(form.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := a.client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		AccessToken string `json:"access_token"`
		Error       string `json:"error"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return fmt.Errorf("token answer (status %d): %w", resp.StatusCode, err)
	}
	if resp.StatusCode != http.StatusOK || answer.AccessToken == "" {
		return fmt.Errorf("token refused: status %d, %s", resp.StatusCode, answer.Error)
	}
	return nil
}
