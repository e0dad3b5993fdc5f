package metrics

import (
	"maps"
	"sync"
	"sync/atomic"
)

// seriesCache maps label values to the children of the families they select,
// so that the hot path of a known series is one lock-free map read with no
// allocation and no label hashing inside client_golang.
//
// It holds at most limit keys (none when limit <= 0: then every lookup of a
// new key is refused), so that whoever supplies the label values cannot make
// series at will. Lookups cost the same however many keys exist: known keys
// are read from an immutable map without a lock; new ones are added to a
// dirty copy under the lock, which becomes the read map once it has missed as
// many lookups as it holds keys, as sync.Map did. Each promotion costs a copy
// paid for by that many lookups, so creating n keys costs O(n), not O(n²).
// Once the read map is full, refusing a new key takes no lock.
type seriesCache[K comparable, V any] struct {
	read atomic.Pointer[map[K]V] // never written once stored
	full atomic.Bool             // *read holds limit keys: nothing will be added

	folded atomic.Pointer[V] // the value of the overflow key, outside the limit

	mu     sync.Mutex
	dirty  map[K]V // nil, or *read and the keys added since
	misses int     // lookups that found no key in *read since the last promotion
}

// loadOrCreate returns the value cached for k, creating and caching it with
// create when k is new and the cache holds fewer than limit keys. create runs
// under the lock, at most once per key. ok is false when k is new and the
// cache is full.
func (c *seriesCache[K, V]) loadOrCreate(k K, limit int, create func(K) V) (v V, ok bool) {
	read := c.read.Load()
	if read != nil {
		if v, ok := (*read)[k]; ok {
			return v, true
		}
	}
	if c.full.Load() {
		return v, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if read = c.read.Load(); read != nil {
		if v, ok := (*read)[k]; ok {
			return v, true
		}
	}
	defer c.missed(limit)
	if c.dirty == nil {
		if read != nil {
			c.dirty = maps.Clone(*read)
		} else {
			c.dirty = map[K]V{}
		}
	}
	if v, ok := c.dirty[k]; ok {
		return v, true
	}
	if len(c.dirty) >= limit {
		return v, false
	}
	v = create(k)
	c.dirty[k] = v
	return v, true
}

// missed counts a lookup that needed the lock and promotes the dirty map when
// the lookups it cost pay for its copy. Called with c.mu held.
func (c *seriesCache[K, V]) missed(limit int) {
	c.misses++
	if c.misses < len(c.dirty) {
		return
	}
	read := c.dirty
	c.read.Store(&read)
	c.full.Store(len(read) >= limit)
	c.dirty, c.misses = nil, 0
}

// overflow returns the value of k, the key that the values refused by
// loadOrCreate are folded into, creating it with create on first use. It is
// kept apart from the other keys and does not count towards their limit.
func (c *seriesCache[K, V]) overflow(k K, create func(K) V) V {
	if v := c.folded.Load(); v != nil {
		return *v
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if v := c.folded.Load(); v != nil {
		return *v
	}
	v := create(k)
	c.folded.Store(&v)
	return v
}
