// Package polling is what the getUpdates pollers of tbot and tgrouter
// share: when to wait, how long, and when to stop.
package polling
