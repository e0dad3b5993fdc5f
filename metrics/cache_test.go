package metrics

import (
	"sync"
	"sync/atomic"
	"testing"
)

// TestSeriesCache: concurrent lookups create each key once, all callers of a
// key get the value created for it, and exactly limit keys are admitted.
func TestSeriesCache(t *testing.T) {
	const limit, keys, workers = 500, 2000, 4
	var c seriesCache[int, *int]
	var created atomic.Int64
	create := func(k int) *int {
		created.Add(1)
		return &k
	}
	got := make([][keys]*int, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for round := range 3 {
				for i := range keys {
					k := (i*7 + w + round) % keys
					if v, ok := c.loadOrCreate(k, limit, create); ok {
						if *v != k {
							t.Errorf("key %d got the value of %d", k, *v)
						}
						got[w][k] = v
					}
				}
			}
		})
	}
	wg.Wait()
	if n := created.Load(); n != limit {
		t.Fatalf("%d values created, want the limit, %d", n, limit)
	}
	admitted := 0
	for k := range keys {
		var first *int
		for w := range workers {
			switch v := got[w][k]; {
			case v == nil:
			case first == nil:
				first = v
				admitted++
			case v != first:
				t.Fatalf("key %d: two values", k)
			}
		}
	}
	if admitted != limit {
		t.Fatalf("%d keys admitted, want %d", admitted, limit)
	}
	if !c.full.Load() {
		// Refusals promote the dirty map; after that many, it is the read
		// map and the cache refuses without the lock.
		t.Fatal("a full cache is not marked full")
	}
	if v := c.overflow(-1, create); c.overflow(-2, create) != v || *v != -1 {
		t.Fatal("overflow is not created once")
	}
}
