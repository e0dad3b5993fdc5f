package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"regexp"
	"slices"
	"strings"
)

func main() {
	os.Exit(summarize(os.Stdin, os.Stdout))
}

// event is one line of go test -json (see go doc test2json).
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

// testKey identifies a test of a package.
type testKey struct{ pkg, test string }

// skip is a skipped test and the reason it logged.
type skip struct {
	testKey
	reason string
}

// summary accumulates the stream.
type summary struct {
	out      *bufio.Writer
	running  map[testKey]bool     // tests started and not ended
	output   map[testKey][]string // of the tests running
	failures map[string][]string  // of the failed tests, by package
	failedIn map[string]bool      // packages with a failed test
	skips    []skip
	pkgs     map[string]bool

	passed, failedTests int
	failed              bool // a test or a package failed
}

// summarize copies the summary of the go test -json stream in to out and
// returns the exit status.
func summarize(in io.Reader, out io.Writer) int {
	s := &summary{
		out:     bufio.NewWriter(out),
		running: map[testKey]bool{}, output: map[testKey][]string{},
		failures: map[string][]string{}, failedIn: map[string]bool{}, pkgs: map[string]bool{},
	}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var e event
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Action == "" {
			s.print(sc.Text() + "\n") // not an event: go vet or the go command speaking
			continue
		}
		s.add(e)
	}
	if err := sc.Err(); err != nil {
		s.print(fmt.Sprintf("testsummary: reading go test -json: %v\n", err))
		s.failed = true
	}
	// A stream cut short: the tests still running did not pass.
	for pkg := range s.pkgs {
		s.abandon(pkg)
	}
	for _, pkg := range slices.Sorted(maps.Keys(s.failures)) {
		s.printFailures(pkg)
	}
	s.printSkips()
	noTest := s.passed+s.failedTests == 0
	if noTest {
		s.print("testsummary: no test ran\n")
	}
	s.print(fmt.Sprintf("%d passed, %d failed, %d skipped\n", s.passed, s.failedTests, len(s.skips)))
	if err := s.out.Flush(); err != nil {
		return 1
	}
	if s.failed || s.failedTests > 0 || noTest {
		return 1
	}
	return 0
}

// print prints line, flushed so that a long run shows its progress.
func (s *summary) print(line string) {
	s.out.WriteString(line)
	s.out.Flush()
}

// add takes one event.
func (s *summary) add(e event) {
	if e.Package != "" {
		s.pkgs[e.Package] = true
	}
	k := testKey{e.Package, e.Test}
	switch {
	case e.Action == "build-output":
		s.print(e.Output)
	case e.Action == "output" && e.Test == "":
		if strings.HasPrefix(e.Output, "FAIL") { // the package's result: its tests still running failed
			s.abandon(e.Package)
		}
		s.printFailures(e.Package)
		if e.Output != "PASS\n" { // go test without -v prints only the ok line
			s.print(e.Output)
		}
	case e.Action == "output":
		s.output[k] = append(s.output[k], e.Output)
	case e.Action == "run":
		s.running[k] = true
	case e.Action == "fail" && e.Test == "":
		s.failed = true
		s.abandon(e.Package)
		if !s.failedIn[e.Package] { // it failed outside its tests
			s.failedIn[e.Package] = true
			s.failedTests++
		}
		s.printFailures(e.Package)
	case e.Action == "fail":
		s.fail(k)
	case e.Action == "skip" && e.Test != "":
		s.skips = append(s.skips, skip{k, reason(s.output[k])})
		s.end(k)
	case e.Action == "pass" && e.Test != "":
		s.passed++
		s.end(k)
	}
}

// end forgets the running test k.
func (s *summary) end(k testKey) {
	delete(s.running, k)
	delete(s.output, k)
}

// fail counts k failed and keeps its output for the result lines of its
// package: the result line first (none when the test did not end), then
// what the test logged, as without -json.
func (s *summary) fail(k testKey) {
	s.failedTests++
	s.failedIn[k.pkg] = true
	for _, result := range []bool{true, false} {
		for _, line := range s.output[k] {
			if strings.HasPrefix(line, "--- ") == result && !strings.HasPrefix(line, "=== ") {
				s.failures[k.pkg] = append(s.failures[k.pkg], line)
			}
		}
	}
	s.end(k)
}

// abandon fails the tests of pkg still running: its test binary stopped
// before they ended.
func (s *summary) abandon(pkg string) {
	var tests []testKey
	for k := range s.running {
		if k.pkg == pkg {
			tests = append(tests, k)
		}
	}
	slices.SortFunc(tests, func(a, b testKey) int { return strings.Compare(a.test, b.test) })
	for _, k := range tests {
		s.fail(k)
	}
}

// printFailures prints the output of the failed tests of pkg. The events
// of packages tested at the same time interleave: the output of a failed
// test waits for the result lines of its package, as without -json.
func (s *summary) printFailures(pkg string) {
	for _, line := range s.failures[pkg] {
		s.print(line)
	}
	delete(s.failures, pkg)
}

// logPrefix is the file:line: go test puts before a logged line.
var logPrefix = regexp.MustCompile(`^\S+\.go:\d+: `)

// reason is what a skipped test logged, without the lines go test adds.
func reason(lines []string) string {
	var r []string
	for _, line := range lines {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "=== ") || strings.HasPrefix(line, "--- SKIP") {
			continue
		}
		r = append(r, logPrefix.ReplaceAllString(line, ""))
	}
	if len(r) == 0 {
		return "no reason given"
	}
	return strings.Join(r, " ")
}

// printSkips names the skipped tests, one line per reason, in the order
// the reasons first came, the tests of a reason sorted.
func (s *summary) printSkips() {
	prefix := s.commonParent()
	var reasons []string
	tests := map[string][]string{}
	for _, sk := range s.skips {
		if _, ok := tests[sk.reason]; !ok {
			reasons = append(reasons, sk.reason)
		}
		tests[sk.reason] = append(tests[sk.reason], strings.TrimPrefix(sk.pkg, prefix)+"."+sk.test)
	}
	for _, r := range reasons {
		slices.Sort(tests[r]) // packages run in parallel: their events come in any order
		s.print(fmt.Sprintf("skipped: %s: %s\n", strings.Join(tests[r], ", "), r))
	}
}

// commonParent is the longest directory prefix, ending in a slash, that
// every package's parent directory shares, so that packages are named
// as in the module (metrics, internal/prometheustest).
func (s *summary) commonParent() string {
	var parents []string
	for pkg := range s.pkgs {
		parents = append(parents, pkg[:strings.LastIndex(pkg, "/")+1])
	}
	slices.Sort(parents)
	if len(parents) == 0 {
		return ""
	}
	first, last := parents[0], parents[len(parents)-1]
	n := 0
	for n < len(first) && n < len(last) && first[n] == last[n] {
		n++
	}
	return first[:strings.LastIndex(first[:n], "/")+1]
}
