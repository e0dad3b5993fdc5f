package metrics

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/dchest/siphash"
	"github.com/prometheus/client_golang/prometheus"
)

const (
	activeUsersName = "genapp_telegram_active_users_sketch"
	activeUsersHelp = "HyperLogLog registers of the distinct users who sent the bot an update in the current UTC hour, by register: the union over replicas and hours is the register-wise max"
)

// Precisions of the active-users sketch: 2^p registers, each one series.
const (
	MinActiveUsersPrecision     = 4
	MaxActiveUsersPrecision     = 16
	DefaultActiveUsersPrecision = 11
)

// ActiveUsersOption configures [WithActiveUsers].
type ActiveUsersOption func(*activeUsersConfig)

type activeUsersConfig struct {
	key       []byte
	precision int
	err       error
}

// ActiveUsersKey sets the key of the hash user ids go through before they
// reach the sketch (at least 16 bytes). Give every replica of a bot the same
// key, kept secret: the registers then say nothing about who the users are.
// Without it the key is derived from the app and env labels, which is the
// same on every replica but not secret.
func ActiveUsersKey(key []byte) ActiveUsersOption {
	return func(c *activeUsersConfig) {
		if len(key) < 16 {
			c.err = fmt.Errorf("metrics: ActiveUsersKey of %d bytes: give at least 16 random bytes, the same on every replica", len(key))
			return
		}
		c.key = key
	}
}

// ActiveUsersPrecision sets p: the sketch has 2^p registers, exposed as
// 2^p series per process, and its estimates have a standard error of
// 1.04/sqrt(2^p): 2.3% with the default p = 11. p must be between
// [MinActiveUsersPrecision] and [MaxActiveUsersPrecision].
func ActiveUsersPrecision(p int) ActiveUsersOption {
	return func(c *activeUsersConfig) {
		if p < MinActiveUsersPrecision || p > MaxActiveUsersPrecision {
			c.err = fmt.Errorf("metrics: ActiveUsersPrecision(%d): want %d to %d (2^p registers)", p, MinActiveUsersPrecision, MaxActiveUsersPrecision)
			return
		}
		c.precision = p
	}
}

// activeUsers is a HyperLogLog sketch of the users of the current UTC hour.
// Its registers only grow within the hour; a new hour starts from zero.
// Prometheus keeps the history: the register-wise max over a window and
// over replicas is the sketch of their union.
type activeUsers struct {
	k0, k1 uint64 // the SipHash key
	p      uint8
	hour   atomic.Pointer[hourSketch]
	desc   *prometheus.Desc
	labels []string                       // the register label values, "0" to 2^p-1
	clock  func(mono time.Duration) int64 // unixNano; a test sets it
}

// hourSketch holds the registers of one hour.
type hourSketch struct {
	hour int64 // Unix time / 3600
	regs []atomic.Uint32
}

func newActiveUsers(c activeUsersConfig, constLabels prometheus.Labels) *activeUsers {
	a := &activeUsers{
		p:     uint8(c.precision),
		desc:  prometheus.NewDesc(activeUsersName, activeUsersHelp, []string{"register"}, constLabels),
		clock: unixNano,
	}
	key := c.key
	if key == nil {
		key = []byte("genapp active users\x00" + constLabels["app"] + "\x00" + constLabels["env"])
	}
	sum := sha256.Sum256(key)
	a.k0, a.k1 = binary.LittleEndian.Uint64(sum[:8]), binary.LittleEndian.Uint64(sum[8:16])
	a.labels = make([]string, 1<<c.precision)
	for i := range a.labels {
		a.labels[i] = strconv.Itoa(i)
	}
	return a
}

// hash is the keyed hash of user id: SipHash-2-4 of its 8 bytes, little
// endian, under the first 16 bytes of SHA-256 of the key.
func (a *activeUsers) hash(id int64) uint64 {
	var buf [8]byte
	binary.LittleEndian.PutUint64(buf[:], uint64(id))
	return siphash.Hash(a.k0, a.k1, buf[:])
}

// registerOf returns the register a hash falls in and the value it brings:
// the position of the first 1 bit after the register's p bits.
func registerOf(h uint64, p uint8) (int, uint32) {
	j := int(h >> (64 - p))
	w := h<<p | 1<<(p-1) // the guard bit bounds the value at 64-p+1
	return j, uint32(bits.LeadingZeros64(w)) + 1
}

// add counts user id at unixNano, a wall clock time in Unix nanoseconds.
// It does not allocate but once an hour.
func (a *activeUsers) add(id, unixNano int64) {
	s := a.current(hourOf(unixNano))
	j, v := registerOf(a.hash(id), a.p)
	r := &s.regs[j]
	for {
		old := r.Load()
		if v <= old || r.CompareAndSwap(old, v) {
			return
		}
	}
}

// current returns the sketch of hour, starting it when hour is new. A
// user of the hour before (read before another goroutine started this
// one) counts in the current hour; a sketch more than an hour ahead is
// that of a wall clock since stepped back, and is started again.
func (a *activeUsers) current(hour int64) *hourSketch {
	for {
		s := a.hour.Load()
		if s != nil && isCurrent(s.hour, hour) {
			return s
		}
		n := &hourSketch{hour: hour, regs: make([]atomic.Uint32, len(a.labels))}
		if a.hour.CompareAndSwap(s, n) {
			return n
		}
	}
}

// hourOf returns the UTC hour of unixNano, a wall clock time in Unix
// nanoseconds, as hours since 1970.
func hourOf(unixNano int64) int64 { return unixNano / int64(time.Hour) }

// isCurrent tells whether the sketch of hour sketch is the current one at
// hour now: the same hour, or the next one (a user or a scrape a moment
// late across the hour).
func isCurrent(sketch, now int64) bool { return sketch == now || sketch == now+1 }

// collect sends every register of the current hour, zeros included, once a
// user was counted; in an hour with no user yet, all zeros.
func (a *activeUsers) collect(ch chan<- prometheus.Metric) {
	s := a.hour.Load()
	if s == nil {
		return
	}
	live := isCurrent(s.hour, hourOf(a.clock(now())))
	for i := range s.regs {
		v := 0.0
		if live {
			v = float64(s.regs[i].Load())
		}
		ch <- prometheus.MustNewConstMetric(a.desc, prometheus.GaugeValue, v, a.labels[i])
	}
}

// EstimateActiveUsers returns the HyperLogLog estimate of the distinct
// users whose sketch has registers (2^p values, such as the register-wise
// max of genapp_telegram_active_users_sketch over a window and over
// replicas): the raw estimate, or linear counting while it is below 2.5
// times the number of registers and a register is still 0. The recording
// rules of deploy/prometheus compute the same in PromQL.
func EstimateActiveUsers(registers []float64) float64 {
	m := float64(len(registers))
	if m == 0 {
		return 0
	}
	var z, zeros float64
	for _, r := range registers {
		z += math.Exp2(-r)
		if r == 0 {
			zeros++
		}
	}
	e := 0.7213 / (1 + 1.079/m) * m * m / z
	if e <= 2.5*m && zeros > 0 {
		return m * math.Log(m/zeros)
	}
	return e
}
