package deploy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/genapp-go/genapp/internal/toolstest"
)

const (
	kubernetesDir      = "kubernetes"
	prometheusRuleFile = "kubernetes/prometheusrule.yaml"
	// rulesJob is the job label the rules expect (GenappTargetDown).
	rulesJob = "genapp"
)

// TestPrometheusRuleInSync: kubernetes/prometheusrule.yaml holds exactly
// the groups of prometheus/rules.yml (make prometheusrule writes it), and
// promtool accepts them.
func TestPrometheusRuleInSync(t *testing.T) {
	var rule struct {
		APIVersion string         `yaml:"apiVersion"`
		Kind       string         `yaml:"kind"`
		Metadata   objectMeta     `yaml:"metadata"`
		Spec       map[string]any `yaml:"spec"`
	}
	decodeFile(t, prometheusRuleFile, &rule)
	var rules map[string]any
	decodeFile(t, rulesFile, &rules)
	if rule.APIVersion != "monitoring.coreos.com/v1" || rule.Kind != "PrometheusRule" || rule.Metadata.Name == "" {
		t.Errorf("%s: %s %s %q, want a named monitoring.coreos.com/v1 PrometheusRule", prometheusRuleFile, rule.APIVersion, rule.Kind, rule.Metadata.Name)
	}
	if !reflect.DeepEqual(rule.Spec, rules) {
		t.Fatalf("%s differs from %s: run make prometheusrule", prometheusRuleFile, rulesFile)
	}

	promtool := toolstest.Require(t, "promtool")
	groups, err := yaml.Marshal(rule.Spec)
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "prometheusrule-groups.yml")
	if err := os.WriteFile(file, groups, 0o600); err != nil {
		t.Fatal(err)
	}
	runPromtool(t, promtool, "check", "rules", file)
}

// TestKubernetesManifests checks every manifest of kubernetes/ against the
// API it is written for: each document decodes, with no field unknown to
// the subset of the Kubernetes and prometheus-operator schemas modelled
// below (a misspelt field fails), has the fields those schemas require,
// and refers to what exists: selectors select the bot's pods, ports are the
// ones the container names, the monitors scrape /prometheus with the job
// label the rules expect, and the secured variant reads the web
// configuration where the Secret puts it.
func TestKubernetesManifests(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(kubernetesDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", kubernetesDir, err)
	}
	m := manifests{}
	for _, f := range files {
		m.load(t, f)
	}
	for _, kind := range []string{"Deployment", "Service", "ServiceMonitor", "PodMonitor", "PrometheusRule", "Secret", "Patch"} {
		if len(m[kind]) == 0 {
			t.Errorf("no %s among the manifests", kind)
		}
	}
	if t.Failed() {
		return
	}
	dep, _ := only[deployment](t, m, "Deployment")
	svc, _ := only[service](t, m, "Service")
	pod := dep.Spec.Template
	checkDeployment(t, dep)
	if !subset(svc.Spec.Selector, pod.Metadata.Labels) {
		t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, pod.Metadata.Labels)
	}
	for _, p := range svc.Spec.Ports {
		if !validPortName.MatchString(p.Name) {
			t.Errorf("Service port name %q is not a valid port name", p.Name)
		}
		if containerPort(pod, p.TargetPort) == nil {
			t.Errorf("Service port %s: targetPort %q is no container port name", p.Name, p.TargetPort)
		}
	}
	for _, doc := range m["ServiceMonitor"] {
		sm, source := doc.value.(*serviceMonitor), doc.source
		checkSelector(t, source, sm.Spec.Selector, svc.Metadata.Labels)
		checkJobLabel(t, source, sm.Spec.JobLabel, svc.Metadata.Labels)
		if len(sm.Spec.Endpoints) == 0 {
			t.Errorf("%s: no endpoints (required)", source)
		}
		for _, e := range sm.Spec.Endpoints {
			if !slices.ContainsFunc(svc.Spec.Ports, func(p servicePort) bool { return p.Name == e.Port }) {
				t.Errorf("%s: endpoint port %q is no Service port name", source, e.Port)
			}
			checkEndpoint(t, source, e)
		}
	}
	for _, doc := range m["PodMonitor"] {
		pm, source := doc.value.(*podMonitor), doc.source
		checkSelector(t, source, pm.Spec.Selector, pod.Metadata.Labels)
		checkJobLabel(t, source, pm.Spec.JobLabel, pod.Metadata.Labels)
		if len(pm.Spec.PodMetricsEndpoints) == 0 {
			t.Errorf("%s: no podMetricsEndpoints", source)
		}
		for _, e := range pm.Spec.PodMetricsEndpoints {
			if containerPort(pod, e.Port) == nil {
				t.Errorf("%s: port %q is no container port name", source, e.Port)
			}
			checkEndpoint(t, source, e)
		}
	}
	for _, doc := range m["PrometheusRule"] {
		checkRuleGroups(t, doc.source, doc.value.(*prometheusRule))
	}
	checkSecured(t, m, dep)
}

// checkDeployment: the bot's pods are selected by the Deployment, serve the
// webhook and the metrics on named ports, are ready once /health answers
// on the metrics port, and share the webhook secret.
func checkDeployment(t *testing.T, dep *deployment) {
	t.Helper()
	pod := dep.Spec.Template
	if !subset(dep.Spec.Selector.MatchLabels, pod.Metadata.Labels) || len(dep.Spec.Selector.MatchLabels) == 0 {
		t.Errorf("Deployment selector %v does not select its pod template %v", dep.Spec.Selector.MatchLabels, pod.Metadata.Labels)
	}
	if dep.Spec.Replicas < 2 {
		t.Errorf("Deployment replicas %d: the example is of a bot scaled out", dep.Spec.Replicas)
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("pod template: %d containers, want the bot's", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	if c.Name == "" || c.Image == "" {
		t.Errorf("container name %q image %q: both are required", c.Name, c.Image)
	}
	for _, p := range c.Ports {
		if !validPortName.MatchString(p.Name) || p.ContainerPort < 1 || p.ContainerPort > 65535 {
			t.Errorf("container port %+v: not a valid port name and number", p)
		}
	}
	probe := c.ReadinessProbe
	if probe == nil || probe.HTTPGet == nil || probe.HTTPGet.Path != "/health" || probe.HTTPGet.Port != "metrics" {
		t.Errorf("readinessProbe %+v, want GET /health on the port named metrics", probe)
	}
	env := map[string]envVar{}
	for _, e := range c.Env {
		env[e.Name] = e
	}
	for name, port := range map[string]string{"METRICS_ADDR": "metrics", "WEBHOOK_ADDR": "webhook"} {
		p := containerPort(pod, port)
		if p == nil || env[name].Value != fmt.Sprintf(":%d", p.ContainerPort) {
			t.Errorf("%s=%q, want the container port named %s (%v)", name, env[name].Value, port, p)
		}
	}
	for _, name := range []string{"TELEGRAM_BOT_TOKEN", "WEBHOOK_SECRET"} {
		if ref := env[name].ValueFrom; ref == nil || ref.SecretKeyRef.Name == "" || ref.SecretKeyRef.Key == "" {
			t.Errorf("%s is not read from a Secret: every replica must get the same one", name)
		}
	}
	if !strings.Contains(strings.Join(c.Args, " "), "-mode webhook") {
		t.Errorf("container args %v: the replicas must run in webhook mode (polling is single-instance)", c.Args)
	}
}

// checkSelector: a monitor's selector, which the CRD requires, selects
// labels.
func checkSelector(t *testing.T, source string, sel *labelSelector, labels map[string]string) {
	t.Helper()
	if sel == nil || len(sel.MatchLabels) == 0 {
		t.Errorf("%s: no selector.matchLabels (selector is required)", source)
	} else if !subset(sel.MatchLabels, labels) {
		t.Errorf("%s: selector %v does not match %v", source, sel.MatchLabels, labels)
	}
}

// checkJobLabel: the job label of the scraped series is the one the rules
// expect.
func checkJobLabel(t *testing.T, source, jobLabel string, labels map[string]string) {
	t.Helper()
	if labels[jobLabel] != rulesJob {
		t.Errorf("%s: jobLabel %q gives job=%q, want %q (rules.yml)", source, jobLabel, labels[jobLabel], rulesJob)
	}
}

// checkEndpoint: a scrape endpoint reads /prometheus; an https one checks
// the bot's certificate against a CA and sends basic auth, from Secret keys.
func checkEndpoint(t *testing.T, source string, e endpoint) {
	t.Helper()
	if e.Path != "/prometheus" {
		t.Errorf("%s: path %q, want /prometheus", source, e.Path)
	}
	switch e.Scheme {
	case "", "http":
		if e.TLSConfig != nil || e.BasicAuth != nil {
			t.Errorf("%s: TLS or basic auth over plain http", source)
		}
	case "https":
		if e.TLSConfig == nil || e.TLSConfig.CA.Secret == nil || e.TLSConfig.CA.Secret.Key == "" || e.TLSConfig.ServerName == "" || e.TLSConfig.InsecureSkipVerify {
			t.Errorf("%s: https without a CA Secret key and a serverName to verify the bot's certificate", source)
		}
		if a := e.BasicAuth; a == nil || a.Username.Key == "" || a.Password.Key == "" || a.Username.Name == "" || a.Password.Name == "" {
			t.Errorf("%s: https without basic auth from Secret keys", source)
		}
	default:
		t.Errorf("%s: scheme %q, want http or https", source, e.Scheme)
	}
}

// checkRuleGroups: the fields the PrometheusRule CRD requires.
func checkRuleGroups(t *testing.T, source string, r *prometheusRule) {
	t.Helper()
	if len(r.Spec.Groups) == 0 {
		t.Errorf("%s: no groups", source)
	}
	for _, g := range r.Spec.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("%s: group %q without a name or rules", source, g.Name)
		}
		for _, rule := range g.Rules {
			if rule.Expr == "" || (rule.Record == "") == (rule.Alert == "") {
				t.Errorf("%s: rule %+v needs an expr and one of record or alert", source, rule)
			}
		}
	}
}

// checkSecured: the secured variant's patch makes the bot read the web
// configuration from the Secret that holds it, and the certificate files
// that configuration names from a mounted Secret.
func checkSecured(t *testing.T, m manifests, dep *deployment) {
	t.Helper()
	p, patchSource := only[deployment](t, m, "Patch")
	var webConfig *secret
	var webConfigSource string
	for _, doc := range m["Secret"] {
		if s := doc.value.(*secret); s.StringData["web-config.yml"] != "" {
			webConfig, webConfigSource = s, doc.source
		}
	}
	if webConfig == nil {
		t.Fatal("no Secret with a web-config.yml")
	}
	if len(p.Spec.Template.Spec.Containers) != 1 || p.Spec.Template.Spec.Containers[0].Name != dep.Spec.Template.Spec.Containers[0].Name {
		t.Fatalf("%s does not patch the bot's container %q", patchSource, dep.Spec.Template.Spec.Containers[0].Name)
	}
	c := p.Spec.Template.Spec.Containers[0]
	// Where each Secret is mounted.
	mounts := map[string]string{}
	for _, v := range p.Spec.Template.Spec.Volumes {
		for _, vm := range c.VolumeMounts {
			if vm.Name == v.Name && v.Secret != nil {
				if vm.SubPath != "" {
					t.Errorf("%s: volume %s mounted with a subPath, which the kubelet never updates: rotated files would not reach the bot", patchSource, v.Name)
				}
				mounts[v.Secret.SecretName] = vm.MountPath
			}
		}
	}
	dir, ok := mounts[webConfig.Metadata.Name]
	file := slices.IndexFunc(c.Env, func(e envVar) bool { return e.Name == "WEB_CONFIG_FILE" })
	if !ok || file < 0 || c.Env[file].Value != path.Join(dir, "web-config.yml") {
		t.Errorf("%s: WEB_CONFIG_FILE %v and mounts %v: the bot does not read web-config.yml of Secret %s", patchSource, c.Env, mounts, webConfig.Metadata.Name)
	}
	var wc struct {
		TLSServerConfig struct {
			CertFile string `yaml:"cert_file"`
			KeyFile  string `yaml:"key_file"`
		} `yaml:"tls_server_config"`
		BasicAuthUsers map[string]string `yaml:"basic_auth_users"`
	}
	if err := strictDecode(strings.NewReader(webConfig.StringData["web-config.yml"]), &wc); err != nil {
		t.Fatalf("%s: web-config.yml: %v", webConfigSource, err)
	}
	if len(wc.BasicAuthUsers) == 0 {
		t.Errorf("%s: web-config.yml sets no basic_auth_users", webConfigSource)
	}
	for _, f := range []string{wc.TLSServerConfig.CertFile, wc.TLSServerConfig.KeyFile} {
		if !slices.ContainsFunc(slices.Collect(maps.Values(mounts)), func(dir string) bool { return path.Dir(f) == dir }) {
			t.Errorf("%s: web-config.yml names %q, in none of the mounted Secrets %v", webConfigSource, f, mounts)
		}
	}
}

// manifests are the decoded documents by kind ("Patch" for a partial
// Deployment applied with kubectl patch).
type manifests map[string][]entry

// entry is a decoded document and where it comes from.
type entry struct {
	source string
	value  any
}

// load decodes every document of file, strictly, into the type of its kind.
func (m manifests) load(t *testing.T, file string) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	for i := 1; ; i++ {
		var node yaml.Node
		if err := dec.Decode(&node); errors.Is(err, io.EOF) {
			return
		} else if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		var head struct {
			APIVersion string `yaml:"apiVersion"`
			Kind       string `yaml:"kind"`
		}
		if err := node.Decode(&head); err != nil {
			t.Fatalf("%s document %d: %v", file, i, err)
		}
		source := fmt.Sprintf("%s document %d (%s)", file, i, head.Kind)
		kind := head.Kind
		if head.APIVersion == "" && head.Kind == "" { // a patch
			kind = "Patch"
		}
		types := map[string]struct {
			apiVersion string
			new        func() any
		}{
			"Deployment":     {"apps/v1", func() any { return &deployment{} }},
			"Patch":          {"", func() any { return &deployment{} }},
			"Service":        {"v1", func() any { return &service{} }},
			"Secret":         {"v1", func() any { return &secret{} }},
			"ServiceMonitor": {"monitoring.coreos.com/v1", func() any { return &serviceMonitor{} }},
			"PodMonitor":     {"monitoring.coreos.com/v1", func() any { return &podMonitor{} }},
			"PrometheusRule": {"monitoring.coreos.com/v1", func() any { return &prometheusRule{} }},
		}
		typ, ok := types[kind]
		if !ok || typ.apiVersion != head.APIVersion {
			t.Errorf("%s: apiVersion %q kind %q is none of the kinds expected here", source, head.APIVersion, head.Kind)
			continue
		}
		v := typ.new()
		var buf bytes.Buffer
		if err := yaml.NewEncoder(&buf).Encode(&node); err != nil {
			t.Fatal(err)
		}
		if err := strictDecode(&buf, v); err != nil {
			t.Errorf("%s: %v", source, err)
			continue
		}
		if kind != "Patch" && reflect.ValueOf(v).Elem().FieldByName("Metadata").FieldByName("Name").String() == "" {
			t.Errorf("%s: no metadata.name (required)", source)
		}
		m[kind] = append(m[kind], entry{source, v})
	}
}

// only returns the one document of kind, and where it comes from.
func only[T any](t *testing.T, m manifests, kind string) (*T, string) {
	t.Helper()
	if len(m[kind]) != 1 {
		t.Fatalf("%d documents of kind %s, want 1", len(m[kind]), kind)
	}
	return m[kind][0].value.(*T), m[kind][0].source
}

func strictDecode(r io.Reader, v any) error {
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	return dec.Decode(v)
}

func decodeFile(t *testing.T, file string, v any) {
	t.Helper()
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
}

// subset reports whether every label of sub is in labels.
func subset(sub, labels map[string]string) bool {
	for k, v := range sub {
		if labels[k] != v {
			return false
		}
	}
	return true
}

// containerPort returns the port named name of the pod's container.
func containerPort(pod podTemplate, name string) *containerPortSpec {
	for _, c := range pod.Spec.Containers {
		for i, p := range c.Ports {
			if p.Name == name {
				return &c.Ports[i]
			}
		}
	}
	return nil
}

// validPortName is a Kubernetes port name (IANA_SVC_NAME), which the
// monitors and probes refer to.
var validPortName = regexp.MustCompile(`^[a-z0-9]([a-z0-9-]{0,13}[a-z0-9])?$`)

// The subset of the Kubernetes and prometheus-operator (monitoring.coreos.com/v1)
// schemas the manifests use, field names as in the APIs.

// object is what every manifest has.
type object struct {
	APIVersion string     `yaml:"apiVersion"`
	Kind       string     `yaml:"kind"`
	Metadata   objectMeta `yaml:"metadata"`
}

type objectMeta struct {
	Name   string            `yaml:"name"`
	Labels map[string]string `yaml:"labels"`
}

type labelSelector struct {
	MatchLabels map[string]string `yaml:"matchLabels"`
}

type deployment struct {
	object `yaml:",inline"`
	Spec   struct {
		Replicas int           `yaml:"replicas"`
		Selector labelSelector `yaml:"selector"`
		Template podTemplate   `yaml:"template"`
	} `yaml:"spec"`
}

type podTemplate struct {
	Metadata objectMeta `yaml:"metadata"`
	Spec     struct {
		TerminationGracePeriodSeconds int         `yaml:"terminationGracePeriodSeconds"`
		Containers                    []container `yaml:"containers"`
		Volumes                       []struct {
			Name   string `yaml:"name"`
			Secret *struct {
				SecretName string `yaml:"secretName"`
			} `yaml:"secret"`
		} `yaml:"volumes"`
	} `yaml:"spec"`
}

type container struct {
	Name           string              `yaml:"name"`
	Image          string              `yaml:"image"`
	Args           []string            `yaml:"args"`
	Env            []envVar            `yaml:"env"`
	Ports          []containerPortSpec `yaml:"ports"`
	ReadinessProbe *probe              `yaml:"readinessProbe"`
	LivenessProbe  *probe              `yaml:"livenessProbe"`
	VolumeMounts   []struct {
		Name      string `yaml:"name"`
		MountPath string `yaml:"mountPath"`
		SubPath   string `yaml:"subPath"`
		ReadOnly  bool   `yaml:"readOnly"`
	} `yaml:"volumeMounts"`
	Resources struct {
		Requests map[string]string `yaml:"requests"`
		Limits   map[string]string `yaml:"limits"`
	} `yaml:"resources"`
	SecurityContext struct {
		RunAsNonRoot             bool `yaml:"runAsNonRoot"`
		AllowPrivilegeEscalation bool `yaml:"allowPrivilegeEscalation"`
		ReadOnlyRootFilesystem   bool `yaml:"readOnlyRootFilesystem"`
		Capabilities             struct {
			Drop []string `yaml:"drop"`
		} `yaml:"capabilities"`
	} `yaml:"securityContext"`
}

type envVar struct {
	Name      string `yaml:"name"`
	Value     string `yaml:"value"`
	ValueFrom *struct {
		SecretKeyRef secretKeySelector `yaml:"secretKeyRef"`
	} `yaml:"valueFrom"`
}

type containerPortSpec struct {
	Name          string `yaml:"name"`
	ContainerPort int    `yaml:"containerPort"`
	Protocol      string `yaml:"protocol"`
}

type probe struct {
	HTTPGet *struct {
		Path string `yaml:"path"`
		Port string `yaml:"port"`
	} `yaml:"httpGet"`
	TCPSocket *struct {
		Port string `yaml:"port"`
	} `yaml:"tcpSocket"`
	PeriodSeconds    int `yaml:"periodSeconds"`
	FailureThreshold int `yaml:"failureThreshold"`
}

type service struct {
	object `yaml:",inline"`
	Spec   struct {
		Selector map[string]string `yaml:"selector"`
		Ports    []servicePort     `yaml:"ports"`
	} `yaml:"spec"`
}

type servicePort struct {
	Name       string `yaml:"name"`
	Port       int    `yaml:"port"`
	TargetPort string `yaml:"targetPort"`
	Protocol   string `yaml:"protocol"`
}

type secret struct {
	object     `yaml:",inline"`
	Type       string            `yaml:"type"`
	StringData map[string]string `yaml:"stringData"`
}

// secretKeySelector is required to have a key by every CRD that takes one.
type secretKeySelector struct {
	Name string `yaml:"name"`
	Key  string `yaml:"key"`
}

// endpoint is a ServiceMonitor endpoint or a PodMonitor podMetricsEndpoint:
// the fields used here are the same in both.
type endpoint struct {
	Port          string `yaml:"port"`
	Path          string `yaml:"path"`
	Scheme        string `yaml:"scheme"`
	Interval      string `yaml:"interval"`
	ScrapeTimeout string `yaml:"scrapeTimeout"`
	TLSConfig     *struct {
		ServerName         string `yaml:"serverName"`
		InsecureSkipVerify bool   `yaml:"insecureSkipVerify"`
		CA                 struct {
			Secret *secretKeySelector `yaml:"secret"`
		} `yaml:"ca"`
	} `yaml:"tlsConfig"`
	BasicAuth *struct {
		Username secretKeySelector `yaml:"username"`
		Password secretKeySelector `yaml:"password"`
	} `yaml:"basicAuth"`
}

type serviceMonitor struct {
	object `yaml:",inline"`
	Spec   struct {
		JobLabel  string         `yaml:"jobLabel"`
		Selector  *labelSelector `yaml:"selector"`
		Endpoints []endpoint     `yaml:"endpoints"`
	} `yaml:"spec"`
}

type podMonitor struct {
	object `yaml:",inline"`
	Spec   struct {
		JobLabel            string         `yaml:"jobLabel"`
		Selector            *labelSelector `yaml:"selector"`
		PodMetricsEndpoints []endpoint     `yaml:"podMetricsEndpoints"`
	} `yaml:"spec"`
}

type prometheusRule struct {
	object `yaml:",inline"`
	Spec   ruleFile `yaml:"spec"`
}

// ruleFile is a Prometheus rule file, and the spec of a PrometheusRule.
type ruleFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Record      string            `yaml:"record"`
			Alert       string            `yaml:"alert"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}
