package deploy

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	monitoringv1 "github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1"
	"go.yaml.in/yaml/v3"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
	k8syaml "k8s.io/apimachinery/pkg/util/yaml"

	"github.com/genapp-go/genapp/internal/toolstest"
	"github.com/genapp-go/genapp/metrics"
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
		APIVersion string `yaml:"apiVersion"`
		Kind       string `yaml:"kind"`
		Metadata   struct {
			Name string `yaml:"name"`
		} `yaml:"metadata"`
		Spec map[string]any `yaml:"spec"`
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

// TestKubernetesManifests checks every manifest of kubernetes/ with the
// Kubernetes and prometheus-operator code that reads it (see
// loadManifests: each document decodes strictly into the upstream type of
// its kind), then what those types leave to the API server's validation
// or to nobody: names, labels and selectors are valid, selectors select
// the bot's pods, ports are the ones the container names, the monitors
// scrape /prometheus with the job label the rules expect and pass the
// operator's own checks of their HTTP configuration, and the secured
// variant, the patch applied as kubectl patch applies it, reads the web
// configuration where the Secret puts it. The pods' security, the
// PodDisruptionBudget and the NetworkPolicy have tests of their own
// (manifests_test.go).
func TestKubernetesManifests(t *testing.T) {
	m := loadManifests(t)
	for _, kind := range []string{"Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy", "ServiceMonitor", "PodMonitor", "PrometheusRule", "Secret"} {
		if len(m.byKind[kind]) == 0 {
			t.Errorf("no %s among the manifests", kind)
		}
	}
	if len(m.patches) == 0 {
		t.Error("no patch of the Deployment among the manifests")
	}
	if t.Failed() {
		return
	}
	for _, d := range m.all() {
		checkMeta(t, d.source, d.obj)
	}
	dep, _ := only[*appsv1.Deployment](t, m, "Deployment")
	svc, _ := only[*corev1.Service](t, m, "Service")
	pod := &dep.Spec.Template
	checkDeployment(t, dep)
	if !subset(svc.Spec.Selector, pod.Labels) || len(svc.Spec.Selector) == 0 {
		t.Errorf("Service selector %v does not select the pods %v", svc.Spec.Selector, pod.Labels)
	}
	for _, p := range svc.Spec.Ports {
		for _, msg := range validation.IsValidPortName(p.Name) {
			t.Errorf("Service port name %q: %s", p.Name, msg)
		}
		if p.TargetPort.Type != intstr.String || containerPort(pod, p.TargetPort.StrVal) == nil {
			t.Errorf("Service port %s: targetPort %s is no container port name", p.Name, p.TargetPort.String())
		}
	}
	for _, d := range m.byKind["ServiceMonitor"] {
		sm, source := d.obj.(*monitoringv1.ServiceMonitor), d.source
		checkSelector(t, source, &sm.Spec.Selector, svc.Labels)
		checkJobLabel(t, source, sm.Spec.JobLabel, svc.Labels)
		if len(sm.Spec.Endpoints) == 0 {
			t.Errorf("%s: no endpoints (required)", source)
		}
		for _, e := range sm.Spec.Endpoints {
			if !slices.ContainsFunc(svc.Spec.Ports, func(p corev1.ServicePort) bool { return p.Name == e.Port }) {
				t.Errorf("%s: endpoint port %q is no Service port name", source, e.Port)
			}
			if err := e.HTTPConfigWithProxyAndTLSFiles.Validate(); err != nil {
				t.Errorf("%s: endpoint %s: %v", source, e.Port, err)
			}
			var tls *monitoringv1.SafeTLSConfig
			if e.TLSConfig != nil {
				tls = &e.TLSConfig.SafeTLSConfig
			}
			checkEndpoint(t, source, e.Path, e.Scheme, tls, e.BasicAuth)
		}
	}
	for _, d := range m.byKind["PodMonitor"] {
		pm, source := d.obj.(*monitoringv1.PodMonitor), d.source
		checkSelector(t, source, &pm.Spec.Selector, pod.Labels)
		checkJobLabel(t, source, pm.Spec.JobLabel, pod.Labels)
		if len(pm.Spec.PodMetricsEndpoints) == 0 {
			t.Errorf("%s: no podMetricsEndpoints", source)
		}
		for _, e := range pm.Spec.PodMetricsEndpoints {
			if e.Port == nil || containerPort(pod, *e.Port) == nil {
				t.Errorf("%s: port %v is no container port name", source, e.Port)
			}
			if err := e.HTTPConfigWithProxy.Validate(); err != nil {
				t.Errorf("%s: endpoint %v: %v", source, e.Port, err)
			}
			checkEndpoint(t, source, e.Path, e.Scheme, e.TLSConfig, e.BasicAuth)
		}
	}
	for _, d := range m.byKind["PrometheusRule"] {
		checkRuleGroups(t, d.source, d.obj.(*monitoringv1.PrometheusRule))
	}
	checkSecured(t, m, dep)
}

// checkMeta: what the API server requires of every object's name and
// labels, with its own validation functions.
func checkMeta(t *testing.T, source string, obj runtime.Object) {
	t.Helper()
	meta, ok := obj.(metav1.Object)
	if !ok {
		t.Errorf("%s: %T has no metadata", source, obj)
		return
	}
	if meta.GetName() == "" {
		t.Errorf("%s: no metadata.name (required)", source)
	}
	valid := validation.IsDNS1123Subdomain
	if _, ok := obj.(*corev1.Service); ok {
		valid = validation.IsDNS1035Label
	}
	for _, msg := range valid(meta.GetName()) {
		t.Errorf("%s: metadata.name %q: %s", source, meta.GetName(), msg)
	}
	for _, err := range metav1validation.ValidateLabels(meta.GetLabels(), field.NewPath("metadata", "labels")) {
		t.Errorf("%s: %v", source, err)
	}
}

// checkDeployment: the bot's pods are selected by the Deployment, serve the
// webhook and the metrics on named ports, are ready while /ready answers on
// the metrics port and alive while /health does, and share the webhook
// secret.
func checkDeployment(t *testing.T, dep *appsv1.Deployment) {
	t.Helper()
	pod := &dep.Spec.Template
	if sel := selects(t, "Deployment", dep.Spec.Selector, pod.Labels); !sel {
		t.Errorf("Deployment selector %v does not select its pod template %v", dep.Spec.Selector, pod.Labels)
	}
	if dep.Spec.Replicas == nil || *dep.Spec.Replicas < 2 {
		t.Errorf("Deployment replicas %v: the example is of a bot scaled out", dep.Spec.Replicas)
	}
	if len(pod.Spec.Containers) != 1 {
		t.Fatalf("pod template: %d containers, want the bot's", len(pod.Spec.Containers))
	}
	c := pod.Spec.Containers[0]
	if c.Name == "" || c.Image == "" {
		t.Errorf("container name %q image %q: both are required", c.Name, c.Image)
	}
	for _, p := range c.Ports {
		for _, msg := range append(validation.IsValidPortName(p.Name), validation.IsValidPortNum(int(p.ContainerPort))...) {
			t.Errorf("container port %s %d: %s", p.Name, p.ContainerPort, msg)
		}
	}
	for name, probe := range map[string]struct {
		probe *corev1.Probe
		path  string
	}{"readinessProbe": {c.ReadinessProbe, metrics.ReadinessPath}, "livenessProbe": {c.LivenessProbe, metrics.LivenessPath}} {
		if p := probe.probe; p == nil || p.HTTPGet == nil || p.HTTPGet.Path != probe.path || p.HTTPGet.Port != intstr.FromString("metrics") || p.HTTPGet.Scheme != "" {
			t.Errorf("%s %+v, want GET %s on the port named metrics", name, p, probe.path)
		}
	}
	env := map[string]corev1.EnvVar{}
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
		if ref := env[name].ValueFrom; ref == nil || ref.SecretKeyRef == nil || ref.SecretKeyRef.Name == "" || ref.SecretKeyRef.Key == "" {
			t.Errorf("%s is not read from a Secret: every replica must get the same one", name)
		}
	}
	if !strings.Contains(strings.Join(c.Args, " "), "-mode webhook") {
		t.Errorf("container args %v: the replicas must run in webhook mode (polling is single-instance)", c.Args)
	}
}

// selects reports whether sel, a valid selector that selects something,
// selects labels.
func selects(t *testing.T, source string, sel *metav1.LabelSelector, set map[string]string) bool {
	t.Helper()
	if sel == nil {
		return false
	}
	for _, err := range metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, field.NewPath("selector")) {
		t.Errorf("%s: %v", source, err)
	}
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("%s: %v", source, err)
		return false
	}
	return !s.Empty() && s.Matches(labels.Set(set))
}

// checkSelector: a monitor's selector, which the CRD requires, selects
// labels.
func checkSelector(t *testing.T, source string, sel *metav1.LabelSelector, labels map[string]string) {
	t.Helper()
	if !selects(t, source, sel, labels) {
		t.Errorf("%s: selector %v does not select %v", source, sel, labels)
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

// checkEndpoint: a scrape endpoint (of a ServiceMonitor or a PodMonitor)
// reads /prometheus; an https one checks the bot's certificate against a
// CA and sends basic auth, from Secret keys.
func checkEndpoint(t *testing.T, source, path string, scheme *monitoringv1.Scheme, tls *monitoringv1.SafeTLSConfig, auth *monitoringv1.BasicAuth) {
	t.Helper()
	if path != "/prometheus" {
		t.Errorf("%s: path %q, want /prometheus", source, path)
	}
	s := ""
	if scheme != nil {
		s = strings.ToLower(string(*scheme))
	}
	switch s {
	case "", "http":
		if tls != nil || auth != nil {
			t.Errorf("%s: TLS or basic auth over plain http", source)
		}
	case "https":
		if tls == nil || tls.CA.Secret == nil || tls.CA.Secret.Key == "" || tls.ServerName == nil || *tls.ServerName == "" || (tls.InsecureSkipVerify != nil && *tls.InsecureSkipVerify) {
			t.Errorf("%s: https without a CA Secret key and a serverName to verify the bot's certificate", source)
		}
		if auth == nil || auth.Username.Key == "" || auth.Password.Key == "" || auth.Username.Name == "" || auth.Password.Name == "" {
			t.Errorf("%s: https without basic auth from Secret keys", source)
		}
	default:
		t.Errorf("%s: scheme %q, want http or https", source, s)
	}
}

// checkRuleGroups: the fields the PrometheusRule CRD requires.
func checkRuleGroups(t *testing.T, source string, r *monitoringv1.PrometheusRule) {
	t.Helper()
	if len(r.Spec.Groups) == 0 {
		t.Errorf("%s: no groups", source)
	}
	for _, g := range r.Spec.Groups {
		if g.Name == "" || len(g.Rules) == 0 {
			t.Errorf("%s: group %q without a name or rules", source, g.Name)
		}
		for _, rule := range g.Rules {
			if rule.Expr.String() == "" || (rule.Record == "") == (rule.Alert == "") {
				t.Errorf("%s: rule %+v needs an expr and one of record or alert", source, rule)
			}
		}
	}
}

// checkSecured: the secured variant's patch, applied to the Deployment,
// makes the bot read the web configuration from the Secret that holds it,
// and the certificate files that configuration names from a mounted Secret.
func checkSecured(t *testing.T, m *manifests, dep *appsv1.Deployment) {
	t.Helper()
	var webConfig *corev1.Secret
	var webConfigSource string
	for _, d := range m.byKind["Secret"] {
		if s := d.obj.(*corev1.Secret); s.StringData["web-config.yml"] != "" {
			webConfig, webConfigSource = s, d.source
		}
	}
	if webConfig == nil {
		t.Fatal("no Secret with a web-config.yml")
	}
	if len(m.patches) != 1 {
		t.Fatalf("%d patches, want the secured variant's", len(m.patches))
	}
	p := m.patches[0]
	patch := p.obj.(*appsv1.Deployment)
	if len(patch.Spec.Template.Spec.Containers) != 1 || patch.Spec.Template.Spec.Containers[0].Name != dep.Spec.Template.Spec.Containers[0].Name {
		t.Fatalf("%s does not patch the bot's container %q", p.source, dep.Spec.Template.Spec.Containers[0].Name)
	}
	secured := p.patched
	c := secured.Spec.Template.Spec.Containers[0]
	// Where each Secret is mounted.
	mounts := map[string]string{}
	for _, v := range secured.Spec.Template.Spec.Volumes {
		for _, vm := range c.VolumeMounts {
			if vm.Name == v.Name && v.Secret != nil {
				if vm.SubPath != "" {
					t.Errorf("%s: volume %s mounted with a subPath, which the kubelet never updates: rotated files would not reach the bot", p.source, v.Name)
				}
				mounts[v.Secret.SecretName] = vm.MountPath
			}
		}
	}
	dir, ok := mounts[webConfig.Name]
	file := slices.IndexFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "WEB_CONFIG_FILE" })
	if !ok || file < 0 || c.Env[file].Value != path.Join(dir, "web-config.yml") {
		t.Errorf("%s: WEB_CONFIG_FILE %v and mounts %v: the bot does not read web-config.yml of Secret %s", p.source, c.Env, mounts, webConfig.Name)
	}
	// /health and /ready are behind TLS and basic auth too: the liveness
	// probe of the secured variant checks the port instead, and the patch
	// must leave no httpGet beside its tcpSocket (the API server refuses a
	// probe with two handlers); the readiness probe asks /ready over HTTPS
	// as a user of web-config.yml.
	if probe := c.LivenessProbe; probe == nil || probe.HTTPGet != nil || probe.TCPSocket == nil || probe.TCPSocket.Port != intstr.FromString("metrics") {
		t.Errorf("%s: patched livenessProbe %+v, want a tcpSocket on the port named metrics and nothing else", p.source, probe)
	}
	var probeUser string
	if probe := c.ReadinessProbe; probe == nil || probe.TCPSocket != nil || probe.HTTPGet == nil || probe.HTTPGet.Path != metrics.ReadinessPath ||
		probe.HTTPGet.Port != intstr.FromString("metrics") || probe.HTTPGet.Scheme != corev1.URISchemeHTTPS || len(probe.HTTPGet.HTTPHeaders) != 1 {
		t.Errorf("%s: patched readinessProbe %+v, want GET /ready over HTTPS on the port named metrics, with one header, and nothing else", p.source, probe)
	} else if h := probe.HTTPGet.HTTPHeaders[0]; h.Name == "Authorization" && strings.HasPrefix(h.Value, "Basic ") {
		if userPass, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(h.Value, "Basic ")); err == nil {
			probeUser, _, _ = strings.Cut(string(userPass), ":")
		}
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
	if _, ok := wc.BasicAuthUsers[probeUser]; !ok || probeUser == "prometheus" {
		t.Errorf("%s: the readiness probe authenticates as %q, want a user of its own among basic_auth_users of web-config.yml (%v)", p.source, probeUser, slices.Sorted(maps.Keys(wc.BasicAuthUsers)))
	}
	for _, f := range []string{wc.TLSServerConfig.CertFile, wc.TLSServerConfig.KeyFile} {
		if !slices.ContainsFunc(slices.Collect(maps.Values(mounts)), func(dir string) bool { return path.Dir(f) == dir }) {
			t.Errorf("%s: web-config.yml names %q, in none of the mounted Secrets %v", webConfigSource, f, mounts)
		}
	}
}

// manifests are the decoded documents of kubernetes/*.yaml.
type manifests struct {
	byKind map[string][]manifest
	// patches are the partial Deployments applied with kubectl patch.
	patches []manifest
}

// manifest is a decoded document and where it comes from.
type manifest struct {
	source string
	obj    runtime.Object
	json   []byte // the document as JSON
	// patched is, for a patch, the Deployment with the patch applied.
	patched *appsv1.Deployment
}

// all returns every object, patches excepted.
func (m *manifests) all() []manifest {
	var all []manifest
	for _, kind := range slices.Sorted(maps.Keys(m.byKind)) {
		all = append(all, m.byKind[kind]...)
	}
	return all
}

// podTemplates returns every pod template the manifests deploy, the
// patched ones included, by where they come from.
func (m *manifests) podTemplates() map[string]*corev1.PodTemplateSpec {
	pods := map[string]*corev1.PodTemplateSpec{}
	for _, d := range m.byKind["Deployment"] {
		pods[d.source] = &d.obj.(*appsv1.Deployment).Spec.Template
	}
	for _, p := range m.patches {
		pods[p.source+" applied"] = &p.patched.Spec.Template
	}
	return pods
}

// manifestDecoder is the API machinery's strict deserializer for the kinds
// the manifests may hold: the upstream types of Kubernetes and of the
// prometheus-operator.
var manifestDecoder = sync.OnceValues(func() (runtime.Decoder, error) {
	s := runtime.NewScheme()
	builder := runtime.NewSchemeBuilder(
		appsv1.AddToScheme, corev1.AddToScheme, policyv1.AddToScheme, networkingv1.AddToScheme,
		monitoringv1.AddToScheme,
	)
	if err := builder.AddToScheme(s); err != nil {
		return nil, err
	}
	return serializer.NewCodecFactory(s, serializer.EnableStrict).UniversalDeserializer(), nil
})

// deploymentKind is the kind of a patch, which names none.
var deploymentKind = appsv1.SchemeGroupVersion.WithKind("Deployment")

// decodeManifest decodes one YAML document as the API server decodes a
// request with fieldValidation=Strict: a field the type does not have, or
// a field given twice, is an error, and so is a kind the scheme does not
// know. defaults is the kind of a document that names none.
func decodeManifest(doc []byte, defaults *schema.GroupVersionKind) (runtime.Object, error) {
	dec, err := manifestDecoder()
	if err != nil {
		return nil, err
	}
	obj, _, err := dec.Decode(doc, defaults, nil)
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// loadManifests decodes every document of kubernetes/*.yaml (split as
// kubectl splits them) into the upstream type of its kind, strictly (see
// decodeManifest). A document with neither apiVersion nor kind is a patch
// of the Deployment: it is decoded as a Deployment, then applied to the
// Deployment as kubectl patch applies it (a strategic merge patch, merging
// containers, volumes and variables by name), and the result decoded
// again.
func loadManifests(t *testing.T) *manifests {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(kubernetesDir, "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in %s: %v", kubernetesDir, err)
	}
	m := &manifests{byKind: map[string][]manifest{}}
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		r := k8syaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(raw)))
		for i := 1; ; i++ {
			doc, err := r.Read()
			if errors.Is(err, io.EOF) {
				break
			} else if err != nil {
				t.Fatalf("%s: %v", file, err)
			}
			js, err := k8syaml.ToJSON(doc)
			if err != nil {
				t.Fatalf("%s document %d: %v", file, i, err)
			}
			if string(js) == "null" { // comments only
				continue
			}
			var typ metav1.TypeMeta
			if err := k8syaml.Unmarshal(doc, &typ); err != nil {
				t.Fatalf("%s document %d: %v", file, i, err)
			}
			source := fmt.Sprintf("%s document %d (%s)", file, i, typ.Kind)
			if typ.APIVersion == "" && typ.Kind == "" {
				source = fmt.Sprintf("%s document %d (a patch of the Deployment)", file, i)
				obj, err := decodeManifest(doc, &deploymentKind)
				if err != nil {
					t.Errorf("%s: %v", source, err)
					continue
				}
				m.patches = append(m.patches, manifest{source: source, obj: obj, json: js})
				continue
			}
			obj, err := decodeManifest(doc, nil)
			if err != nil {
				t.Errorf("%s: %v", source, err)
				continue
			}
			m.byKind[typ.Kind] = append(m.byKind[typ.Kind], manifest{source: source, obj: obj, json: js})
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	deps := m.byKind["Deployment"]
	for i, p := range m.patches {
		if len(deps) != 1 {
			t.Fatalf("%s: %d Deployments to patch, want 1", p.source, len(deps))
		}
		js, err := strategicpatch.StrategicMergePatch(deps[0].json, p.json, appsv1.Deployment{})
		if err != nil {
			t.Fatalf("%s: applying it to %s: %v", p.source, deps[0].source, err)
		}
		obj, err := decodeManifest(js, nil)
		if err != nil {
			t.Fatalf("%s: applied to %s: %v", p.source, deps[0].source, err)
		}
		m.patches[i].patched = obj.(*appsv1.Deployment)
	}
	return m
}

// only returns the one object of kind, and where it comes from.
func only[T runtime.Object](t *testing.T, m *manifests, kind string) (T, string) {
	t.Helper()
	docs := m.byKind[kind]
	if len(docs) != 1 {
		t.Fatalf("%d documents of kind %s, want 1", len(docs), kind)
	}
	return docs[0].obj.(T), docs[0].source
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

// containerPort returns the port named name of the pod's containers.
func containerPort(pod *corev1.PodTemplateSpec, name string) *corev1.ContainerPort {
	for _, c := range pod.Spec.Containers {
		for i, p := range c.Ports {
			if p.Name == name {
				return &c.Ports[i]
			}
		}
	}
	return nil
}

// ruleFile is a Prometheus rule file.
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
