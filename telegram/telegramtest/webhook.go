package telegramtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// webhookState is what setWebhook registered.
type webhookState struct {
	url            string
	secret         string
	maxConnections int
	customCert     bool
	lastErrorDate  int64
	lastErrorMsg   string
}

// setWebhook registers a webhook URL. Unlike the real API it accepts plain
// http and any port, so a test can listen on loopback; an empty url
// deletes the webhook, as in the real API.
func (s *Server) setWebhook(p map[string]string) response {
	raw := p["url"]
	if raw == "" {
		return s.deleteWebhook(p)
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return badRequest("bad webhook: invalid URL")
	}
	hook := webhookState{
		url:            raw,
		secret:         p["secret_token"],
		maxConnections: 40,
		customCert:     p["certificate"] != "",
	}
	if n, err := strconv.Atoi(p["max_connections"]); err == nil && n > 0 {
		hook.maxConnections = n
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if p["drop_pending_updates"] == "true" {
		s.updates = nil
	}
	r := ok(true)
	// The same webhook again, as every replica of a bot sets it when it
	// starts, changes nothing: the real API says so, and keeps the last
	// delivery error.
	if same := s.webhook; same.url == hook.url && same.secret == hook.secret &&
		same.maxConnections == hook.maxConnections && same.customCert == hook.customCert {
		r.description = "Webhook is already set"
		return r
	}
	s.webhook = hook
	s.notify() // waiting long polls now fail with a conflict
	r.description = "Webhook was set"
	return r
}

// deleteWebhook removes the webhook, dropping pending updates if asked.
func (s *Server) deleteWebhook(p map[string]string) response {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := ok(true)
	r.description = "Webhook was deleted"
	if s.webhook.url == "" {
		r.description = "Webhook is already deleted"
	}
	if p["drop_pending_updates"] == "true" {
		s.updates = nil
	}
	s.webhook = webhookState{}
	s.notify()
	return r
}

// getWebhookInfo reports the webhook and the pending updates.
func (s *Server) getWebhookInfo() response {
	s.mu.Lock()
	defer s.mu.Unlock()
	info := map[string]any{
		"url":                    s.webhook.url,
		"has_custom_certificate": s.webhook.customCert,
		"pending_update_count":   len(s.updates),
	}
	if s.webhook.url != "" {
		info["max_connections"] = s.webhook.maxConnections
	}
	if s.webhook.lastErrorDate != 0 {
		info["last_error_date"] = s.webhook.lastErrorDate
		info["last_error_message"] = s.webhook.lastErrorMsg
	}
	return ok(info)
}

// WebhookURL returns the URL setWebhook registered, or "" if no webhook is
// set.
func (s *Server) WebhookURL() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.webhook.url
}

// Deliver POSTs the pending updates, one at a time and in order, to the
// registered webhook, as JSON with the X-Telegram-Bot-Api-Secret-Token
// header when setWebhook set a secret_token. Delivery is explicit (the
// server never delivers on its own) so tests decide when updates arrive.
//
// A 2xx answer confirms the update. If the answer's body is a Bot API call
// (a JSON or form body with a "method" parameter, as tgbotapi's
// WriteToHTTPResponse writes), the server runs it as the real API does.
// Any other answer, or a transport error, stops delivery: the update stays
// pending, getWebhookInfo reports the error, and Deliver returns it; the
// next Deliver delivers that update again first, as Telegram redelivers an
// update until a webhook accepts it.
// Deliver returns an error if no webhook is set; it delivers at most the
// updates pending when it was called.
func (s *Server) Deliver(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()

	s.mu.Lock()
	n := len(s.updates)
	hook := s.webhook
	s.mu.Unlock()
	if hook.url == "" {
		return errors.New("telegramtest: Deliver: no webhook is set")
	}
	for range n {
		s.mu.Lock()
		if len(s.updates) == 0 || s.webhook.url != hook.url {
			s.mu.Unlock()
			return nil
		}
		u := s.updates[0]
		s.mu.Unlock()
		if err := s.deliverOne(ctx, hook, u); err != nil {
			return err
		}
	}
	return nil
}

// DeliverParallel is [Server.Deliver] as Telegram delivers to a busy bot:
// the updates pending when it is called, up to the webhook's
// max_connections (setWebhook's, 40 by default) at a time, in no
// particular order, so that one slow update does not hold back the others.
// An update whose delivery fails stays pending and getWebhookInfo reports
// the error; DeliverParallel delivers every other one and returns the
// errors joined. An update that a concurrent call is delivering is not
// delivered twice.
func (s *Server) DeliverParallel(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.ctx, cancel)()

	s.mu.Lock()
	hook := s.webhook
	var batch []pendingUpdate
	for _, u := range s.updates {
		if !s.delivering[u.id] {
			batch = append(batch, u)
			s.delivering[u.id] = true
		}
	}
	s.mu.Unlock()
	if hook.url == "" {
		return errors.New("telegramtest: DeliverParallel: no webhook is set")
	}
	slots := make(chan struct{}, hook.maxConnections)
	errs := make([]error, len(batch))
	var wg sync.WaitGroup
	for i, u := range batch {
		slots <- struct{}{}
		wg.Go(func() {
			defer func() { <-slots }()
			errs[i] = s.deliverOne(ctx, hook, u)
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// deliverOne delivers u, confirms it when the webhook took it, and records
// the error otherwise.
func (s *Server) deliverOne(ctx context.Context, hook webhookState, u pendingUpdate) error {
	err := s.post(ctx, hook, u)
	s.mu.Lock()
	delete(s.delivering, u.id)
	if err != nil {
		s.webhook.lastErrorDate = time.Now().Unix()
		s.webhook.lastErrorMsg = err.Error()
	} else {
		s.updates = slices.DeleteFunc(s.updates, func(p pendingUpdate) bool { return p.id == u.id })
		s.notify()
	}
	s.mu.Unlock()
	if err != nil {
		s.log("webhook delivery of update %d failed: %v", u.id, err)
		return fmt.Errorf("telegramtest: delivering update %d: %w", u.id, err)
	}
	s.log("webhook delivery of update %d -> ok", u.id)
	return nil
}

// maxReply bounds a webhook's answer.
const maxReply = 1 << 20

// post delivers one update to the webhook and runs the Bot API call in the
// answer, if there is one.
func (s *Server) post(ctx context.Context, hook webhookState, u pendingUpdate) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, hook.url, bytes.NewReader(u.raw))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if hook.secret != "" {
		req.Header.Set("X-Telegram-Bot-Api-Secret-Token", hook.secret)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return fmt.Errorf("wrong response from the webhook: %s", resp.Status)
	}
	params := make(map[string]string)
	mediaType, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		if jsonParams(body, params) != nil {
			return nil // not a call: an answer the API ignores
		}
	case "application/x-www-form-urlencoded":
		values, err := url.ParseQuery(string(body))
		if err != nil {
			return nil
		}
		for k, v := range values {
			params[k] = v[0]
		}
	}
	if method := strings.TrimSpace(params["method"]); method != "" {
		delete(params, "method")
		s.call(ctx, method, params)
	}
	return nil
}
