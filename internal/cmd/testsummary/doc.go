// Command testsummary reads the events of go test -json (make test) and
// prints what go test prints without -json: the result line of each
// package, and the output of the tests that failed. It then names the
// tests that were skipped, grouped by the reason they gave, so that a
// missing tool never passes for a green run, and ends with one line that
// counts the tests, subtests included:
//
//	512 passed, 0 failed, 4 skipped
//
// A package that fails outside its tests counts as failed tests too: the
// tests it was running when it stopped (a timeout, a panic), else the
// package itself, once (its build, a TestMain that exits non-zero).
//
// Its exit status is 1 when a test or a package failed, and when no test
// ran (0 passed, 0 failed): a run that tested nothing is not green.
//
//	set -o pipefail; go test -json ./... | go run ./internal/cmd/testsummary
package main
