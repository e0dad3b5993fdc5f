package main

import (
	"net"
	"net/http"
	"time"

	"github.com/genapp-go/genapp/metrics"
)

// metricsURL is the URL of the metrics page of the server listening on
// addr, with what secures it.
func (c config) metricsURL(addr net.Addr) string {
	if c.webConfig == nil {
		return "http://" + addr.String() + metrics.MetricsPath
	}
	url := c.webConfig.Scheme() + "://" + addr.String() + metrics.MetricsPath
	if c.webConfigAllowUnsecured {
		return url + " (web config " + c.webConfigFile + ", -web.config.allow-unsecured)"
	}
	return url + " (secured by " + c.webConfigFile + ")"
}

// statusURL is the URL of the status page of the server listening on addr.
func (c config) statusURL(addr net.Addr) string {
	if c.webConfig == nil {
		return "http://" + addr.String() + "/"
	}
	return c.webConfig.Scheme() + "://" + addr.String() + "/"
}

// Timeouts of the webhook server. Telegram sends each update request, at
// most 1 MB, at once, waits at most about 60 s for the answer (then
// delivers the update again), and keeps its connections open between
// updates.
const (
	webhookReadTimeout  = 10 * time.Second // the whole request, headers included
	webhookWriteTimeout = time.Minute      // from the end of the request to the end of the answer
	webhookIdleTimeout  = 2 * time.Minute  // between two requests on a connection
)

// newWebhookServer returns the webhook server, serving h: no client,
// Telegram or not, holds a connection longer than its timeouts.
func newWebhookServer(h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: webhookReadTimeout,
		ReadTimeout:       webhookReadTimeout,
		WriteTimeout:      webhookWriteTimeout,
		IdleTimeout:       webhookIdleTimeout,
	}
}
