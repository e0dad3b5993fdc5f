package httpclient

import (
	"io"
)

// requestBody counts the request body bytes the base transport reads, and
// shows them to the exchange's Readers as they go. The transport may read
// it on another goroutine than the one that records the exchange, hence
// the atomic counter.
type requestBody struct {
	rc io.ReadCloser
	x  *exchange
}

func (b *requestBody) Read(p []byte) (int, error) {
	n, err := b.rc.Read(p)
	in := b.x.in.Add(int64(n))
	if b.x.rd != nil && (n > 0 || err != nil) {
		b.x.rd.requestBody(p[:n], in-int64(n), err)
	}
	return n, err
}

func (b *requestBody) Close() error { return b.rc.Close() }

// responseBody is the body the caller gets. Read and Close return exactly
// what the original body returns (io.EOF included); the first EOF, read error
// or Close ends the exchange. It holds one pointer, so handing it out as an
// io.ReadCloser does not allocate.
type responseBody struct{ *exchange }

func (b responseBody) Read(p []byte) (int, error) {
	n, err := b.respBody.Read(p)
	b.out.Add(int64(n))
	if err != nil {
		b.finish()
	}
	return n, err
}

func (b responseBody) Close() error {
	err := b.respBody.Close()
	b.finish()
	return err
}

// responseBodyWriterTo keeps the io.WriterTo of an original body that has one,
// so that io.Copy takes the same path as it would without instrumentation.
type responseBodyWriterTo struct{ responseBody }

func (b responseBodyWriterTo) WriteTo(w io.Writer) (int64, error) {
	n, err := b.respBody.(io.WriterTo).WriteTo(w)
	b.out.Add(n)
	// WriteTo returns at EOF or on an error: either ends the exchange.
	b.finish()
	return n, err
}

// wrap returns the body to give the caller in place of x.respBody.
func (x *exchange) wrap() io.ReadCloser {
	if _, ok := x.respBody.(io.WriterTo); ok {
		return responseBodyWriterTo{responseBody{x}}
	}
	return responseBody{x}
}
