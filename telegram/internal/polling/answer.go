package polling

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Answer is the Bot API's envelope of a getUpdates answer, tolerant of a
// malformed error: retry_after is kept raw, for [Answer.RetryAfter].
type Answer struct {
	OK          bool            `json:"ok"`
	Code        int             `json:"error_code"`
	Description string          `json:"description"`
	Result      json.RawMessage `json:"result"`
	Parameters  struct {
		RetryAfter json.RawMessage `json:"retry_after"`
	} `json:"parameters"`
}

// RetryAfter is the wait the answer's retry_after asks for (see
// [RetryAfter]): a number of seconds or, from a broken API, a string
// holding one. Anything else is 0.
func (a *Answer) RetryAfter() time.Duration {
	secs, err := strconv.ParseFloat(strings.Trim(string(a.Parameters.RetryAfter), `"`), 64)
	if err != nil {
		return 0
	}
	return RetryAfter(secs)
}
