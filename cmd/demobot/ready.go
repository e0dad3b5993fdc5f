package main

import (
	"context"
	"errors"
	"sync/atomic"
)

// readiness is what the metrics server's /ready tells: whether the bot
// can take updates. It is not until serve hands it the check of the mode
// the bot runs in (set), and is not from the moment the demo's context
// ends (SIGINT, SIGTERM, -duration), while the handlers in flight finish.
type readiness struct {
	ctx   context.Context
	check atomic.Pointer[func() error]
}

// Why the demo is not ready, besides what the check says.
var (
	errStarting = errors.New("the bot is starting")
	errStopping = errors.New("the bot is stopping")
)

// ready is the check of metrics.WithReadiness.
func (r *readiness) ready() error {
	if r.ctx.Err() != nil {
		return errStopping
	}
	check := r.check.Load()
	if check == nil {
		return errStarting
	}
	return (*check)()
}

// set makes check say whether the bot can take updates.
func (r *readiness) set(check func() error) { r.check.Store(&check) }

// errWebhookDown says the webhook server no longer serves.
var errWebhookDown = errors.New("the webhook server has stopped")

// serving returns the check of a webhook server that serves until
// stopped is closed.
func serving(stopped <-chan struct{}) func() error {
	return func() error {
		select {
		case <-stopped:
			return errWebhookDown
		default:
			return nil
		}
	}
}
