package metrics

import "time"

// epoch anchors now: time.Since of a time with a monotonic reading reads only
// the monotonic clock, where time.Now reads both clocks. Measuring a duration
// with two calls of now saves one clock read (about 30 ns here) against
// time.Now and time.Since.
var epoch = time.Now()

// now returns the monotonic time elapsed since the process loaded the
// package; differences of two calls are durations immune to wall clock jumps.
func now() time.Duration { return time.Since(epoch) }
