package telegramtest

// history is the record of one kind of event (calls, sent messages,
// answered callbacks): all of them, or the last limit when the server was
// given [WithHistory]. It keeps at most twice limit items and drops the
// older half at once, so that appending stays O(1) amortised.
type history[T any] struct {
	limit   int // 0: keep everything
	items   []T
	dropped int // items appended and dropped since
}

// add appends v and returns its position among every item ever appended.
// drop, when not nil, is called with each item that falls out.
func (h *history[T]) add(v T, drop func(T)) int {
	pos := h.dropped + len(h.items)
	h.items = append(h.items, v)
	if h.limit > 0 && len(h.items) >= 2*h.limit {
		n := len(h.items) - h.limit
		if drop != nil {
			for _, old := range h.items[:n] {
				drop(old)
			}
		}
		h.items = append(h.items[:0], h.items[n:]...)
		clear(h.items[h.limit:cap(h.items)])
		h.dropped += n
	}
	return pos
}

// at returns the item at position pos (as add returned it), or nil when it
// has been dropped.
func (h *history[T]) at(pos int) *T {
	if i := pos - h.dropped; i >= 0 && i < len(h.items) {
		return &h.items[i]
	}
	return nil
}

// kept returns the items the history shows: the last limit, or all.
func (h *history[T]) kept() []T {
	if h.limit > 0 && len(h.items) > h.limit {
		return h.items[len(h.items)-h.limit:]
	}
	return h.items
}

// total is how many items were ever appended.
func (h *history[T]) total() int { return h.dropped + len(h.items) }
