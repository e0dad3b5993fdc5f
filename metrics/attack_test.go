package metrics

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// The tests of this file play a hostile client or a careless caller and
// check that /prometheus stays bounded and truthful. Each logs the size of
// the scrape after the attack, the figure docs/PERFORMANCE.md quotes.

// scrapeStats is what one scrape of m costs: its size in bytes and the number
// of series of each genapp_* family. It streams the exposition over loopback
// instead of holding it, so that it also measures scrapes far too large to
// parse.
type scrapeStats struct {
	bytes  int64
	series map[string]int
}

func (s scrapeStats) String() string {
	total := 0
	for _, n := range s.series {
		total += n
	}
	return fmt.Sprintf("scrape of %d bytes, %d genapp_* series %v", s.bytes, total, s.series)
}

func measureScrape(t *testing.T, m *Metrics) scrapeStats {
	t.Helper()
	srv := httptest.NewServer(m.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	st := scrapeStats{series: map[string]int{}}
	r := bufio.NewReaderSize(resp.Body, 1<<16)
	for {
		line, err := r.ReadString('\n')
		st.bytes += int64(len(line))
		if name, _, ok := strings.Cut(line, "{"); ok && strings.HasPrefix(name, "genapp_") && !strings.Contains(name, "_bucket") && !strings.HasSuffix(name, "_sum") {
			st.series[strings.TrimSuffix(name, "_count")]++
		}
		if err == io.EOF {
			return st
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func quietTest(t *testing.T, opts ...Option) *Metrics {
	t.Helper()
	opts = append([]Option{WithRegistry(prometheus.NewRegistry()), WithLogger(slog.New(slog.DiscardHandler))}, opts...)
	m, err := New("demobot", "dev", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// attackPaths GETs n distinct paths of about size bytes from srv, one
// connection, and returns the status codes seen.
func attackPaths(t *testing.T, url string, n, size int) map[int]int {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	codes := map[int]int{}
	pad := strings.Repeat("a", size)
	for i := range n {
		resp, err := client.Get(url + "//x/" + pad + letters(i))
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		codes[resp.StatusCode]++
	}
	client.CloseIdleConnections()
	return codes
}

// TestAttackLongPathsRedirect: 1,200 GETs of distinct 8 KB paths that the
// ServeMux answers with its own redirect (307, no route pattern) cost a few
// series, and a real route afterwards is recorded under its pattern.
func TestAttackLongPathsRedirect(t *testing.T) {
	m := quietTest(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {})
	srv := serve(t, m, mux)

	before := heapInUse()
	codes := attackPaths(t, srv.URL, 1200, 8<<10)
	grown := int64(heapInUse()) - int64(before)
	do(t, "GET", srv.URL+"/users/1", nil)
	st := measureScrape(t, m)
	t.Logf("after 1,200 GETs of 8 KB paths (statuses %v): %v; heap in use %+d KiB", codes, st, grown>>10)

	e := scrape(t, m)
	e.One(t, "genapp_http_requests_total", L{"resource": "users/{id}", "status": "200"})
	if got := e.Counter(t, "genapp_http_requests_total", L{"resource": UnroutedResource, "status": "307"}); got != 1200 {
		t.Errorf("redirects recorded as %v, want 1200 under %s", got, UnroutedResource)
	}
	if n := e.Series("genapp_http_requests_total"); n != 2 {
		t.Errorf("%d request series, want 2", n)
	}
	if st.bytes > 20_000 {
		t.Errorf("scrape of %d bytes after the attack", st.bytes)
	}
}

// TestAttackLongPathsBeforeRouting: an auth handler that answers before the
// ServeMux routes (401 here) does not record the path it refused.
func TestAttackLongPathsBeforeRouting(t *testing.T) {
	m := quietTest(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /users/{id}", func(w http.ResponseWriter, r *http.Request) {})
	auth := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "" {
			http.Error(w, "no", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
	srv := serve(t, m, auth)
	attackPaths(t, srv.URL, 300, 8<<10)
	for _, method := range []string{"DELETE", "PUT"} {
		req, _ := http.NewRequest(method, srv.URL+"/"+strings.Repeat("b", 40_000), nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
	}
	st := measureScrape(t, m)
	t.Logf("after 302 requests with paths of 8 and 40 KB refused before routing: %v", st)
	e := scrape(t, m)
	if got := e.Sum("genapp_http_requests_total", L{"resource": UnroutedResource, "status": "401"}); got != 302 {
		t.Errorf("refusals recorded as %v, want 302 under %s", got, UnroutedResource)
	}
	if n := e.Series("genapp_http_requests_total"); n != 3 {
		t.Errorf("%d request series, want 3 (GET, DELETE, PUT)", n)
	}
}

// TestLabelValueLength: no label value longer than MaxLabelLen is recorded,
// whoever supplies it; such values fold into OverflowValue and are counted.
func TestLabelValueLength(t *testing.T) {
	m := quietTest(t)
	long := strings.Repeat("r", MaxLabelLen+1)
	fit := strings.Repeat("f", MaxLabelLen)
	m.RecordHTTP(Exchange{AppType: AppTypeHTTP, Method: "GET", Resource: long, Status: 200})
	m.RecordHTTP(Exchange{AppType: long, Method: "GET", Resource: "v1", Status: 200})
	m.RecordHTTP(Exchange{AppType: fit, Method: "GET", Resource: fit, Status: 200})
	for _, name := range []string{long, "", strings.Repeat("n", 1<<20), fit} {
		a := m.Track(name)
		a.End(nil)
	}

	e := scrape(t, m)
	e.One(t, "genapp_http_requests_total", L{"app_type": AppTypeHTTP, "resource": OverflowValue})
	e.One(t, "genapp_http_requests_total", L{"app_type": OverflowValue, "resource": "v1"})
	e.One(t, "genapp_http_requests_total", L{"app_type": fit, "resource": fit})
	if got := e.Counter(t, "genapp_action_count_total", L{"name": OverflowValue}); got != 3 {
		t.Errorf("%v actions folded, want 3 (too long, empty, 1 MB)", got)
	}
	e.One(t, "genapp_action_count_total", L{"name": fit})
	for label, want := range map[string]float64{"name": 3, "resource": 1, "app_type": 1} {
		if got := e.Counter(t, "genapp_series_overflow_total", L{"label": label}); got != want {
			t.Errorf("overflow{label=%q} = %v, want %v", label, got, want)
		}
	}
	for _, f := range e.Families {
		for _, s := range f.GetMetric() {
			for _, lp := range s.GetLabel() {
				if len(lp.GetValue()) > MaxLabelLen {
					t.Errorf("%s: label %s of %d bytes", f.GetName(), lp.GetName(), len(lp.GetValue()))
				}
			}
		}
	}
}

// TestAttackStatusesAndAppTypes: every label that varies is under the guard.
// Distinct statuses, methods and app_type values beyond the limit fold into
// one overflow exchange, and no family exceeds the limit.
func TestAttackStatusesAndAppTypes(t *testing.T) {
	const limit = 100
	m := quietTest(t, WithMaxSeries(limit))
	methods := []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
	n := 0
	for status := 100; status < 900; status++ {
		for _, method := range methods {
			m.RecordHTTP(Exchange{AppType: AppTypeHTTP, Method: method, Resource: "v1", Status: status})
			n++
		}
	}
	for i := range 100_000 {
		m.RecordHTTP(Exchange{AppType: "t" + strconv.Itoa(i), Method: "GET", Resource: "v1", Status: 200})
		n++
	}
	st := measureScrape(t, m)
	t.Logf("after %d exchanges with 800 statuses x 6 methods and 100,000 app_types, limit %d: %v", n, limit, st)
	for family, series := range st.series {
		if family != "genapp_series_overflow_total" && series > limit {
			t.Errorf("%s: %d series, limit %d", family, series, limit)
		}
	}
	e := scrape(t, m)
	overflow := L{"method": OverflowValue, "status": OverflowValue, "resource": OverflowValue, "app_type": OverflowValue}
	folded := e.Counter(t, "genapp_http_requests_total", overflow)
	if counted := e.Counter(t, "genapp_series_overflow_total", L{"label": "resource"}); counted != folded {
		t.Errorf("overflow counter %v, folded exchanges %v", counted, folded)
	}
	if total := e.Sum("genapp_http_requests_total", nil); total != float64(n) {
		t.Errorf("%v exchanges recorded, want %d", total, n)
	}
}

// rawRequest writes head and then body to a loopback connection to url and
// returns the status line of the answer.
func rawRequest(t *testing.T, url, head string, body io.Reader) string {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	if body != nil {
		_, _ = io.Copy(conn, body) // the server may stop reading: that is the point
	}
	status, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the answer: %v", err)
	}
	return strings.TrimSpace(status)
}

// TestAttackForgedContentLength: the recorded request size never exceeds
// the bytes that arrived, whatever Content-Length claims.
func TestAttackForgedContentLength(t *testing.T) {
	m := quietTest(t)
	mux := http.NewServeMux()
	mux.HandleFunc("POST /refuse", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "no", http.StatusUnauthorized)
	})
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
		if _, err := io.Copy(io.Discard, r.Body); err != nil {
			http.Error(w, "too large", http.StatusRequestEntityTooLarge)
		}
	})
	srv := serve(t, m, mux)

	status := rawRequest(t, srv.URL, "POST /refuse HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775807\r\nConnection: close\r\n\r\n", nil)
	t.Logf("forged Content-Length: %s", status)
	const sent = 2 << 20
	status = rawRequest(t, srv.URL, "POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 52428800\r\nConnection: close\r\n\r\n",
		io.LimitReader(zeros{}, sent))
	t.Logf("50 MB claimed, %d bytes sent, cut at 1 MB: %s", sent, status)

	e := scrape(t, m)
	if _, sum := e.Histogram(t, "genapp_http_request_size_bytes", L{"resource": "refuse", "direction": "in"}); sum != 0 {
		t.Errorf("refused request recorded with %v bytes in, none was read", sum)
	}
	_, sum := e.Histogram(t, "genapp_http_request_size_bytes", L{"resource": "upload", "direction": "in"})
	t.Logf("recorded sizes: refused 0, upload %v", sum)
	if sum > sent || sum < 1<<20 {
		t.Errorf("upload recorded with %v bytes in, want between 1 MiB (read) and %d (sent)", sum, sent)
	}
}

// letters spells i in the letters g to z, which CleanResource keeps as they
// are: distinct paths for distinct i.
func letters(i int) string {
	s := ""
	for {
		s += string(rune('g' + i%20))
		if i /= 20; i == 0 {
			return s
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

// TestCarelessCallers: wrong options are errors naming what is allowed, and
// values out of range are recorded as the nearest truthful value.
func TestCarelessCallers(t *testing.T) {
	for _, c := range []struct {
		opt  Option
		want string
	}{
		{WithRegistry(nil), "metrics: WithRegistry(nil): give a *prometheus.Registry, or leave the option out to use the process-wide default registry"},
		{WithMaxSeries(3), "metrics: WithMaxSeries(3): the limit must be at least 4, room for one value and the overflow in each family"},
	} {
		m, err := New("demobot", "dev", c.opt)
		if m != nil || err == nil || err.Error() != c.want {
			t.Errorf("New: %v, %v; want the error %q", m, err, c.want)
		}
	}
	if _, err := New(strings.Repeat("p", MaxLabelLen+1), "dev", WithRegistry(prometheus.NewRegistry())); err == nil {
		t.Error("a project name longer than MaxLabelLen is accepted")
	}

	m := quietTest(t, WithMaxSeries(4))
	a := m.Track("big")
	a.Size(math.MaxInt)
	a.Size(math.MaxInt)
	a.End(nil)
	m.RecordHTTP(Exchange{AppType: AppTypeHTTP, Method: "GET", Resource: "v1", Status: 200, Duration: -time.Hour, RequestSize: -5})
	e := scrape(t, m)
	if got := e.Counter(t, "genapp_action_size_total", L{"name": "big"}); got != math.MaxInt64 {
		t.Errorf("size = %v, want the largest int64, %v", got, float64(math.MaxInt64))
	}
	if _, sum := e.Histogram(t, "genapp_http_request_duration_sec", L{"resource": "v1"}); sum != 0 {
		t.Errorf("negative duration recorded as %v, want 0", sum)
	}
	if _, sum := e.Histogram(t, "genapp_http_request_size_bytes", L{"resource": "v1", "direction": "in"}); sum != 0 {
		t.Errorf("negative size recorded as %v, want 0", sum)
	}
	// WithMaxSeries(4) keeps one name and the overflow: 4 series at most.
	_ = run(m, "second", func(*Action) error { return errBoom })
	_ = run(m, "big", func(*Action) error { return errBoom })
	if n := scrape(t, m).Series("genapp_action_count_total"); n != 3 {
		t.Errorf("%d count series, want 3: big ok and error, overflow error", n)
	}
}

// TestFoldCountedOnce: an exchange with several labels that do not fit is
// one folded observation.
func TestFoldCountedOnce(t *testing.T) {
	m := quietTest(t, WithMaxSeries(4))
	long := strings.Repeat("x", MaxLabelLen+1)
	m.RecordHTTP(Exchange{AppType: "a", Method: "GET", Resource: "r", Status: 200})   // kept: the one exchange
	m.RecordHTTP(Exchange{AppType: long, Method: "GET", Resource: long, Status: 200}) // too long, then over the limit
	m.RecordHTTP(Exchange{AppType: long, Method: "GET", Resource: "r", Status: 200})  // too long, then over the limit
	e := scrape(t, m)
	if got := e.Sum("genapp_series_overflow_total", nil); got != 2 {
		t.Errorf("%v folds counted, want 2", got)
	}
	if got := e.Counter(t, "genapp_http_requests_total", L{"status": OverflowValue}); got != 2 {
		t.Errorf("%v exchanges under the overflow series, want 2", got)
	}
}
