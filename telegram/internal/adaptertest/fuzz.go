package adaptertest

import (
	"slices"
	"testing"
)

// seeds start the fuzz target of every adapter, besides its own: a
// command whose entity runs past the text, one whose entity is empty, a
// lone slash, and an update of two types at once.
var seeds = []string{
	`{"update_id":1,"message":{"text":"/start","entities":[{"type":"bot_command","offset":0,"length":99}]}}`,
	`{"update_id":2,"message":{"text":"/x@","entities":[{"type":"bot_command","offset":0,"length":0}]}}`,
	`{"update_id":5,"message":{"text":"/"}}`,
	`{"update_id":7,"edited_message":{"text":"/start"},"my_chat_member":{}}`,
}

// FuzzParseUpdate is the fuzz target of an adapter whose ParseUpdate is
// parse: it feeds random updates, as the Bot API's JSON, from the seeds
// every adapter's target shares and the adapter's own, through parse, and
// hands each update parse accepts to handle, which fails t for what it
// finds wrong. The updates parse rejects are left out: the adapter's
// Poller skips them.
func FuzzParseUpdate[U any](f *testing.F, parse func([]byte) (U, error), handle func(t *testing.T, u U), own ...string) {
	f.Helper()
	for _, s := range slices.Concat(seeds, own) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if u, err := parse(data); err == nil {
			handle(t, u)
		}
	})
}
