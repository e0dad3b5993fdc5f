package httpclient

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/genapp-go/genapp/internal/bottoken"
)

const scanToken = "123:short-secret" // a secret far shorter than a real one

// chunkReader returns the bytes of data in the chunk sizes of sizes, in
// turn, then err.
type chunkReader struct {
	data  []byte
	sizes []byte
	i     int
	err   error
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if len(r.data) == 0 {
		return 0, r.err
	}
	n := len(r.data)
	if len(r.sizes) > 0 {
		n = min(n, int(r.sizes[r.i%len(r.sizes)])) // 0 is a Read with nothing new...
		if n == 0 && r.i%2 == 0 {
			n = 1 // ...on every other call at most, so that the reader ends
		}
		r.i++
	}
	n = copy(p, r.data[:n])
	r.data = r.data[n:]
	return n, nil
}

func (r *chunkReader) Close() error { return nil }

// readAll reads b to its error with the buffer sizes of sizes, in turn, at
// most 10,000 reads.
func readAll(t *testing.T, b io.Reader, sizes []byte) ([]byte, error) {
	t.Helper()
	var out []byte
	for i := range 10_000 {
		n := 64
		if len(sizes) > 0 {
			n = int(sizes[i%len(sizes)])
		}
		p := make([]byte, n)
		k, err := b.Read(p)
		out = append(out, p[:k]...)
		if err != nil {
			return out, err
		}
	}
	t.Fatalf("no error after 10,000 reads; read %q", out)
	return nil, nil
}

var scanMasker = bottoken.NewMasker(scanToken)

func masked(s string) string { return scanMasker.MaskString(s) }

// seen is a Reader that keeps the response body bytes it sees.
type seen struct{ body []byte }

func (*seen) RequestBody([]byte, int64, error) {}
func (*seen) Response(*http.Response) bool     { return true }
func (s *seen) ResponseBody(p []byte)          { s.body = append(s.body, p...) }
func (*seen) End()                             {}

// newScanBody returns rc as the caller gets it through the scanner of an
// exchange whose Readers are the token mask and then those of also.
func newScanBody(rc io.ReadCloser, also ...Reader) io.ReadCloser {
	rd := &reading{}
	rd.readers = append(rd.first[:0], followed{r: tokenMask{scanMasker}})
	for _, r := range also {
		rd.readers = append(rd.readers, followed{r: r})
	}
	rd.response(&http.Response{StatusCode: http.StatusOK, Header: http.Header{}, Body: rc})
	return rd.scan(rc)
}

func FuzzScanBody(f *testing.F) {
	for _, s := range []string{"", scanToken, "x" + scanToken + scanToken + "y", "123:short-secre", "123:123:short-secret", strings.Repeat("1", 40)} {
		f.Add(s, []byte{1, 2, 3}, []byte{1, 5, 0, 7})
		f.Add(s, []byte{}, []byte{})
	}
	f.Fuzz(func(t *testing.T, body string, chunks, reads []byte) {
		for i := range reads {
			reads[i] = max(reads[i]%40, 1) // a zero-length Read only returns 0, nil
		}
		observer := new(seen)
		b := newScanBody(&chunkReader{data: []byte(body), sizes: chunks, err: io.EOF}, observer)
		got, err := readAll(t, b, reads)
		if err != io.EOF {
			t.Fatalf("err = %v, want io.EOF", err)
		}
		if string(got) != masked(body) {
			t.Fatalf("read %q, want %q", got, masked(body))
		}
		if string(observer.body) != string(got) {
			t.Fatalf("a Reader saw %q, the caller read %q", observer.body, got)
		}
		if bytes.Contains(got, []byte(scanToken)) {
			t.Fatalf("the token is in %q", got)
		}
	})
}

func TestScanBodyIsAReader(t *testing.T) {
	body := strings.Repeat("abc "+scanToken+" 123:short", 50)
	b := newScanBody(io.NopCloser(strings.NewReader(body)))
	if err := iotest.TestReader(b, []byte(masked(body))); err != nil {
		t.Fatal(err)
	}
}

// TestScanBodyHoldsBackOnlyAPossibleToken: bytes that cannot begin the token
// reach the caller at once, without a Read that waits for more.
func TestScanBodyHoldsBackOnlyAPossibleToken(t *testing.T) {
	r := &chunkReader{data: []byte(`{"ok":true}` + "123:sh" + "ort-secret!"), sizes: []byte{11, 6, 11}, err: io.EOF}
	b := newScanBody(r)
	p := make([]byte, 64)
	if n, err := b.Read(p); string(p[:n]) != `{"ok":true}` || err != nil {
		t.Fatalf("first Read = %q, %v", p[:n], err)
	}
	if n, err := b.Read(p); n != 0 || err != nil {
		t.Fatalf("second Read = %q, %v; want the possible token held back", p[:n], err)
	}
	if n, err := b.Read(p); string(p[:n]) != "123:************!" || err != nil {
		t.Fatalf("third Read = %q, %v", p[:n], err)
	}
}

// TestScanBodyError: at an error, the held bytes go to the caller as they
// are, then the error, unchanged.
func TestScanBodyError(t *testing.T) {
	boom := errors.New("boom")
	for _, size := range []byte{1, 3, 64} {
		r := &chunkReader{data: []byte("ab123:short"), sizes: []byte{2, 9}, err: boom}
		got, err := readAll(t, newScanBody(r), []byte{size})
		if string(got) != "ab123:short" || err != boom {
			t.Errorf("reads of %d: got %q, %v; want every byte, then boom", size, got, err)
		}
	}
}

type closeCounter struct {
	io.Reader
	closed int
}

func (c *closeCounter) Close() error { c.closed++; return nil }

func TestScanBodyClose(t *testing.T) {
	rc := &closeCounter{Reader: strings.NewReader("x123:short")}
	b := newScanBody(rc)
	p := make([]byte, 64)
	if n, _ := b.Read(p); string(p[:n]) != "x" {
		t.Fatalf("Read = %q, want the byte before a possible token", p[:n])
	}
	if err := b.Close(); err != nil || rc.closed != 1 {
		t.Fatalf("Close = %v, closed %d times", err, rc.closed)
	}
}
