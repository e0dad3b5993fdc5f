// Package telebotcore is what the front ends for telebot v3 (telebotmetrics) and
// telebot v4 (telebotmetrics/v4) share: route naming, the tracking middleware with its
// unknown-command detection, the getUpdates Poller and the guard around
// telebot's parsing of updates. The two telebot versions have the same
// Context, HandlerFunc and MiddlewareFunc, each in its own package, so the
// logic is written once, over type parameters, and each front end only
// names its version's types.
package telebotcore
