// Package logtest is a bytes.Buffer that tests can read while the code
// under test writes to it from other goroutines: a process's stdout and
// stderr, a logger shared by workers.
package logtest
