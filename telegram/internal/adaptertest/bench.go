package adaptertest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// batch is how many updates each getUpdates answer of [PollerBench] holds:
// the most the Bot API sends.
const batch = 100

// PollerBench measures what the Poller of pb costs each update it fetches
// and hands on, one op an update: against a Bot API on 127.0.0.1 that
// answers every getUpdates at once with the next 100 updates from its
// offset, a text message each, until b.N were handed on. The Bot API's
// own allocations, a few an answer, count too, alike before and after a
// change.
func PollerBench[P, PO any](b *testing.B, pb PollerBot[P, PO]) {
	var mu sync.Mutex
	var body []byte
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Offset int `json:"offset"`
		}
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil {
			http.Error(w, `{"ok":false,"error_code":400,"description":"no JSON body"}`, http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		body = append(body[:0], `{"ok":true,"result":[`...)
		for id := max(req.Offset, 1); id < max(req.Offset, 1)+batch; id++ {
			if id > max(req.Offset, 1) {
				body = append(body, ',')
			}
			body = append(body, `{"update_id":`...)
			body = strconv.AppendInt(body, int64(id), 10)
			body = append(body, `,"message":{"message_id":1,"date":1700000000,"chat":{"id":100,"type":"private"},"from":{"id":100,"is_bot":false,"first_name":"U"},"text":"hi"}}`...)
		}
		body = append(body, "]}"...)
		w.Header().Set("Content-Type", "application/json")
		w.Write(body)
	}))
	b.Cleanup(srv.Close)

	var handed atomic.Int64
	all := make(chan struct{})
	r := PollerRun{URL: srv.URL, Token: token, Client: srv.Client(), Timeout: 10 * time.Second,
		Delivered: func(int64) {
			if handed.Add(1) == int64(b.N) {
				close(all)
			}
		},
		Failed: func(err error) { b.Errorf("reported %v, want no failure", err) },
	}
	opts := []PO{pb.WithPollTimeout(r.Timeout)}
	if pb.Options != nil {
		opts = append(opts, pb.Options(r)...)
	}
	p, err := pb.NewPoller(r.Client, opts...)
	if err != nil {
		b.Fatal(err)
	}
	poll := pb.Poll(b, p, r)
	b.ReportAllocs()
	b.ResetTimer()
	stop, done := poll()
	select {
	case <-all:
	case <-time.After(time.Minute + time.Duration(b.N)*time.Millisecond):
		b.Errorf("%d of %d updates handed on", handed.Load(), b.N)
	}
	b.StopTimer()
	stop()
	<-done
}
