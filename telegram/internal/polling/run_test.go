package polling

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genapp-go/genapp/internal/bottoken"
	"github.com/genapp-go/genapp/telegram"
)

// api starts a Bot API on 127.0.0.1 that answers the nth getUpdates with
// answers[n-1] (the last one again after them), at 200 OK unless it is an
// error answer, and returns its URL and the offsets it was asked for.
func api(t *testing.T, answers ...string) (url string, offsets func() []int) {
	var mu sync.Mutex
	var got []int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			Offset int `json:"offset"`
		}
		json.NewDecoder(io.LimitReader(r.Body, 1<<10)).Decode(&req)
		mu.Lock()
		got = append(got, req.Offset)
		answer := answers[min(len(got), len(answers))-1]
		mu.Unlock()
		var a Answer
		if json.Unmarshal([]byte(answer), &a) == nil && !a.OK {
			w.WriteHeader(a.Code)
		}
		io.WriteString(w, answer)
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []int {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(got)
	}
}

// report is a failure a Loop reported, with the wait, and what its State's
// Err returned then.
type report struct {
	f    *telegram.PollError
	wait time.Duration
	err  error
}

// loop is a Loop of update_id for url, whose Parse rejects an update
// whose text is "poison" and whose Hand takes the updates hand accepts;
// it returns what was handed on and reported.
func loop(url string, hand func(id int) bool) (l Loop[int], handed *[]int, reports *[]report) {
	handed, reports = new([]int), new([]report)
	l = Loop[int]{
		Client: http.DefaultClient, URL: url + "/bot1:T/getUpdates", Masker: bottoken.NewMasker("1:T"),
		Config: Config{Timeout: time.Second}, State: new(State), Offset: new(int),
		Parse: func(data []byte) (int, error) {
			var u struct {
				ID      int `json:"update_id"`
				Message struct {
					Text string `json:"text"`
				} `json:"message"`
			}
			if err := json.Unmarshal(data, &u); err != nil || u.Message.Text == "poison" {
				return 0, errors.New("cannot parse the update")
			}
			return u.ID, nil
		},
		Hand: func(_ context.Context, id int, raw json.RawMessage) bool {
			if !hand(id) {
				return false
			}
			if want := fmt.Sprintf(`{"update_id":%d,`, id); !strings.HasPrefix(string(raw), want) {
				panic(fmt.Sprintf("update %d handed on with %s", id, raw))
			}
			*handed = append(*handed, id)
			return true
		},
	}
	l.Report = func(f *telegram.PollError, wait time.Duration) {
		*reports = append(*reports, report{f, wait, l.State.Err()})
	}
	return l, handed, reports
}

// updates is an answer with an update of each text, update_id 1 and up.
func updates(texts ...string) string {
	var us []string
	for i, text := range texts {
		us = append(us, fmt.Sprintf(`{"update_id":%d,"message":{"message_id":1,"date":0,"chat":{"id":1,"type":"private"},"text":%q}}`, i+1, text))
	}
	return `{"ok":true,"result":[` + strings.Join(us, ",") + `]}`
}

// TestRunAnswer: the updates of an answer are handed on in order; the one
// Parse rejects is reported, once, and skipped; the offset moves past each
// update handed on or skipped, in order, and not past the one Hand did not
// take (the bot stopping), where Run returns.
func TestRunAnswer(t *testing.T) {
	url, offsets := api(t, updates("a", "poison", "b", "c", "d"))
	l, handed, reports := loop(url, func(id int) bool { return id < 4 })
	l.State.Start(nil)
	if err := Run(context.Background(), l); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(*handed, []int{1, 3}) || *l.Offset != 4 || !slices.Equal(offsets(), []int{0}) {
		t.Errorf("handed on %v, next offset %d after getUpdates from %v; want 1 and 3, 4 (update 4 unconfirmed), 0", *handed, *l.Offset, offsets())
	}
	if len(*reports) != 1 || (*reports)[0].wait != 0 || (*reports)[0].f.Error() != "telegram: getUpdates failed (200): update 2 skipped: cannot parse the update" {
		t.Errorf("reported %v, want update 2 skipped, once, and no wait", *reports)
	}
}

// TestRunFails: after a failure Run reports it with the wait (the backoff
// of a first failure, 0.5 to 1 s) and polls again from the same offset; on
// a 409 it reports it with no wait, its State's Err returning it already,
// and returns it.
func TestRunFails(t *testing.T) {
	const conflict = `{"ok":false,"error_code":409,"description":"Conflict"}`
	url, offsets := api(t, updates("a"), `<html>502 Bad Gateway</html>`, conflict)
	l, handed, reports := loop(url, func(int) bool { return true })
	l.State.Start(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := Run(ctx, l)
	var pe *telegram.PollError
	if !errors.As(err, &pe) || pe.Code != http.StatusConflict || !pe.Stopped || l.State.Err() != err {
		t.Fatalf("Run = %v, Err() = %v; want the 409, stopped", err, l.State.Err())
	}
	if !slices.Equal(*handed, []int{1}) || !slices.Equal(offsets(), []int{0, 2, 2}) {
		t.Errorf("handed on %v with getUpdates from %v, want 1 with 0, 2, 2", *handed, offsets())
	}
	if rs := *reports; len(rs) != 2 || rs[0].wait < MinBackoff/2 || rs[0].wait > MinBackoff || rs[0].err != nil || rs[0].f.Stopped ||
		rs[1].f != pe || rs[1].wait != 0 || rs[1].err != pe {
		t.Errorf("reported %v; want the 502 with a wait of 0.5 to 1 s, then the 409 with none, Err returning it", rs)
	}
}

// TestRunBound: a getUpdates the Bot API holds past the poll timeout and
// the bound fails as an answer that never came, reported with the backoff's
// wait, and the next one is sent.
func TestRunBound(t *testing.T) {
	bound = 200 * time.Millisecond
	t.Cleanup(func() { bound = Bound })
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if calls.Add(1) == 1 {
			io.Copy(io.Discard, r.Body) // then the server sees the client go
			select {                    // held until the client gives up
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		io.WriteString(w, `{"ok":false,"error_code":409,"description":"Conflict"}`)
	}))
	t.Cleanup(srv.Close)
	l, _, reports := loop(srv.URL, func(int) bool { return true })
	l.State.Start(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	err := Run(ctx, l)
	took := time.Since(start)
	var pe *telegram.PollError
	if !errors.As(err, &pe) || pe.Code != http.StatusConflict || calls.Load() != 2 {
		t.Fatalf("Run = %v after %d getUpdates; want the 409 of the second", err, calls.Load())
	}
	if rs := *reports; len(rs) != 2 || rs[0].f.Code != 0 || !errors.Is(rs[0].f, context.DeadlineExceeded) || rs[0].wait < MinBackoff/2 {
		t.Errorf("reported %v; want first a failure with no answer, the deadline exceeded, and a backoff", rs)
	}
	if limit := l.Config.Timeout + bound; took < limit || took > limit+MinBackoff+2*time.Second {
		t.Errorf("Run took %v; want the held getUpdates given up after %v, then the backoff", took, limit)
	}
}

// TestSend: Send sends unless ctx ended.
func TestSend(t *testing.T) {
	ch := make(chan int, 1)
	ctx, cancel := context.WithCancel(context.Background())
	if !Send(ctx, ch, 1) || <-ch != 1 {
		t.Error("Send did not send to a channel that takes it")
	}
	cancel()
	if Send(ctx, make(chan int), 1) {
		t.Error("Send returned true once ctx ended")
	}
}
