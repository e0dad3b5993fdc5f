package push

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/push"
	dto "github.com/prometheus/client_model/go"

	"github.com/genapp-go/genapp/metrics"
)

// Option configures Push.
type Option func(*config)

type config struct {
	instance       string
	client         *http.Client
	user, password string
}

// WithInstance sets the instance grouping label; the default is the host
// name.
func WithInstance(instance string) Option {
	return func(c *config) { c.instance = instance }
}

// WithClient sends the push with client, for a Pushgateway behind TLS with
// a private CA or client certificates, or for a timeout. The default is
// http.DefaultClient; ctx bounds the push in any case.
func WithClient(client *http.Client) Option {
	return func(c *config) { c.client = client }
}

// WithBasicAuth sends the push with HTTP basic auth.
func WithBasicAuth(user, password string) Option {
	return func(c *config) { c.user, c.password = user, password }
}

// Push sends everything m's registry holds ([metrics.Metrics.Gatherer]) to
// the Pushgateway at url (such as http://pushgateway:9091) as the group job,
// app and env of m, and instance, replacing what that group held (HTTP PUT).
//
// The genapp_* series carry app and env themselves, and the Pushgateway
// protocol forbids pushing a label of the grouping key; Push removes them
// from the pushed series and the Pushgateway puts them back from the key,
// with the same values. A series whose app or env differs from m's is an
// error: it belongs to another group.
func Push(ctx context.Context, url, job string, m *metrics.Metrics, opts ...Option) error {
	switch {
	case url == "":
		return errors.New("push: empty Pushgateway URL")
	case job == "":
		return errors.New("push: empty job name")
	case m == nil:
		return errors.New("push: nil *metrics.Metrics: make it with metrics.New or metrics.Init")
	}
	c := config{client: http.DefaultClient}
	for _, o := range opts {
		o(&c)
	}
	if c.instance == "" {
		host, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("push: no instance given and no host name: %w", err)
		}
		c.instance = host
	}
	grouping := map[string]string{"app": m.Project(), "env": m.Env()}
	p := push.New(url, job).
		Gatherer(withoutLabels(m.Gatherer(), grouping)).
		Grouping("app", m.Project()).
		Grouping("env", m.Env()).
		Grouping("instance", c.instance).
		Client(c.client)
	if c.user != "" || c.password != "" {
		p = p.BasicAuth(c.user, c.password)
	}
	if err := p.PushContext(ctx); err != nil {
		return fmt.Errorf("push: job %s to %s: %w", job, url, err)
	}
	return nil
}

// withoutLabels gathers from g and removes from every series the labels
// named in drop, which must have the value given there.
func withoutLabels(g prometheus.Gatherer, drop map[string]string) prometheus.Gatherer {
	return prometheus.GathererFunc(func() ([]*dto.MetricFamily, error) {
		mfs, err := g.Gather()
		if err != nil {
			return nil, err
		}
		for _, mf := range mfs {
			for _, s := range mf.GetMetric() {
				// A new slice: collectors may share their label slices
				// with the series they write.
				kept := make([]*dto.LabelPair, 0, len(s.GetLabel()))
				for _, lp := range s.GetLabel() {
					want, ok := drop[lp.GetName()]
					if !ok {
						kept = append(kept, lp)
						continue
					}
					if lp.GetValue() != want {
						return nil, fmt.Errorf("series of %s has %s=%q, not %q: it belongs to another group", mf.GetName(), lp.GetName(), lp.GetValue(), want)
					}
				}
				s.Label = kept
			}
		}
		return mfs, nil
	})
}
