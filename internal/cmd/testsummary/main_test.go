package main

import (
	"bytes"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// goTestJSON runs go test -json with args on the packages of the module
// testdata/m, with env added, and returns its output, which is what make
// test pipes to summarize.
func goTestJSON(t *testing.T, args []string, env ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", append(append([]string{"test", "-json", "-count=1"}, args...), "./...")...)
	cmd.Dir = "testdata/m"
	cmd.Env = append(os.Environ(), append([]string{"GOWORK=off", "GOFLAGS="}, env...)...)
	out, err := cmd.Output()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatal(err)
	}
	return out
}

// countLine is the form of the last line, which CI reads.
var countLine = regexp.MustCompile(`^\d+ passed, \d+ failed, \d+ skipped$`)

// TestSummarize runs go test on a module whose tests pass, skip, fail,
// outlast their timeout, do not build, or do not run.
func TestSummarize(t *testing.T) {
	skips := []string{
		"skipped: a.TestSkipA, b/c.TestSkipB: tool missing: apt-get install tool\n",
		"skipped: b/c.TestSub/x: another reason\n",
	}
	for _, tc := range []struct {
		name      string
		args, env []string
		code      int
		last      string
		want, not []string
	}{
		{
			name: "pass",
			code: 0,
			last: "4 passed, 0 failed, 3 skipped",
			want: append([]string{"ok  \texample.com/m/a\t", "ok  \texample.com/m/b/c\t"}, skips...),
			not:  []string{"=== RUN", "noise of a passing test", "--- SKIP", "\nPASS\n", "no test ran"},
		},
		{
			name: "fail",
			env:  []string{"FAIL=1"},
			code: 1,
			last: "3 passed, 1 failed, 3 skipped",
			want: append([]string{"--- FAIL: TestFail", "a_test.go:16: boom", "FAIL\texample.com/m/a\t"}, skips...),
			not:  []string{"=== RUN", "noise of a passing test"},
		},
		{
			name: "timeout",
			args: []string{"-timeout=2s"},
			env:  []string{"HANG=1"},
			code: 1,
			last: "3 passed, 1 failed, 3 skipped",
			want: append([]string{"a_test.go:22: hanging", "panic: test timed out", "FAIL\texample.com/m/a\t"}, skips...),
		},
		{
			name: "build failed",
			args: []string{"-tags=broken"},
			code: 1,
			last: "1 passed, 1 failed, 2 skipped",
			want: []string{"broken_test.go:6:", "FAIL\texample.com/m/a [build failed]", "skipped: b/c.TestSkipB: tool missing"},
		},
		{
			name: "no test ran",
			args: []string{"-run=^$"},
			code: 1,
			last: "0 passed, 0 failed, 0 skipped",
			want: []string{"[no tests to run]", "testsummary: no test ran\n"},
			not:  []string{"skipped:"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			code := summarize(bytes.NewReader(goTestJSON(t, tc.args, tc.env...)), &out)
			text := out.String()
			if code != tc.code {
				t.Errorf("exit status %d, want %d", code, tc.code)
			}
			for _, w := range tc.want {
				if !strings.Contains(text, w) {
					t.Errorf("output lacks %q:\n%s", w, text)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(text, n) {
					t.Errorf("output holds %q:\n%s", n, text)
				}
			}
			lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			if last := lines[len(lines)-1]; last != tc.last || !countLine.MatchString(last) {
				t.Errorf("last line %q, want %q:\n%s", last, tc.last, text)
			}
		})
	}
}

// TestSummarizeOtherLines: a line that is not an event (go vet, the go
// command) is copied; a stream with no skips names none.
func TestSummarizeOtherLines(t *testing.T) {
	in := "go: downloading example.com/x v1.0.0\n" +
		`{"Action":"run","Package":"example.com/m/a","Test":"TestA"}` + "\n" +
		`{"Action":"pass","Package":"example.com/m/a","Test":"TestA"}` + "\n" +
		`{"Action":"output","Package":"example.com/m/a","Output":"ok  \texample.com/m/a\t0.1s\n"}` + "\n" +
		`{"Action":"pass","Package":"example.com/m/a"}` + "\n"
	var out bytes.Buffer
	if code := summarize(strings.NewReader(in), &out); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if want := "go: downloading example.com/x v1.0.0\nok  \texample.com/m/a\t0.1s\n1 passed, 0 failed, 0 skipped\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}

// TestSummarizeInterleaved: the output of a failed test comes with the
// result lines of its package, even when events of another package came
// in between.
func TestSummarizeInterleaved(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"m/a","Test":"TestA"}`,
		`{"Action":"output","Package":"m/a","Test":"TestA","Output":"=== RUN   TestA\n"}`,
		`{"Action":"output","Package":"m/a","Test":"TestA","Output":"    a_test.go:3: boom\n"}`,
		`{"Action":"output","Package":"m/a","Test":"TestA","Output":"--- FAIL: TestA (0.00s)\n"}`,
		`{"Action":"fail","Package":"m/a","Test":"TestA"}`,
		`{"Action":"run","Package":"m/b","Test":"TestB"}`,
		`{"Action":"pass","Package":"m/b","Test":"TestB"}`,
		`{"Action":"output","Package":"m/b","Output":"ok  \tm/b\t0.1s\n"}`,
		`{"Action":"pass","Package":"m/b"}`,
		`{"Action":"output","Package":"m/a","Output":"FAIL\n"}`,
		`{"Action":"output","Package":"m/a","Output":"FAIL\tm/a\t0.1s\n"}`,
		`{"Action":"fail","Package":"m/a"}`,
	}, "\n") + "\n"
	var out bytes.Buffer
	if code := summarize(strings.NewReader(in), &out); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	want := "ok  \tm/b\t0.1s\n--- FAIL: TestA (0.00s)\n    a_test.go:3: boom\nFAIL\nFAIL\tm/a\t0.1s\n1 passed, 1 failed, 0 skipped\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestSummarizeCutShort: the tests still running when the stream ends
// failed, and their output is shown.
func TestSummarizeCutShort(t *testing.T) {
	in := strings.Join([]string{
		`{"Action":"run","Package":"m/a","Test":"TestA"}`,
		`{"Action":"pass","Package":"m/a","Test":"TestA"}`,
		`{"Action":"run","Package":"m/a","Test":"TestB"}`,
		`{"Action":"output","Package":"m/a","Test":"TestB","Output":"    a_test.go:9: started\n"}`,
	}, "\n") + "\n"
	var out bytes.Buffer
	if code := summarize(strings.NewReader(in), &out); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if want := "    a_test.go:9: started\n1 passed, 1 failed, 0 skipped\n"; out.String() != want {
		t.Errorf("output %q, want %q", out.String(), want)
	}
}
