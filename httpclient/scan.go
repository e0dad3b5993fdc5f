package httpclient

import "io"

// A bodyScanner looks at the bytes of a response body in order, as they
// stream to the caller through a [scanBody], and may rewrite them in place.
// A scanner that only observes (one that reads values out of the body)
// holds nothing back and keeps what it needs across chunk boundaries in
// bounded state of its own; a scanner that rewrites (the bot token mask)
// holds back the bytes that could begin a match, so that a match split
// across two reads is rewritten whole before any of it reaches the caller.
type bodyScanner interface {
	// scan is given the next bytes of the body: the ones it held back
	// last time, followed by those just received. It may change bytes of
	// p but never their number, and returns how many bytes at the end of p
	// it holds back, at most the maxHold the scanBody was made with. Held
	// bytes are given again at the start of the next call; at the end of
	// the body they go to the caller as they are.
	scan(p []byte) (hold int)
}

// scanBody is a response body whose bytes pass through a bodyScanner on
// their way to the caller. It guarantees:
//
//   - Bounded memory: besides the scanner's own state, at most 2*maxHold
//     bytes, allocated only once the scanner holds bytes back or the
//     caller reads into a buffer too small to hold them plus one new byte.
//     The body is never buffered whole, however long it or its lines are.
//   - No read-ahead: each Read calls the underlying Read at most once, and
//     only when nothing is left from before; a stream that pauses gives
//     the caller every byte received, except the held-back ones (at most
//     maxHold, a possible beginning of a match), without waiting for more.
//   - The same bytes in number and order: only the scanner's in-place
//     rewrites change them. With a scanner that keeps lengths (every one
//     does), Content-Length stays right and the caller reads exactly as
//     many bytes as came from the wire.
//   - At EOF or a read error, the held-back bytes reach the caller as they
//     are (no more bytes can complete a match), then the error, io.EOF
//     included, returned unchanged. Close closes the underlying body and
//     drops the bytes still held back.
//
// It does not implement io.WriterTo: the bytes must pass through the
// scanner, so io.Copy reads them with its own buffer.
type scanBody struct {
	rc      io.ReadCloser
	s       bodyScanner
	maxHold int

	// buf[:ready] are bytes ready for the caller, buf[ready:] bytes the
	// scanner holds back. After the underlying body ended (err != nil),
	// every byte in buf is ready.
	buf   []byte
	ready int
	err   error
}

func newScanBody(rc io.ReadCloser, s bodyScanner, maxHold int) *scanBody {
	return &scanBody{rc: rc, s: s, maxHold: maxHold}
}

func (b *scanBody) Read(p []byte) (int, error) {
	if b.ready > 0 || b.err != nil {
		return b.deliver(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	held := len(b.buf)
	if len(p) <= held {
		// p cannot take the held bytes and a new one: receive into buf.
		if cap(b.buf) < 2*b.maxHold {
			b.buf = append(make([]byte, 0, 2*b.maxHold), b.buf...)
		}
		n, err := b.rc.Read(b.buf[held:cap(b.buf)])
		b.buf = b.buf[:held+n]
		b.settle(b.buf, n, err)
		return b.deliver(p)
	}
	copy(p, b.buf)
	n, err := b.rc.Read(p[held:])
	total := held + n
	keep := b.settle(p[:total], n, err)
	b.buf = append(b.buf[:0], p[total-keep:total]...)
	b.ready = 0
	if err != nil {
		return total, err
	}
	return total - keep, nil
}

// settle scans p, the held bytes followed by fresh new ones, and returns
// how many bytes at its end stay held back: all of them when nothing new
// came, none once the body ended.
func (b *scanBody) settle(p []byte, fresh int, err error) (keep int) {
	keep = len(p)
	if fresh > 0 {
		keep = b.s.scan(p)
	}
	if err != nil {
		b.err = err
		keep = 0
	}
	b.ready = len(p) - keep
	return keep
}

// deliver hands the caller the ready bytes, then, once the body ended and
// nothing is left, its error.
func (b *scanBody) deliver(p []byte) (int, error) {
	n := copy(p, b.buf[:b.ready])
	b.buf = b.buf[:copy(b.buf, b.buf[n:])]
	b.ready -= n
	if b.err != nil && len(b.buf) == 0 {
		return n, b.err
	}
	return n, nil
}

func (b *scanBody) Close() error { return b.rc.Close() }
