// Package routertest checks each way of recording a router's requests in
// package metrics (net/http's ServeMux, chi, gin, echo) against one scenario
// over real HTTP, so that all of them record the same requests the same way
// up to what the router itself decides (its answer to a method no route has,
// what it writes after the middleware returned). Bench is the benchmark
// loop they share.
package routertest
