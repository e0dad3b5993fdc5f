// Package polling is what the getUpdates pollers of telebotmetrics and tgbotapimetrics
// share: when to wait, how long, and when to stop, and what a Poller tells of
// its polling ([State]).
package polling
