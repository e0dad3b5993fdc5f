// Package polling is what the getUpdates pollers of telebotmetrics and tgbotapimetrics
// share: when to wait, how long, and when to stop.
package polling
