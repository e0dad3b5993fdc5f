package webconfig

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/prometheus/exporter-toolkit/web"
	"go.yaml.in/yaml/v2"
	"golang.org/x/crypto/bcrypt"
	"golang.org/x/time/rate"

	"github.com/genapp-go/genapp/metrics"
)

// Config is a web configuration file. [Load] loads one; it secures the
// server of metrics.Serve given as metrics.WithSecurity(c), or any
// net/http server through [Config.Secure].
//
// The file is read again on every request and TLS handshake, so that
// passwords and certificates can be rotated without a restart. Security
// never lapses while the server runs: a version of the file that fails the
// checks of Load (a file truncated, half written or mistyped, or one that
// would secure nothing), or that turns TLS on or off, turns basic auth off
// or changes client_auth_type (which take a restart), is logged and
// ignored; the last valid version stays in force. A certificate or key
// file that cannot be read any more fails the TLS handshakes until it can.
type Config struct {
	path           string
	allowUnsecured bool
	tls            bool // set by the first version
	log            *slog.Logger

	mu       sync.Mutex
	settings *webSettings      // the version in force
	seen     [sha256.Size]byte // of the version last checked
	readErr  string            // the error last logged for a file that cannot be read
}

// Option configures [Load].
type Option func(*Config)

// AllowUnsecured accepts a file that configures neither TLS nor basic auth
// (only headers or a rate limit, say): a server it secures is open to
// anyone. Without it such a file is an error, as is an empty one, since a
// file meant to secure a server that secures nothing is more likely a
// mistake than a choice.
func AllowUnsecured() Option {
	return func(c *Config) { c.allowUnsecured = true }
}

// WithLogger logs the versions of the file taken up and rejected while a
// server runs to l instead of [slog.Default].
func WithLogger(l *slog.Logger) Option {
	return func(c *Config) { c.log = l }
}

// Load reads the web configuration file at path and checks it as exporters
// do (known keys only, bcrypt hashes, allowed headers, readable certificate
// and key files), and that it configures TLS or basic auth unless
// [AllowUnsecured] is given ([ErrUnsecured]). The error names the file and
// what is wrong with it. Commands call it while they check their flags, so
// that a bad file stops them before they open any socket.
func Load(path string, opts ...Option) (*Config, error) {
	c := &Config{path: path, log: slog.Default()}
	for _, o := range opts {
		o(c)
	}
	raw, err := readFile(path)
	if err == nil {
		c.settings, err = c.check(raw)
	}
	if err != nil {
		return nil, fmt.Errorf("web config file %s: %w", path, err)
	}
	c.seen = sha256.Sum256(raw)
	c.tls = c.settings.config.TLSConfig.IsEnabled()
	return c, nil
}

// File secures the server of metrics.Serve with the file at path, loaded by
// [Load] when the server starts, logging to [slog.Default]: its error is
// then the error of metrics.ServeListener. An empty path leaves the server
// plain HTTP without authentication, so that a -web.config.file flag can
// default to "".
func File(path string) metrics.ServeOption {
	if path == "" {
		return metrics.WithSecurity(nil)
	}
	return metrics.WithSecurity(file(path))
}

// file is the web configuration file at its path, loaded as the server
// starts.
type file string

// Secure loads the file and secures next with it.
func (f file) Secure(next http.Handler) (http.Handler, *tls.Config, error) {
	c, err := Load(string(f))
	if err != nil {
		return nil, nil, err
	}
	return c.Secure(next)
}

// Scheme is the scheme of the URLs of a server c secures: "https" when the
// file configures TLS, "http" otherwise.
func (c *Config) Scheme() string {
	if c.tls {
		return "https"
	}
	return "http"
}

// Secure applies the settings in force to every request to next (rate
// limit, headers, basic auth) and returns the TLS configuration of the
// server, which takes them up on every handshake: nil when the file
// configures no TLS. Its error is always nil; it implements
// metrics.Security.
func (c *Config) Secure(next http.Handler) (http.Handler, *tls.Config, error) {
	if !c.tls {
		return c.handler(next), nil, nil
	}
	return c.handler(next), c.tlsConfig(), nil
}

// webSettings is one valid version of the file.
type webSettings struct {
	config  web.Config
	limiter *rate.Limiter // nil without rate_limit

	// bcrypt takes tens of milliseconds of CPU by design: comparisons run
	// one at a time, and the credentials that passed one are remembered
	// (as a hash) so that a scraper with the right password pays it once.
	bcryptMu sync.Mutex
	passedMu sync.Mutex
	passed   map[[sha256.Size]byte]bool

	// unknownUserHashes hold, for the cost of each user's hash in the
	// order of userCosts, a hash of a random password at that cost. The
	// password of an unknown user is compared with the one that the user
	// name picks: a refusal takes as long as one of a user that exists, so
	// its time does not tell which users exist, whatever their costs.
	userCosts         []int
	unknownUserHashes map[int][]byte
}

// maxPassed bounds the credentials remembered per version of the file.
const maxPassed = 100

// ErrUnsecured is the error of [Load] for a file that configures neither
// TLS nor basic auth, without [AllowUnsecured].
var ErrUnsecured = errors.New("configures neither TLS (tls_server_config) nor basic auth (basic_auth_users): a server it secured would be open to anyone")

// errChanged is the error of a file that changed while it was checked.
var errChanged = errors.New("the file changed while it was being checked")

// check parses raw, the content of the file, into settings if it is valid.
func (c *Config) check(raw []byte) (*webSettings, error) {
	// The toolkit's checks read the file themselves: what they checked is
	// raw only if the file still holds raw afterwards.
	if err := web.Validate(c.path); err != nil {
		return nil, err
	}
	if again, err := readFile(c.path); err != nil || !bytes.Equal(again, raw) {
		return nil, errChanged
	}
	// The defaults of the toolkit.
	s := &webSettings{
		config: web.Config{
			TLSConfig:  web.TLSConfig{MinVersion: tls.VersionTLS12, MaxVersion: tls.VersionTLS13},
			HTTPConfig: web.HTTPConfig{HTTP2: true},
		},
		passed: map[[sha256.Size]byte]bool{},
	}
	if err := yaml.UnmarshalStrict(raw, &s.config); err != nil {
		return nil, err
	}
	s.config.TLSConfig.SetDirectory(filepath.Dir(c.path))
	if !s.config.TLSConfig.IsEnabled() && len(s.config.Users) == 0 && !c.allowUnsecured {
		return nil, ErrUnsecured
	}
	if rl := s.config.RateLimiterConfig; rl.Interval != 0 {
		s.limiter = rate.NewLimiter(rate.Every(rl.Interval), rl.Burst)
	}
	s.unknownUserHashes = map[int][]byte{}
	for _, user := range slices.Sorted(maps.Keys(s.config.Users)) {
		cost, err := bcrypt.Cost([]byte(s.config.Users[user]))
		if err != nil {
			cost = bcrypt.MinCost // a broken hash fails at once, as a cheap one does
		}
		s.userCosts = append(s.userCosts, cost)
		if s.unknownUserHashes[cost] != nil {
			continue
		}
		if s.unknownUserHashes[cost], err = bcrypt.GenerateFromPassword([]byte(rand.Text()), cost); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// unknownUserHash is the hash the password of user, who is not in the file,
// is compared with: one of the cost of the user's hash that the name picks.
func (s *webSettings) unknownUserHash(user string) []byte {
	h := fnv.New32a()
	h.Write([]byte(user))
	return s.unknownUserHashes[s.userCosts[int(h.Sum32()%uint32(len(s.userCosts)))]]
}

// maxFileSize bounds the size of a web configuration file, far above that
// of any real one.
const maxFileSize = 1 << 20

// readFile reads the web configuration file at path, which must be a
// regular file of at most maxFileSize bytes: not a directory, nor a pipe
// or device whose reading would never end.
func readFile(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, errors.New("not a regular file")
	case fi.Size() > maxFileSize:
		return nil, fmt.Errorf("larger than %d bytes", maxFileSize)
	}
	return os.ReadFile(path)
}

// current returns the settings in force, after taking up the file if it
// holds a new valid version. Each version is checked and logged once; a
// file that cannot be read is logged again only when the error changes.
func (c *Config) current() *webSettings {
	c.mu.Lock()
	defer c.mu.Unlock()
	raw, err := readFile(c.path)
	if err != nil {
		if msg := err.Error(); msg != c.readErr {
			c.readErr = msg
			c.reject(err)
		}
		return c.settings
	}
	c.readErr = ""
	sum := sha256.Sum256(raw)
	if sum == c.seen {
		return c.settings
	}
	s, err := c.check(raw)
	if err == nil && s.config.TLSConfig.IsEnabled() != c.tls {
		err = errors.New("turns TLS on or off, which takes a restart")
	}
	if err == nil {
		err = c.settings.dropped(s)
	}
	if errors.Is(err, errChanged) {
		return c.settings // checked again on the next request
	}
	c.seen = sum
	if err != nil {
		c.reject(err)
		return c.settings
	}
	c.settings = s
	c.log.Info("web config file reloaded", "file", c.path)
	return s
}

// dropped returns why next, a new valid version, may not replace s, the
// one in force: it drops basic auth or changes the client certificate
// check. A file cut short while it is rewritten, whose first lines still
// configure TLS, would otherwise open the server; an operator who means it
// restarts.
func (s *webSettings) dropped(next *webSettings) error {
	switch {
	case len(s.config.Users) > 0 && len(next.config.Users) == 0:
		return errors.New("turns basic auth off (no basic_auth_users), which takes a restart")
	case s.config.TLSConfig.ClientAuth != "" && next.config.TLSConfig.ClientAuth != s.config.TLSConfig.ClientAuth:
		return fmt.Errorf("changes client_auth_type from %s to %q, which takes a restart", s.config.TLSConfig.ClientAuth, next.config.TLSConfig.ClientAuth)
	}
	return nil
}

// reject logs why the file is not taken up.
func (c *Config) reject(err error) {
	c.log.Error("web config file rejected: the last valid version stays in force", "file", c.path, "error", err.Error())
}

// handler applies the settings in force to every request to next: rate
// limit, headers, basic auth.
func (c *Config) handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := c.current()
		if s.limiter != nil && !s.limiter.Allow() {
			http.Error(w, http.StatusText(http.StatusTooManyRequests), http.StatusTooManyRequests)
			return
		}
		for k, v := range s.config.HTTPConfig.Header {
			w.Header().Set(k, v)
		}
		if len(s.config.Users) > 0 && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", "Basic")
			http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// authorized reports whether r carries the password of a user of s.
func (s *webSettings) authorized(r *http.Request) bool {
	user, password, ok := r.BasicAuth()
	if !ok {
		return false
	}
	key := sha256.Sum256([]byte(user + ":" + password)) // a user name has no colon
	s.passedMu.Lock()
	passed := s.passed[key]
	s.passedMu.Unlock()
	if passed {
		return true
	}
	hash, known := s.config.Users[user]
	compared := []byte(hash)
	if !known {
		compared = s.unknownUserHash(user)
	}
	s.bcryptMu.Lock()
	err := bcrypt.CompareHashAndPassword(compared, []byte(password))
	s.bcryptMu.Unlock()
	if err != nil || !known {
		return false
	}
	s.passedMu.Lock()
	if len(s.passed) >= maxPassed {
		clear(s.passed)
	}
	s.passed[key] = true
	s.passedMu.Unlock()
	return true
}

// tlsConfig is the TLS configuration of a server c secures: the settings
// in force, with certificates read again, on every handshake.
func (c *Config) tlsConfig() *tls.Config {
	return &tls.Config{GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
		s := c.current()
		cfg, err := web.ConfigToTLSConfig(&s.config.TLSConfig)
		if err != nil {
			return nil, err
		}
		cfg.NextProtos = []string{"http/1.1"}
		if s.config.HTTPConfig.HTTP2 {
			cfg.NextProtos = []string{"h2", "http/1.1"}
		}
		return cfg, nil
	}}
}
