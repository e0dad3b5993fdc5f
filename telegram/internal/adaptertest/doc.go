// Package adaptertest holds every bot-library adapter to one contract: the
// shape of its API ([Check]) and the counts the same traffic gives
// ([Updates]). Each adapter's contract_test.go runs both.
package adaptertest
