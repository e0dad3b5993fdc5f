// Package polling is what the getUpdates pollers of every adapter share:
// their options ([Config]), the request ([GetUpdates]), the loop
// that sends it and hands the updates on ([Run]), when to wait, how long,
// and when to stop, and what a Poller tells of its polling ([State]).
package polling
