package telebottest

import (
	"encoding/json"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/genapp-go/genapp/telegram"
	"github.com/genapp-go/genapp/telegram/internal/adaptertest"
	"github.com/genapp-go/genapp/telegram/internal/pollingtest"
)

// Telebot is one telebot major version, for the tests of its front end's
// Poller: B is its *tele.Bot, U its tele.Update.
type Telebot[B, U any] struct {
	// Bot returns an offline bot of the Bot API at url holding token,
	// whose OnError calls onError.
	Bot func(url, token string, onError func(error)) (B, error)
	// LongPoll is the Poll of telebot's LongPoller, of a 10 s timeout.
	LongPoll func(b B, dest chan U, stop chan struct{})
	// Raw calls b.Raw("getUpdates", nil).
	Raw func(b B)
	// ProcessUpdate is the bot's.
	ProcessUpdate func(b B, u U)
	// ID is an update's update_id.
	ID func(U) int
}

// bot is tb.Bot, failing t on an error.
func (tb Telebot[B, U]) bot(t testing.TB, url, token string, onError func(error)) B {
	t.Helper()
	b, err := tb.Bot(url, token, onError)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// PollerBot is the adaptertest.PollerBot of the Poller P of a telebot front
// end for tb, whose Poll is poll: its failures go to the bot's OnError,
// and the updates it sends to dest are read one at a time.
func PollerBot[P, PO, B, U any](tb Telebot[B, U], newPoller func(*http.Client, ...PO) (*P, error), withPollTimeout func(time.Duration) PO,
	withAllowedUpdates func(...telegram.UpdateType) PO, poll func(p *P, b B, dest chan U, stop chan struct{})) adaptertest.PollerBot[P, PO] {
	return adaptertest.PollerBot[P, PO]{
		NewPoller: newPoller, WithPollTimeout: withPollTimeout, WithAllowedUpdates: withAllowedUpdates,
		Poll: func(t testing.TB, p *P, r adaptertest.PollerRun) func() (func(), <-chan error) {
			b := tb.bot(t, r.URL, r.Token, r.Failed)
			return func() (func(), <-chan error) {
				dest, stop, done, polled := make(chan U), make(chan struct{}), make(chan error, 1), make(chan struct{})
				go func() {
					defer close(polled)
					poll(p, b, dest, stop)
					done <- nil
				}()
				go func() {
					for {
						select {
						case u := <-dest:
							r.Delivered(int64(tb.ID(u)))
						case <-polled:
							return
						}
						select {
						case <-stop: // as the bot stops taking updates
							return
						default:
						}
					}
				}()
				return func() { close(stop) }, done
			}
		},
		Poison: map[string]adaptertest.Poison{
			"photo []":        {Update: map[string]any{"message": map[string]any{"message_id": 1, "date": 0, "chat": map[string]any{"id": 1, "type": "private"}, "photo": []any{}}}},
			"message no chat": {Update: map[string]any{"message": map[string]any{"message_id": 1, "date": 0, "migrate_to_chat_id": -100123}}},
		},
	}
}

// LongPollerMisbehaves is the control that shows why a telebot front end
// has a Poller: against a Bot API that fails, or that answers at once with
// no updates, telebot's LongPoller sends getUpdates in a busy loop (50
// within at most 10 s, which a Poller would take minutes to send) and
// tells the bot's OnError nothing; telebot panics on a retry_after that is
// a string, on "photo":[] and, in ProcessUpdate, outside any handler,
// where no Recover middleware reaches, on a message without a chat.
func LongPollerMisbehaves[B, U any](t *testing.T, tb Telebot[B, U]) {
	t.Helper()
	for name, answer := range map[string]string{"502": `{"ok":false,"error_code":502}`, "empty": `{"ok":true,"result":[]}`} {
		api := pollingtest.NewAPI(t, http.StatusOK, answer)
		var reported atomic.Int64
		b := tb.bot(t, api.URL, "TOKEN", func(error) { reported.Add(1) })
		stop, done := make(chan struct{}), make(chan struct{})
		go func() {
			defer close(done)
			tb.LongPoll(b, make(chan U), stop)
		}()
		_, n := api.WaitCalls(50, 10*time.Second)
		close(stop)
		<-done
		if n < 50 || reported.Load() != 0 {
			t.Errorf("%s: LongPoller sent %d getUpdates and reported %d errors, expected a silent busy loop", name, n, reported.Load())
		}
	}
	api := pollingtest.NewAPI(t, http.StatusTooManyRequests, `{"ok":false,"error_code":429,"parameters":{"retry_after":"5"}}`)
	b := tb.bot(t, api.URL, "TOKEN", func(error) {})
	for what, f := range map[string]func(){
		"a retry_after that is a string": func() { tb.Raw(b) },
		`"photo":[]`:                     func() { json.Unmarshal([]byte(`{"update_id":1,"message":{"photo":[]}}`), new(U)) },
		"a message without a chat": func() {
			var u U
			if err := json.Unmarshal([]byte(`{"update_id":1,"message":{"message_id":1,"date":0,"migrate_to_chat_id":-100123}}`), &u); err != nil {
				t.Fatal(err)
			}
			tb.ProcessUpdate(b, u)
		},
	} {
		if p := func() (p any) { defer func() { p = recover() }(); f(); return nil }(); p == nil {
			t.Errorf("telebot did not panic on %s: the defence may be unneeded now", what)
		}
	}
}
