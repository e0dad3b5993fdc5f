package polling

import (
	"errors"
	"strings"
	"testing"
)

// panicky is an update type whose decoding panics on "boom", as bot
// libraries' do on some updates.
type panicky struct {
	ID int `json:"update_id"`
}

func (p *panicky) UnmarshalJSON(data []byte) error {
	if strings.Contains(string(data), "boom") {
		var s []int
		_ = s[len(data)] // out of range
	}
	p.ID = 7
	return nil
}

// TestDecode: an update that decodes and passes check is returned; what
// does not decode, what check rejects and what panics, in decoding or in
// check, is an error, the zero update with it.
func TestDecode(t *testing.T) {
	reject := errors.New("rejected")
	for _, tc := range []struct {
		data  string
		check func(*panicky) error
		want  string // the error; "": none
	}{
		{`{"update_id":7}`, nil, ""},
		{`{"update_id":7}`, func(*panicky) error { return nil }, ""},
		{`{"update_id":7`, nil, "pkg: lib cannot parse the update: unexpected end of JSON input"},
		{`{"boom":1}`, nil, "pkg: lib cannot parse the update: it panicked: runtime error: index out of range [10] with length 0"},
		{`{"update_id":7}`, func(*panicky) error { return reject }, "rejected"},
		{`{"update_id":7}`, func(*panicky) error { panic("in check") }, "pkg: lib cannot parse the update: it panicked: in check"},
	} {
		u, err := Decode("pkg", "lib", []byte(tc.data), tc.check)
		switch {
		case tc.want == "" && (err != nil || u.ID != 7):
			t.Errorf("Decode(%s) = %+v, %v; want update 7", tc.data, u, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want || u.ID != 0):
			t.Errorf("Decode(%s) = %+v, %v; want the zero update and %q", tc.data, u, err, tc.want)
		}
	}
}
