package main

import (
	"net/http"
)

// onPath serves the requests to path with h, and answers any other path
// with 404. Around it, metrics.Middleware records every request to path
// under the resource the webhook.Handler h names ("telegram/webhook"),
// whatever path is: a path from -webhook-url may hold the bot token or
// another secret, and must not reach /prometheus. Another path is recorded
// as "/{unknown}". (A ServeMux is not used: the path comes from
// -webhook-url and could be an invalid pattern.)
func onPath(path string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != path {
			http.NotFound(w, r)
			return
		}
		h.ServeHTTP(w, r)
	})
}
