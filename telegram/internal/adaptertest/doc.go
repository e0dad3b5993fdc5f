// Package adaptertest holds every bot-library adapter to one contract: the
// shape of its API ([Check]), the counts the same traffic gives
// ([Updates]) and how its Poller meets a hostile Bot API ([Poller]). Each
// adapter's contract_test.go runs the first two, its poller_test.go the
// third; its fuzz_test.go fuzzes its ParseUpdate and routing with
// [FuzzParseUpdate].
package adaptertest
