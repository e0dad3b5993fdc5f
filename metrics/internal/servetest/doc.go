// Package servetest runs the metrics server on a loopback port for the
// tests of the packages that configure it.
package servetest
