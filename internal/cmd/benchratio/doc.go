// Command benchratio reads the output of rounds of go test -bench (make
// bench) and prints, for each benchmark and the peer it is measured
// against, the median of the per-round time ratios and the allocations of
// both. Pairing by round keeps a noisy moment of a shared machine, which
// slows both sides of a round alike, out of the ratio.
//
//	go run ./internal/cmd/benchratio bench.out
package main
