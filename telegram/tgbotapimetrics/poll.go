package tgbotapimetrics

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram/internal/polling"
)

// Poll long-polls getUpdates through api and handles the updates as
// [Router.Run] does, at most workers at a time, until ctx ends or the Bot
// API answers 401 or 409. It replaces tgbotapi's GetUpdatesChan, which
// waits 3 s after any failed getUpdates, retries for ever, and gets stuck
// on an update it cannot parse. Poll instead
//
//   - waits after each failure (an empty answer that came back within a
//     quarter of the poll timeout included) with exponential backoff and
//     jitter, 1 s to 30 s, or the retry_after of a 429, at most an hour;
//   - stops on 401 (the token was revoked) and 409 (a webhook is set, or
//     another instance polls), which waiting does not cure, and returns an
//     error that says so;
//   - logs every failure to the router's logger, with the bot token
//     masked even when api holds the real one;
//   - logs and skips an update that cannot be parsed: GetUpdatesChan fails
//     the whole batch on it, again and again, and the bot receives nothing
//     more. An update the offset confirmed already, sent again, is logged
//     and skipped: it is handled once.
//
// Unless [WithBotUsername] gave it, the router takes api's username
// (api.Self, from getMe) as its own, to ignore commands addressed to other
// bots.
//
// cfg gives the first offset, the limit, allowed_updates and the poll
// timeout in seconds (at least 1: Poll does not short-poll). tgbotapi takes
// no context: a getUpdates in flight when ctx ends is not cancelled; Poll
// does not wait for it, and the updates it brings are dropped unconfirmed,
// so that the Bot API sends them again to the next run.
//
// Poll returns what Run returns, joined with the error that stopped
// polling, if any.
func (r *Router) Poll(ctx context.Context, api *tgbotapi.BotAPI, cfg tgbotapi.UpdateConfig, workers int) error {
	if workers < 1 {
		return fmt.Errorf("tgbotapimetrics: Poll with %d workers: want 1 or more", workers)
	}
	cfg.Timeout = max(cfg.Timeout, 1)
	if self := api.Self.UserName; self != "" {
		r.username.CompareAndSwap(nil, &self)
	}
	updates := make(chan tgbotapi.Update)
	stopped := make(chan error, 1)
	pollCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		defer close(updates)
		if err := r.poll(pollCtx, api, cfg, updates); err != nil {
			stopped <- err
		}
	}()
	err := r.Run(ctx, updates, workers)
	select {
	case stop := <-stopped: // sent before updates closed
		return errors.Join(stop, err)
	default:
		return err
	}
}

// poll sends the updates of getUpdates to out until ctx ends (nil) or the
// Bot API says to stop (the error).
func (r *Router) poll(ctx context.Context, api *tgbotapi.BotAPI, cfg tgbotapi.UpdateConfig, out chan<- tgbotapi.Update) error {
	mask := bottoken.NewMasker(api.Token)
	var retry polling.Retry
	for ctx.Err() == nil {
		updates, f := r.getUpdates(ctx, api, &cfg, mask)
		if ctx.Err() != nil {
			return nil
		}
		if f != nil {
			msg := fmt.Sprintf("tgbotapimetrics: getUpdates failed (%d): %s", f.code, f.what)
			if reason := polling.StopReason(f.code); reason != "" {
				err := errors.New(msg + "; " + reason)
				r.log.ErrorContext(ctx, "telegram polling failed", "error", err)
				return err
			}
			wait := retry.Failed(f.retryAfter)
			r.log.ErrorContext(ctx, "telegram polling failed", "error", msg, "retry_in", wait)
			polling.Sleep(ctx.Done(), wait)
			continue
		}
		retry.Succeeded()
		for _, u := range updates {
			select {
			case out <- u:
			case <-ctx.Done():
				return nil
			}
		}
	}
	return nil
}

// failure is a failed getUpdates.
type failure struct {
	code       int    // error_code, else the HTTP status; 0 without an answer
	what       string // the description or error, token masked
	retryAfter time.Duration
}

// getUpdates sends one getUpdates, moves cfg.Offset past the updates it
// returns, and returns those tgbotapi can parse; the others are logged.
func (r *Router) getUpdates(ctx context.Context, api *tgbotapi.BotAPI, cfg *tgbotapi.UpdateConfig, mask bottoken.Masker) ([]tgbotapi.Update, *failure) {
	fail := func(code int, what string) *failure {
		return &failure{code: code, what: bottoken.Redact(mask.MaskString(what))}
	}
	start := time.Now()
	resp, err := api.Request(*cfg)
	var apiErr *tgbotapi.Error
	switch {
	case errors.As(err, &apiErr):
		f := fail(apiErr.Code, apiErr.Message)
		if apiErr.Code == http.StatusTooManyRequests {
			f.retryAfter = polling.RetryAfter(float64(apiErr.RetryAfter))
		}
		return nil, f
	case err != nil && resp != nil && !resp.Ok && resp.ErrorCode != 0:
		// An error answer tgbotapi could only partly decode (a retry_after
		// that is not a number, say).
		return nil, fail(resp.ErrorCode, resp.Description+": "+err.Error())
	case err != nil:
		return nil, fail(0, err.Error())
	}
	raws, ids, err := polling.Split(resp.Result)
	if err != nil {
		return nil, fail(http.StatusOK, "the answer is not a Bot API answer: "+err.Error())
	}
	offset, stale := cfg.Offset, 0
	for _, id := range ids {
		if polling.Confirmed(id, offset) {
			stale++
		}
	}
	if polling.EarlyEmpty(len(raws)-stale, time.Since(start), time.Duration(cfg.Timeout)*time.Second) {
		return nil, fail(http.StatusOK, fmt.Sprintf("answered at once with no new updates (%d confirmed already), though asked to wait up to %d s: the Bot API, or a proxy in front of it, does not hold long polls", stale, cfg.Timeout))
	}
	if stale > 0 {
		r.log.ErrorContext(ctx, "telegram updates skipped: confirmed already", "updates", stale, "offset", offset)
	}
	updates := make([]tgbotapi.Update, 0, len(raws))
	for i, raw := range raws {
		if polling.Confirmed(ids[i], offset) {
			continue
		}
		cfg.Offset = max(cfg.Offset, ids[i]+1)
		var u tgbotapi.Update
		if err := json.Unmarshal(raw, &u); err != nil {
			r.log.ErrorContext(ctx, "telegram update skipped: tgbotapi cannot parse it", "update_id", ids[i], "error", bottoken.Redact(mask.MaskString(err.Error())))
			continue
		}
		updates = append(updates, u)
	}
	return updates, nil
}
