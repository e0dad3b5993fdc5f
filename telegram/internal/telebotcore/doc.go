// Package telebotcore is what the front ends for telebot v3
// (telebotmetrics) and telebot v4 (telebotmetrics/v4) share: route naming
// and the tracking middleware with its unknown-command detection
// ([Tracker]), the counting of every update where it is delivered
// ([Updates], [Dispatch]), the getUpdates [Poller] and the guard around
// telebot's parsing of updates ([ParseUpdate]). The two versions have the
// same Context, HandlerFunc, MiddlewareFunc, Bot and Update, each in its
// own package, so the logic is written once, over type parameters, and
// each front end only names its version's types.
package telebotcore
