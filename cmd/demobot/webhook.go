package main

import (
	"crypto/subtle"
	"net/http"
)

// secretHeader carries, in every update request Telegram sends to a
// webhook, the secret token the bot gave setWebhook.
const secretHeader = "X-Telegram-Bot-Api-Secret-Token"

// maxUpdateSize bounds the body of an update request.
const maxUpdateSize = 1 << 20

// webhookHandler serves the update requests POSTed to path and hands each
// to b. A request without the secret is refused with 401: anyone who finds
// the URL could post fake updates otherwise. Handler errors still answer 200,
// as Telegram would deliver the update again, and again.
//
// metrics.Middleware around it records each request to path with
// app_type="app_api" and resource "telegram/webhook", whatever path is: a
// path from -webhook-url may hold the bot token or another secret, and must
// not reach /prometheus. Another path is a 404, recorded as "/{unknown}".
// (A ServeMux is not used: the path comes from -webhook-url and could be an
// invalid pattern. The handler names its route as a ServeMux would, in
// r.Pattern.)
func webhookHandler(path, secret string, b bot) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == path {
			r.Pattern = webhookPath
		}
		switch {
		case r.URL.Path != path:
			http.NotFound(w, r)
		case r.Method != http.MethodPost:
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "updates are POSTed", http.StatusMethodNotAllowed)
		case subtle.ConstantTimeCompare([]byte(r.Header.Get(secretHeader)), []byte(secret)) != 1:
			http.Error(w, "wrong "+secretHeader, http.StatusUnauthorized)
		default:
			r.Body = http.MaxBytesReader(w, r.Body, maxUpdateSize)
			if err := b.handleWebhook(r); err != nil {
				http.Error(w, "not a Telegram update: "+err.Error(), http.StatusBadRequest)
			}
		}
	})
}
