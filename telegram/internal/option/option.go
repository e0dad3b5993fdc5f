// Package option applies the functional options of the telegram packages'
// constructors, with one error for a nil option.
package option

import "fmt"

// Apply applies opts to x in order and returns the first error: one an
// option returned, or, for a nil option, one that starts with what (such
// as "telegometrics: New") and says which option of how many is nil.
func Apply[T any, O ~func(*T) error](what string, x *T, opts []O) error {
	for i, o := range opts {
		if o == nil {
			return fmt.Errorf("%s: option %d of %d is nil", what, i+1, len(opts))
		}
		if err := o(x); err != nil {
			return err
		}
	}
	return nil
}
