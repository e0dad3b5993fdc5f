package metrics

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"sync/atomic"
)

// delegator wraps a ResponseWriter to learn the status code and the number of
// body bytes written.
type delegator struct {
	http.ResponseWriter
	status  int
	written int64
}

func (d *delegator) WriteHeader(code int) {
	// 1xx responses other than 101 are informational: the final status is
	// still to come.
	if d.status == 0 && (code >= 200 || code == http.StatusSwitchingProtocols) {
		d.status = code
	}
	d.ResponseWriter.WriteHeader(code)
}

func (d *delegator) Write(p []byte) (int, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	n, err := d.ResponseWriter.Write(p)
	d.written += int64(n)
	return n, err
}

// Unwrap lets http.ResponseController reach the original writer.
func (d *delegator) Unwrap() http.ResponseWriter { return d.ResponseWriter }

func (d *delegator) flush() {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	d.ResponseWriter.(http.Flusher).Flush()
}

func (d *delegator) hijack() (net.Conn, *bufio.ReadWriter, error) {
	conn, rw, err := d.ResponseWriter.(http.Hijacker).Hijack()
	if err == nil && d.status == 0 {
		d.status = http.StatusSwitchingProtocols
	}
	return conn, rw, err
}

func (d *delegator) readFrom(r io.Reader) (int64, error) {
	if d.status == 0 {
		d.status = http.StatusOK
	}
	n, err := d.ResponseWriter.(io.ReaderFrom).ReadFrom(r)
	d.written += n
	return n, err
}

// The wrappers below give the caller exactly the optional interfaces the
// original writer has. Each is a struct holding one pointer, so converting it
// to http.ResponseWriter does not allocate.
type (
	flusher               struct{ *delegator }
	hijacker              struct{ *delegator }
	readerFrom            struct{ *delegator }
	flusherHijacker       struct{ *delegator }
	flusherReader         struct{ *delegator }
	hijackerReader        struct{ *delegator }
	flusherHijackerReader struct{ *delegator }
)

func (w flusher) Flush()                                        { w.flush() }
func (w hijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }
func (w readerFrom) ReadFrom(r io.Reader) (int64, error)        { return w.readFrom(r) }
func (w flusherHijacker) Flush()                                { w.flush() }
func (w flusherHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.hijack()
}
func (w flusherReader) Flush()                                        { w.flush() }
func (w flusherReader) ReadFrom(r io.Reader) (int64, error)           { return w.readFrom(r) }
func (w hijackerReader) Hijack() (net.Conn, *bufio.ReadWriter, error) { return w.hijack() }
func (w hijackerReader) ReadFrom(r io.Reader) (int64, error)          { return w.readFrom(r) }
func (w flusherHijackerReader) Flush()                                { w.flush() }
func (w flusherHijackerReader) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return w.hijack()
}
func (w flusherHijackerReader) ReadFrom(r io.Reader) (int64, error) { return w.readFrom(r) }

// wrap returns d as a ResponseWriter with the optional interfaces of d's
// original writer.
func (d *delegator) wrap() http.ResponseWriter {
	_, f := d.ResponseWriter.(http.Flusher)
	_, h := d.ResponseWriter.(http.Hijacker)
	_, r := d.ResponseWriter.(io.ReaderFrom)
	switch {
	case f && h && r:
		return flusherHijackerReader{d}
	case f && h:
		return flusherHijacker{d}
	case f && r:
		return flusherReader{d}
	case h && r:
		return hijackerReader{d}
	case f:
		return flusher{d}
	case h:
		return hijacker{d}
	case r:
		return readerFrom{d}
	}
	return d
}

// countingBody counts the request body bytes the handler reads; atomically,
// since a late reader may still read while the exchange is recorded.
type countingBody struct {
	io.ReadCloser
	n atomic.Int64
}

func (b *countingBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}
