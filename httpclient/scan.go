package httpclient

import "io"

// scan makes rd the scanner of rc, the response body, and returns it: the
// body to give the caller in rc's place. Its bytes pass through the
// Readers that read the body on their way to the caller, in one pass:
// first each rewriter, which may change them in place and hold back those
// that could begin a match, so that a match split across two reads is
// rewritten whole before any of it goes on; then, once released, each
// Reader's ResponseBody. Without a rewriter nothing is held back. It
// guarantees:
//
//   - Bounded memory: besides the Readers' own state, at most 2*maxHold
//     bytes, allocated only once a rewriter holds bytes back and the caller
//     reads into a buffer too small to hold them plus one new byte. The
//     body is never buffered whole, however long it or its lines are.
//   - No read-ahead: each Read calls the underlying Read at most once, and
//     only when nothing is left from before; a stream that pauses gives
//     the caller every byte received, except the held-back ones (at most
//     maxHold), without waiting for more.
//   - The same bytes in number and order: only rewrites in place change
//     them, so Content-Length stays right and the caller reads exactly as
//     many bytes as came from the wire. Each Reader sees each byte once, as
//     the caller gets it.
//   - At EOF or a read error, the rewriters are given the trailer (the
//     underlying body filled it in), the held-back bytes reach the caller
//     as they are (no more bytes can complete a match), then the error,
//     io.EOF included, returned unchanged. Close closes the underlying body
//     and drops the bytes still held back.
//
// It does not implement io.WriterTo: the bytes must pass through the
// Readers, so io.Copy reads them with its own buffer.
func (rd *reading) scan(rc io.ReadCloser) io.ReadCloser {
	rd.rc = rc
	return rd
}

func (rd *reading) Read(p []byte) (int, error) {
	if rd.ready > 0 || rd.err != nil {
		return rd.deliver(p)
	}
	if len(p) == 0 {
		return 0, nil
	}
	held := len(rd.buf)
	if len(p) <= held {
		// p cannot take the held bytes and a new one: receive into buf.
		if cap(rd.buf) < 2*rd.maxHold {
			rd.buf = append(make([]byte, 0, 2*rd.maxHold), rd.buf...)
		}
		n, err := rd.rc.Read(rd.buf[held:cap(rd.buf)])
		rd.buf = rd.buf[:held+n]
		rd.settle(rd.buf, n, err)
		return rd.deliver(p)
	}
	copy(p, rd.buf)
	n, err := rd.rc.Read(p[held:])
	total := held + n
	keep := rd.settle(p[:total], n, err)
	rd.buf = append(rd.buf[:0], p[total-keep:total]...)
	rd.ready = 0
	if err != nil {
		return total, err
	}
	return total - keep, nil
}

// settle scans p, the held bytes followed by fresh new ones, and returns
// how many bytes at its end stay held back: all of them when nothing new
// came, none once the body ended. The Readers see the others.
func (rd *reading) settle(p []byte, fresh int, err error) (keep int) {
	keep = len(p)
	if fresh > 0 {
		keep = rd.rewrite(p)
	}
	if err != nil {
		rd.err = err
		keep = 0
		rd.rewriteTrailer()
	}
	rd.ready = len(p) - keep
	if rd.ready > 0 {
		for _, f := range rd.readers {
			if f.readBody {
				f.r.ResponseBody(p[:rd.ready])
			}
		}
	}
	return keep
}

// rewrite gives p to the rewriters and returns how many bytes at its end
// one of them holds back.
func (rd *reading) rewrite(p []byte) (hold int) {
	for _, f := range rd.readers {
		if w, ok := f.r.(rewriter); ok && f.readBody {
			hold = max(hold, w.rewrite(p))
		}
	}
	return hold
}

func (rd *reading) rewriteTrailer() {
	for _, f := range rd.readers {
		if w, ok := f.r.(rewriter); ok && f.readBody {
			w.rewriteHeader(rd.resp.Trailer)
		}
	}
}

// deliver hands the caller the ready bytes, then, once the body ended and
// nothing is left, its error.
func (rd *reading) deliver(p []byte) (int, error) {
	n := copy(p, rd.buf[:rd.ready])
	rd.buf = rd.buf[:copy(rd.buf, rd.buf[n:])]
	rd.ready -= n
	if rd.err != nil && len(rd.buf) == 0 {
		return n, rd.err
	}
	return n, nil
}

func (rd *reading) Close() error { return rd.rc.Close() }
