// Package proctest builds the programs of the module that tests run
// ([Binary]) and runs each as a process of its own, as a user would run
// it: its output captured for the test to read, signals sent as a
// terminal or a supervisor sends them, and the process killed when the
// test ends, its output logged if the test failed.
package proctest
