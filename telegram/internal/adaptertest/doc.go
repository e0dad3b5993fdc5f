// Package adaptertest holds every bot-library adapter to one contract: the
// shape of its API ([Check]), the counts the same traffic gives
// ([Updates]) and how its Poller meets a hostile Bot API ([Poller]). The
// package's own contract_test.go runs the first for all six adapters, side
// by side; each adapter's contract_test.go runs the second, its
// poller_test.go the third, and its fuzz_test.go fuzzes its ParseUpdate and
// routing with [FuzzParseUpdate].
package adaptertest
