//go:build broken

package a

// With -tags broken, package a does not build.
var _ int = "not an int"
