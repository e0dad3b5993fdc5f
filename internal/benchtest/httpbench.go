package benchtest

import (
	"context"
	"io"
	"net/http"
	"testing"
)

// Serve measures h answering method url with body in ctx, one request reused:
// its body rewound and its Pattern cleared for each round. It fails the
// benchmark on an answer other than 200.
func Serve(b *testing.B, ctx context.Context, h http.Handler, method, url, body string) {
	w := NewWriter()
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		b.Fatal(err)
	}
	r := &rewindReader{s: body}
	req.ContentLength = int64(len(body))
	b.ReportAllocs()
	for b.Loop() {
		r.i = 0
		req.Body = r
		req.Pattern = ""
		h.ServeHTTP(w, req)
		if w.Code != 0 && w.Code != http.StatusOK {
			b.Fatalf("status %d", w.Code)
		}
	}
}

// Writer is a ResponseWriter that keeps nothing and allocates nothing but
// the status code.
type Writer struct {
	header http.Header
	Code   int
}

// NewWriter returns a Writer.
func NewWriter() *Writer { return &Writer{header: http.Header{}} }

func (w *Writer) Header() http.Header         { return w.header }
func (w *Writer) Write(p []byte) (int, error) { return len(p), nil }
func (w *Writer) WriteHeader(code int)        { w.Code = code }

type rewindReader struct {
	s string
	i int
}

func (r *rewindReader) Read(p []byte) (int, error) {
	if r.i >= len(r.s) {
		return 0, io.EOF
	}
	n := copy(p, r.s[r.i:])
	r.i += n
	return n, nil
}

func (r *rewindReader) Close() error { return nil }
