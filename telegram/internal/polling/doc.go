// Package polling is what the getUpdates pollers of every adapter share:
// their options ([Config], [Apply]), the request ([GetUpdates]), when to
// wait, how long, and when to stop, and what a Poller tells of its polling
// ([State]).
package polling
