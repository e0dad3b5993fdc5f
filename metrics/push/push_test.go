package push_test

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/genapp-go/genapp/internal/promtest"
	"github.com/genapp-go/genapp/internal/toolstest"
	"github.com/genapp-go/genapp/metrics"
	"github.com/genapp-go/genapp/metrics/push"
)

// taskRun is one run of a task process: a fresh registry, one tracked run
// of report_task that fails when fail is set.
func taskRun(t *testing.T, fail bool) (*metrics.Metrics, *prometheus.Registry) {
	t.Helper()
	reg := prometheus.NewRegistry()
	m, err := metrics.New("reportbot", "prod", metrics.WithRegistry(reg))
	if err != nil {
		t.Fatal(err)
	}
	var runErr error
	if fail {
		runErr = errors.New("upstream down")
	}
	a := m.Track("report_task")
	a.Size(7)
	a.End(&runErr)
	return m, reg
}

func TestPushToPushgateway(t *testing.T) {
	gw := toolstest.StartPushgateway(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	group := promtest.Labels{"job": "reportbot_report", "app": "reportbot", "env": "prod", "instance": "host-1"}
	with := func(extra promtest.Labels) promtest.Labels {
		l := promtest.Labels{}
		for k, v := range group {
			l[k] = v
		}
		for k, v := range extra {
			l[k] = v
		}
		return l
	}

	// A successful run: its series come back with the group's labels.
	m, reg := taskRun(t, false)
	if err := push.Push(ctx, gw, "reportbot_report", m, reg, push.WithInstance("host-1")); err != nil {
		t.Fatal(err)
	}
	e := promtest.ScrapeURL(t, gw+"/metrics")
	if got := e.Counter(t, "genapp_action_count_total", with(promtest.Labels{"name": "report_task", "status": "ok"})); got != 1 {
		t.Errorf("ok count = %v, want 1", got)
	}
	if got := e.Counter(t, "genapp_action_size_total", with(promtest.Labels{"name": "report_task"})); got != 7 {
		t.Errorf("size = %v, want 7", got)
	}
	if n, _ := e.Histogram(t, "genapp_action_duration_sec", with(promtest.Labels{"name": "report_task"})); n != 1 {
		t.Errorf("duration count = %v, want 1", n)
	}
	if v := e.One(t, "push_time_seconds", group).GetGauge().GetValue(); v < float64(time.Now().Add(-time.Minute).Unix()) {
		t.Errorf("push_time_seconds = %v, want about now", v)
	}

	// The next run fails: its push replaces the group, so the ok count of
	// the earlier run is gone, which the pushed-task alert relies on.
	m, reg = taskRun(t, true)
	if err := push.Push(ctx, gw, "reportbot_report", m, reg, push.WithInstance("host-1")); err != nil {
		t.Fatal(err)
	}
	e = promtest.ScrapeURL(t, gw+"/metrics")
	if got := e.Counter(t, "genapp_action_count_total", with(promtest.Labels{"name": "report_task", "status": "error"})); got != 1 {
		t.Errorf("error count = %v, want 1", got)
	}
	for _, s := range e.Find("genapp_action_count_total", with(promtest.Labels{"status": "ok"})) {
		if v := s.GetCounter().GetValue(); v != 0 {
			t.Errorf("ok count %v left from the replaced push, want none (or 0)", v)
		}
	}

	// Another instance is another group.
	if err := push.Push(ctx, gw, "reportbot_report", m, reg, push.WithInstance("host-2")); err != nil {
		t.Fatal(err)
	}
	e = promtest.ScrapeURL(t, gw+"/metrics")
	if got := e.LabelValues("push_time_seconds", "instance"); strings.Join(got, ",") != "host-1,host-2" {
		t.Errorf("instances = %v, want host-1 and host-2", got)
	}
}

func TestPushErrors(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	m, reg := taskRun(t, false)

	// The Pushgateway's answer to a bad push is in the error.
	rejecting := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "nope", http.StatusBadRequest)
	}))
	defer rejecting.Close()
	// A listener that is closed: nothing answers.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	// Series of another app pushed in reportbot's group.
	foreign := prometheus.NewRegistry()
	om, err := metrics.New("otherbot", "prod", metrics.WithRegistry(foreign))
	if err != nil {
		t.Fatal(err)
	}
	a := om.Track("other_task")
	a.End(nil)

	for _, c := range []struct {
		name, url, job string
		m              *metrics.Metrics
		g              prometheus.Gatherer
		want           string
	}{
		{"empty url", "", "j", m, reg, "empty Pushgateway URL"},
		{"empty job", rejecting.URL, "", m, reg, "empty job"},
		{"nil metrics", rejecting.URL, "j", nil, reg, "metrics.New"},
		{"nil gatherer", rejecting.URL, "j", m, nil, "nil Gatherer"},
		{"rejected", rejecting.URL, "j", m, reg, "nope"},
		{"unreachable", closed.URL, "j", m, reg, "connect"},
		{"another app's series", rejecting.URL, "j", m, foreign, `app="otherbot"`},
	} {
		err := push.Push(ctx, c.url, c.job, c.m, c.g, push.WithInstance("h"))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err = %v, want it to contain %q", c.name, err, c.want)
		}
	}
}

// countingTransport counts the requests sent through it.
type countingTransport struct{ n int }

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	c.n++
	return http.DefaultTransport.RoundTrip(r)
}

func TestPushRequest(t *testing.T) {
	var method, path, user, password string
	gw := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		method, path = r.Method, r.URL.Path
		user, password, _ = r.BasicAuth()
	}))
	defer gw.Close()
	m, reg := taskRun(t, false)
	transport := &countingTransport{}
	err := push.Push(context.Background(), gw.URL, "reportbot_report", m, reg,
		push.WithInstance("host-1"), push.WithBasicAuth("pusher", "pw"),
		push.WithClient(&http.Client{Transport: transport}))
	if err != nil {
		t.Fatal(err)
	}
	// The path is /metrics/job/<job> then label/value pairs in any order.
	group := map[string]string{}
	parts := strings.Split(strings.TrimPrefix(path, "/metrics/"), "/")
	for i := 0; i+1 < len(parts); i += 2 {
		group[parts[i]] = parts[i+1]
	}
	want := map[string]string{"job": "reportbot_report", "app": "reportbot", "env": "prod", "instance": "host-1"}
	if method != http.MethodPut || len(parts)%2 != 0 || !maps.Equal(group, want) {
		t.Errorf("request %s %s, want PUT of the group %v", method, path, want)
	}
	if user != "pusher" || password != "pw" {
		t.Errorf("basic auth %q:%q, want pusher:pw", user, password)
	}
	if transport.n != 1 {
		t.Errorf("the client given went through %d requests, want 1", transport.n)
	}
}
