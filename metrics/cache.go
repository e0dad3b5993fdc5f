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
// The map is copied on write: series are created rarely and read on every
// tracked call.
type seriesCache[K comparable, V any] struct {
	mu sync.Mutex
	m  atomic.Pointer[map[K]V]
}

func (c *seriesCache[K, V]) load(k K) (V, bool) {
	if m := c.m.Load(); m != nil {
		v, ok := (*m)[k]
		return v, ok
	}
	var zero V
	return zero, false
}

// loadOrCreate returns the value cached for k, creating and caching it with
// create when missing. create runs under the write lock, at most once per key.
// When the cache already holds limit keys (limit > 0), a missing k is not
// created and ok is false.
func (c *seriesCache[K, V]) loadOrCreate(k K, limit int, create func(K) V) (v V, ok bool) {
	if v, ok := c.load(k); ok {
		return v, true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	old := c.m.Load()
	if old != nil {
		if v, ok := (*old)[k]; ok {
			return v, true
		}
		if limit > 0 && len(*old) >= limit {
			return v, false
		}
	}
	next := make(map[K]V)
	if old != nil {
		next = maps.Clone(*old)
	}
	v = create(k)
	next[k] = v
	c.m.Store(&next)
	return v, true
}
