// Package telebottest is the end-to-end scenario that the tests of the
// telebot front ends (telebotmetrics for v3, telebotmetrics/v4 for v4) play against a real bot
// on the fake Bot API, so that both versions are held to the same exact
// outcome.
//
// The bot under test registers, through its Tracker:
//
//	"/start"        sends "hello" with an inline button "menu"
//	button "menu"   answers the callback, sends "menu <payload>"
//	OnText          sends "echo <text>"
//	OnCallback      answers the callback
//	"/fail"         sends "failing", returns errors.New("fail handler failed")
//	"/boom"         sends "panicking", panics with "boom handler panicked"
//
// with telebot's middleware.Recover installed with Use.
package telebottest
