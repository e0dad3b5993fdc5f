package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// testModule writes a module of two packages whose tests pass, skip for
// two reasons, and fail when FAIL=1, and returns its directory.
func testModule(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/m\n\ngo 1.26\n",
		"a/a_test.go": `package a

import (
	"os"
	"testing"
)

func TestPass(t *testing.T)  { t.Log("noise of a passing test") }
func TestSkipA(t *testing.T) { t.Skip("tool missing: apt-get install tool") }
func TestFail(t *testing.T) {
	if os.Getenv("FAIL") == "1" {
		t.Fatal("boom")
	}
}
`,
		"b/c/c_test.go": `package c

import "testing"

func TestSkipB(t *testing.T) { t.Skipf("tool missing: %s", "apt-get install tool") }
func TestSub(t *testing.T) {
	t.Run("x", func(t *testing.T) { t.Skip("another reason") })
}
`,
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// goTestJSON runs go test -json on the packages of dir, with env added,
// and returns its output, which is what make test pipes to summarize.
func goTestJSON(t *testing.T, dir string, env ...string) []byte {
	t.Helper()
	cmd := exec.Command("go", "test", "-json", "-count=1", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), append([]string{"GOWORK=off", "GOFLAGS="}, env...)...)
	out, err := cmd.Output()
	if _, exited := err.(*exec.ExitError); err != nil && !exited {
		t.Fatal(err)
	}
	return out
}

func TestSummarize(t *testing.T) {
	dir := testModule(t)
	for _, tc := range []struct {
		name      string
		env       []string
		code      int
		want, not []string
	}{
		{
			name: "pass",
			code: 0,
			want: []string{
				"ok  \texample.com/m/a\t",
				"skipped: 3 tests\n",
				"skipped: a.TestSkipA, b/c.TestSkipB: tool missing: apt-get install tool\n",
				"skipped: b/c.TestSub/x: another reason\n",
			},
			not: []string{"=== RUN", "noise of a passing test", "--- SKIP", "\nPASS\n"},
		},
		{
			name: "fail",
			env:  []string{"FAIL=1"},
			code: 1,
			want: []string{"--- FAIL: TestFail", "a_test.go:12: boom", "skipped: 3 tests\n"},
			not:  []string{"=== RUN", "noise of a passing test"},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			code := summarize(bytes.NewReader(goTestJSON(t, dir, tc.env...)), &out)
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
			// The last line is a result line of go test, which CI looks for.
			lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			last := lines[len(lines)-1]
			if !strings.HasPrefix(last, "ok  \texample.com/m/") && !strings.HasPrefix(last, "FAIL\texample.com/m/") {
				t.Errorf("last line %q is not a result line of go test:\n%s", last, text)
			}
		})
	}
}

// TestSummarizeOtherLines: a line that is not an event (go vet, the go
// command) is copied; a stream with no skips gets no summary.
func TestSummarizeOtherLines(t *testing.T) {
	in := "go: downloading example.com/x v1.0.0\n" +
		`{"Action":"output","Package":"example.com/m/a","Output":"ok  \texample.com/m/a\t0.1s\n"}` + "\n" +
		`{"Action":"pass","Package":"example.com/m/a"}` + "\n"
	var out bytes.Buffer
	if code := summarize(strings.NewReader(in), &out); code != 0 {
		t.Errorf("exit status %d, want 0", code)
	}
	if want := "go: downloading example.com/x v1.0.0\nok  \texample.com/m/a\t0.1s\n"; out.String() != want {
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
	want := "ok  \tm/b\t0.1s\n--- FAIL: TestA (0.00s)\n    a_test.go:3: boom\nFAIL\nFAIL\tm/a\t0.1s\n"
	if out.String() != want {
		t.Errorf("output:\n%s\nwant:\n%s", out.String(), want)
	}
}
