package polling

import (
	"encoding/json"
	"fmt"
)

// Decode parses data, an update as the Bot API sends it, into U, the
// update type of lib (the bot library, "telego"), and has check, unless
// nil, reject what the library would still fail on. What json.Unmarshal
// cannot parse is an error, and so is a panic of the library's, in
// json.Unmarshal or in check: pkg starts the errors.
func Decode[U any](pkg, lib string, data []byte, check func(*U) error) (u U, err error) {
	defer func() {
		if r := recover(); r != nil {
			var zero U
			u, err = zero, fmt.Errorf("%s: %s cannot parse the update: it panicked: %v", pkg, lib, r)
		}
	}()
	if err := json.Unmarshal(data, &u); err != nil {
		var zero U
		return zero, fmt.Errorf("%s: %s cannot parse the update: %w", pkg, lib, err)
	}
	if check != nil {
		if err := check(&u); err != nil {
			var zero U
			return zero, err
		}
	}
	return u, nil
}
