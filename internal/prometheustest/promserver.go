package prometheustest

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/genapp-go/genapp/internal/toolstest"
)

// Interval is the scrape and rule evaluation interval of the servers Start
// runs: short, so that tests see data within seconds.
const Interval = time.Second

// queryTimeout bounds each API request: far longer than a loopback
// Prometheus takes, even on a loaded machine.
const queryTimeout = 10 * time.Second

// Job is one scrape job of static targets.
type Job struct {
	Name        string   // job label
	Targets     []string // host:port of each target
	MetricsPath string   // default /metrics
	Scheme      string   // http (default) or https
	// BasicAuth, when set, is sent on every scrape.
	BasicAuth *BasicAuth
	// CAFile is the PEM file of the CA that signed the targets' certificates,
	// for Scheme https.
	CAFile string
	// HonorLabels keeps the job and instance labels of scraped series, as a
	// Pushgateway's scrape job must.
	HonorLabels bool
}

// BasicAuth is a user name and password for scrapes.
type BasicAuth struct {
	Username, Password string
}

// Config is what a server started by Start scrapes and evaluates.
type Config struct {
	Jobs []Job
	// RuleFiles are rule files to load, such as deploy/prometheus/rules.yml.
	RuleFiles []string
	// Alertmanagers are the base URLs (route prefix included, such as
	// toolstest.StartServer returns) of the Alertmanagers that firing and
	// resolved alerts are sent to.
	Alertmanagers []string
	// RemoteWrite are the URLs every scraped and recorded sample is
	// remote-written to, in batches sent at least every Interval.
	RemoteWrite []string
	// Features are the --enable-feature values to start with, such as
	// native-histograms or exemplar-storage.
	Features []string
}

// Server is a running Prometheus.
type Server struct {
	// URL is the base URL of its HTTP API, such as
	// http://127.0.0.1:40123/3f9c0a1b2d4e5f60 (see toolstest.StartServer).
	URL string
}

// Start runs Prometheus with cfg and returns once it is ready. The test is
// skipped (or fails, see toolstest.Require) when prometheus is not
// installed. The server is stopped, and its log printed if the test failed,
// when the test ends.
func Start(t testing.TB, cfg Config) *Server {
	t.Helper()
	dir := t.TempDir()
	configFile := filepath.Join(dir, "prometheus.yml")
	text, err := configText(cfg)
	if err != nil {
		t.Fatalf("prometheustest: %v", err)
	}
	if err := os.WriteFile(configFile, text, 0o600); err != nil {
		t.Fatalf("prometheustest: %v", err)
	}
	run := 0
	base := toolstest.StartServer(t, "prometheus", func(addr, routePrefix string) []string {
		run++ // a retried start gets a fresh data directory
		args := []string{
			"--config.file=" + configFile,
			"--storage.tsdb.path=" + filepath.Join(dir, fmt.Sprintf("data%d", run)),
			"--web.listen-address=" + addr,
			"--web.route-prefix=" + routePrefix,
		}
		if len(cfg.Features) > 0 {
			args = append(args, "--enable-feature="+strings.Join(cfg.Features, ","))
		}
		return args
	}, "/-/ready")
	return &Server{URL: base}
}

// Query evaluates expr now (GET /api/v1/query) and returns the resulting
// vector. An error answer, a warning, or a result that is not an instant
// vector is an error.
func (s *Server) Query(ctx context.Context, expr string) (model.Vector, error) {
	return s.query(ctx, url.Values{"query": {expr}})
}

// QueryAt evaluates expr at the instant at, as Query does now. Any server
// with the Prometheus query API answers it, VictoriaMetrics among them
// (make a Server with its URL).
func (s *Server) QueryAt(ctx context.Context, expr string, at time.Time) (model.Vector, error) {
	return s.query(ctx, url.Values{"query": {expr}, "time": {strconv.FormatFloat(float64(at.UnixMilli())/1e3, 'f', 3, 64)}})
}

func (s *Server) query(ctx context.Context, params url.Values) (model.Vector, error) {
	expr := params.Get("query")
	u := s.URL + "/api/v1/query?" + params.Encode()
	var data struct {
		ResultType string          `json:"resultType"`
		Result     json.RawMessage `json:"result"`
	}
	if err := s.get(ctx, u, &data); err != nil {
		return nil, fmt.Errorf("query %s: %w", expr, err)
	}
	if data.ResultType != "vector" {
		return nil, fmt.Errorf("query %s: result is a %s, not a vector", expr, data.ResultType)
	}
	var vec model.Vector
	if err := json.Unmarshal(data.Result, &vec); err != nil {
		return nil, fmt.Errorf("query %s: %w", expr, err)
	}
	return vec, nil
}

// Exemplar is one exemplar as GET /api/v1/query_exemplars reports it.
type Exemplar struct {
	Labels    map[string]string `json:"labels"`
	Value     string            `json:"value"`
	Timestamp float64           `json:"timestamp"`
}

// SeriesExemplars are the exemplars of one series.
type SeriesExemplars struct {
	SeriesLabels map[string]string `json:"seriesLabels"`
	Exemplars    []Exemplar        `json:"exemplars"`
}

// Exemplars returns the exemplars of the series expr selects over the last
// hour (GET /api/v1/query_exemplars): Prometheus keeps them only when started
// with the exemplar-storage feature.
func (s *Server) Exemplars(ctx context.Context, expr string) ([]SeriesExemplars, error) {
	end := time.Now()
	u := s.URL + "/api/v1/query_exemplars?" + url.Values{
		"query": {expr},
		"start": {strconv.FormatInt(end.Add(-time.Hour).Unix(), 10)},
		"end":   {strconv.FormatInt(end.Unix()+1, 10)},
	}.Encode()
	var data []SeriesExemplars
	if err := s.get(ctx, u, &data); err != nil {
		return nil, fmt.Errorf("query_exemplars %s: %w", expr, err)
	}
	return data, nil
}

// Target is one scrape target as GET /api/v1/targets reports it.
type Target struct {
	Labels    map[string]string `json:"labels"`
	ScrapeURL string            `json:"scrapeUrl"`
	Health    string            `json:"health"` // "up", "down" or "unknown"
	LastError string            `json:"lastError"`
}

// Targets returns the active scrape targets.
func (s *Server) Targets(ctx context.Context) ([]Target, error) {
	var data struct {
		ActiveTargets []Target `json:"activeTargets"`
	}
	if err := s.get(ctx, s.URL+"/api/v1/targets?state=active", &data); err != nil {
		return nil, fmt.Errorf("targets: %w", err)
	}
	return data.ActiveTargets, nil
}

// get fetches an API URL and decodes the data field of a success answer.
func (s *Server) get(ctx context.Context, u string, data any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return err
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	var answer struct {
		Status    string          `json:"status"`
		ErrorType string          `json:"errorType"`
		Error     string          `json:"error"`
		Warnings  []string        `json:"warnings"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		return fmt.Errorf("status %d, undecodable answer: %w", resp.StatusCode, err)
	}
	if answer.Status != "success" {
		return fmt.Errorf("%s: %s", answer.ErrorType, answer.Error)
	}
	if len(answer.Warnings) > 0 {
		return fmt.Errorf("warnings: %s", strings.Join(answer.Warnings, "; "))
	}
	return json.Unmarshal(answer.Data, data)
}

// WaitRules waits until every rule group has been evaluated since the
// instant since, and fails the test when that does not happen within
// timeout. A recorded series reflects a sample only from the first
// evaluation after the sample was ingested: a test that has seen its data
// arrive calls WaitRules with the time it saw it before it queries what
// the rules record.
func (s *Server) WaitRules(t testing.TB, since time.Time, timeout time.Duration) {
	t.Helper()
	// A group's evaluation that starts at wall time w evaluates at the
	// latest multiple of Interval before w: one Interval later than since
	// is an evaluation at an instant after since.
	after := since.Add(Interval)
	deadline := time.Now().Add(timeout)
	for {
		var data struct {
			Groups []struct {
				Name           string    `json:"name"`
				LastEvaluation time.Time `json:"lastEvaluation"`
			} `json:"groups"`
		}
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		err := s.get(ctx, s.URL+"/api/v1/rules", &data)
		cancel()
		if err == nil && len(data.Groups) == 0 {
			err = errors.New("no rule groups loaded")
		}
		for _, g := range data.Groups {
			if err == nil && !g.LastEvaluation.After(after) {
				err = fmt.Errorf("group %s last evaluated at %v", g.Name, g.LastEvaluation)
			}
		}
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("rules not evaluated since %v within %v: %v", since, timeout, err)
		}
		time.Sleep(Interval / 4)
	}
}

// WaitVector evaluates expr every Interval until the result is a non-empty
// vector, and fails the test when that does not happen within timeout. It
// is how tests wait for scrapes and rule evaluations.
func (s *Server) WaitVector(t testing.TB, expr string, timeout time.Duration) model.Vector {
	t.Helper()
	vec, err := s.Eventually(expr, timeout)
	if err != nil {
		t.Fatal(err)
	}
	return vec
}

// Eventually is WaitVector returning an error instead of failing the test,
// for tests that check many expressions and report every one that fails.
// Each query has queryTimeout of its own, whatever is left of timeout, so
// that the error reports what Prometheus last answered (such as "empty
// result"), not a query cut short by a busy machine.
func (s *Server) Eventually(expr string, timeout time.Duration) (model.Vector, error) {
	deadline := time.Now().Add(timeout)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), queryTimeout)
		vec, err := s.Query(ctx, expr)
		cancel()
		if err == nil && len(vec) > 0 {
			return vec, nil
		}
		if err == nil {
			err = errors.New("empty result")
		}
		left := time.Until(deadline)
		if left <= 0 {
			return nil, fmt.Errorf("%w (still after %v)", err, timeout)
		}
		time.Sleep(min(Interval, left))
	}
}

// configText renders cfg as a Prometheus configuration file. JSON is valid
// YAML, so encoding/json writes it.
func configText(cfg Config) ([]byte, error) {
	type basicAuth struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}
	type tlsConfig struct {
		CAFile string `json:"ca_file,omitempty"`
	}
	type staticConfig struct {
		Targets []string `json:"targets"`
	}
	type scrapeConfig struct {
		JobName       string         `json:"job_name"`
		MetricsPath   string         `json:"metrics_path,omitempty"`
		Scheme        string         `json:"scheme,omitempty"`
		HonorLabels   bool           `json:"honor_labels,omitempty"`
		BasicAuth     *basicAuth     `json:"basic_auth,omitempty"`
		TLSConfig     *tlsConfig     `json:"tls_config,omitempty"`
		StaticConfigs []staticConfig `json:"static_configs"`
	}
	type global struct {
		ScrapeInterval     string `json:"scrape_interval"`
		ScrapeTimeout      string `json:"scrape_timeout"`
		EvaluationInterval string `json:"evaluation_interval"`
	}
	type alertmanager struct {
		PathPrefix    string         `json:"path_prefix,omitempty"`
		StaticConfigs []staticConfig `json:"static_configs"`
	}
	type alerting struct {
		Alertmanagers []alertmanager `json:"alertmanagers"`
	}
	type queueConfig struct {
		BatchSendDeadline string `json:"batch_send_deadline"`
	}
	type remoteWrite struct {
		URL         string      `json:"url"`
		QueueConfig queueConfig `json:"queue_config"`
	}
	out := struct {
		Global        global         `json:"global"`
		RuleFiles     []string       `json:"rule_files,omitempty"`
		Alerting      *alerting      `json:"alerting,omitempty"`
		RemoteWrite   []remoteWrite  `json:"remote_write,omitempty"`
		ScrapeConfigs []scrapeConfig `json:"scrape_configs"`
	}{
		Global: global{
			ScrapeInterval:     Interval.String(),
			ScrapeTimeout:      Interval.String(),
			EvaluationInterval: Interval.String(),
		},
		ScrapeConfigs: []scrapeConfig{},
	}
	for _, f := range cfg.RuleFiles {
		abs, err := filepath.Abs(f)
		if err != nil {
			return nil, err
		}
		out.RuleFiles = append(out.RuleFiles, abs)
	}
	for _, am := range cfg.Alertmanagers {
		u, err := url.Parse(am)
		if err != nil || u.Scheme != "http" || u.Host == "" {
			return nil, fmt.Errorf("alertmanager %q is not an http URL", am)
		}
		if out.Alerting == nil {
			out.Alerting = &alerting{}
		}
		out.Alerting.Alertmanagers = append(out.Alerting.Alertmanagers, alertmanager{
			PathPrefix:    u.Path,
			StaticConfigs: []staticConfig{{Targets: []string{u.Host}}},
		})
	}
	for _, rw := range cfg.RemoteWrite {
		out.RemoteWrite = append(out.RemoteWrite, remoteWrite{URL: rw, QueueConfig: queueConfig{BatchSendDeadline: Interval.String()}})
	}
	for _, j := range cfg.Jobs {
		if j.Name == "" || len(j.Targets) == 0 {
			return nil, fmt.Errorf("job %+v needs a name and at least one target", j)
		}
		sc := scrapeConfig{
			JobName:       j.Name,
			MetricsPath:   j.MetricsPath,
			Scheme:        j.Scheme,
			HonorLabels:   j.HonorLabels,
			StaticConfigs: []staticConfig{{Targets: j.Targets}},
		}
		if j.BasicAuth != nil {
			sc.BasicAuth = &basicAuth{Username: j.BasicAuth.Username, Password: j.BasicAuth.Password}
		}
		if j.CAFile != "" {
			sc.TLSConfig = &tlsConfig{CAFile: j.CAFile}
		}
		out.ScrapeConfigs = append(out.ScrapeConfigs, sc)
	}
	return json.MarshalIndent(out, "", "  ")
}
