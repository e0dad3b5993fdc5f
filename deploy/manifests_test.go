package deploy

import (
	"net/netip"
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	psaapi "k8s.io/pod-security-admission/api"
	psapolicy "k8s.io/pod-security-admission/policy"
)

// imageUser is the numeric user and group of the image (Containerfile's
// USER), which the pods run as.
const imageUser = 65532

// monitoringNamespace is the namespace the NetworkPolicy lets scrape the
// metrics port.
const monitoringNamespace = "monitoring"

// TestPodSecurity: every pod template of the manifests, the secured
// variant's patch applied, passes the Pod Security Admission evaluator of
// k8s.io/pod-security-admission at level restricted, latest version (what
// a namespace labelled pod-security.kubernetes.io/enforce=restricted
// admits), and what a locked-down cluster asks beyond it: no service
// account token, a read-only root file system, the image's numeric user and
// group, and requests and limits of CPU and memory.
func TestPodSecurity(t *testing.T) {
	evaluator, err := psapolicy.NewEvaluator(psapolicy.DefaultChecks(), nil)
	if err != nil {
		t.Fatal(err)
	}
	restricted := psaapi.LevelVersion{Level: psaapi.LevelRestricted, Version: psaapi.LatestVersion()}
	m := loadManifests(t)
	pods := m.podTemplates()
	if len(pods) < 2 {
		t.Fatalf("pod templates %v, want the Deployment's and the secured variant's", pods)
	}
	for source, pod := range pods {
		if r := psapolicy.AggregateCheckResults(evaluator.EvaluatePod(restricted, &pod.ObjectMeta, &pod.Spec)); !r.Allowed {
			t.Errorf("%s: the restricted Pod Security Standard forbids %s: %s", source, r.ForbiddenReason(), r.ForbiddenDetail())
		}
		spec := pod.Spec
		if a := spec.AutomountServiceAccountToken; a == nil || *a {
			t.Errorf("%s: automountServiceAccountToken %v, want false: the bot calls no Kubernetes API", source, a)
		}
		for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
			sc := c.SecurityContext
			if sc == nil || sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: container %s: no readOnlyRootFilesystem: true", source, c.Name)
			}
			user, group := effectiveIDs(spec.SecurityContext, sc)
			if user == nil || *user != imageUser || group == nil || *group != imageUser {
				t.Errorf("%s: container %s runs as user %v group %v, want the image's %d:%d, numeric, so that runAsNonRoot can be checked", source, c.Name, deref(user), deref(group), imageUser, imageUser)
			}
			for _, res := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, hasReq := c.Resources.Requests[res]
				limit, hasLimit := c.Resources.Limits[res]
				if !hasReq || !hasLimit || req.Sign() <= 0 || req.Cmp(limit) > 0 {
					t.Errorf("%s: container %s: %s request %v and limit %v, want both, the request at most the limit", source, c.Name, res, req.String(), limit.String())
				}
			}
		}
	}

	// The evaluator forbids what it should: the bot's pod with the
	// container's security context taken away, or running as root.
	dep, _ := only[*appsv1.Deployment](t, m, "Deployment")
	for name, change := range map[string]func(*corev1.PodSpec){
		"no container securityContext": func(s *corev1.PodSpec) { s.Containers[0].SecurityContext = nil },
		"runAsUser 0":                  func(s *corev1.PodSpec) { s.SecurityContext.RunAsUser = new(int64) },
		"no seccompProfile":            func(s *corev1.PodSpec) { s.SecurityContext.SeccompProfile = nil },
	} {
		pod := dep.Spec.Template.DeepCopy()
		change(&pod.Spec)
		if r := psapolicy.AggregateCheckResults(evaluator.EvaluatePod(restricted, &pod.ObjectMeta, &pod.Spec)); r.Allowed {
			t.Errorf("the evaluator allows the bot's pod with %s", name)
		}
	}
}

// effectiveIDs returns the user and group a container runs as: its own
// security context's, else the pod's.
func effectiveIDs(pod *corev1.PodSecurityContext, c *corev1.SecurityContext) (user, group *int64) {
	if pod != nil {
		user, group = pod.RunAsUser, pod.RunAsGroup
	}
	if c != nil && c.RunAsUser != nil {
		user = c.RunAsUser
	}
	if c != nil && c.RunAsGroup != nil {
		group = c.RunAsGroup
	}
	return user, group
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// TestManifestDecoderIsStrict: the decoder of the manifest tests refuses
// what the API server refuses with fieldValidation=Strict, so that a
// misspelt field cannot pass them.
func TestManifestDecoderIsStrict(t *testing.T) {
	for name, doc := range map[string]string{
		"an unknown field": "apiVersion: v1\nkind: Service\nmetadata: {name: bot}\nspec: {selectr: {app: bot}}\n",
		"a field of another kind": "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: bot}\n" +
			"spec: {template: {spec: {containers: [{name: bot, image: bot, minReadySeconds: 5}]}}}\n",
		"a field given twice":    "apiVersion: v1\nkind: Service\nmetadata: {name: bot}\nmetadata: {name: bot2}\n",
		"a kind no scheme knows": "apiVersion: v1\nkind: Servce\nmetadata: {name: bot}\n",
		"a CRD field misspelt":   "apiVersion: monitoring.coreos.com/v1\nkind: ServiceMonitor\nmetadata: {name: bot}\nspec: {endpoints: [{port: metrics, pth: /prometheus}], selector: {}}\n",
		"a quantity that is no quantity": "apiVersion: v1\nkind: Pod\nmetadata: {name: bot}\n" +
			"spec: {containers: [{name: bot, image: bot, resources: {limits: {memory: 256 megs}}}]}\n",
	} {
		if obj, err := decodeManifest([]byte(doc), nil); err == nil {
			t.Errorf("%s: decoded as %T, want an error", name, obj)
		}
	}
	if _, err := decodeManifest([]byte("apiVersion: v1\nkind: Service\nmetadata: {name: bot}\nspec: {selector: {app: bot}}\n"), nil); err != nil {
		t.Errorf("a valid Service: %v", err)
	}
}

// TestPodDisruptionBudget: the budget selects the bot's pods, and lets a
// drain evict one replica at a time while the others run.
func TestPodDisruptionBudget(t *testing.T) {
	m := loadManifests(t)
	dep, _ := only[*appsv1.Deployment](t, m, "Deployment")
	pdb, source := only[*policyv1.PodDisruptionBudget](t, m, "PodDisruptionBudget")
	if !selects(t, source, pdb.Spec.Selector, dep.Spec.Template.Labels) {
		t.Errorf("%s: selector %v does not select the bot's pods %v", source, pdb.Spec.Selector, dep.Spec.Template.Labels)
	}
	replicas := int(*dep.Spec.Replicas)
	var allowed int
	switch {
	case pdb.Spec.MaxUnavailable != nil && pdb.Spec.MinAvailable == nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, replicas, true)
		if err != nil {
			t.Fatalf("%s: maxUnavailable: %v", source, err)
		}
		allowed = n
	case pdb.Spec.MinAvailable != nil && pdb.Spec.MaxUnavailable == nil:
		n, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, replicas, true)
		if err != nil {
			t.Fatalf("%s: minAvailable: %v", source, err)
		}
		allowed = replicas - n
	default:
		t.Fatalf("%s: want one of minAvailable and maxUnavailable", source)
	}
	if allowed < 1 || allowed >= replicas {
		t.Errorf("%s: %d of %d replicas may be evicted at once, want at least one (or no node drains) and fewer than all", source, allowed, replicas)
	}
	if p := pdb.Spec.UnhealthyPodEvictionPolicy; p == nil || *p != policyv1.AlwaysAllow {
		t.Errorf("%s: unhealthyPodEvictionPolicy %v, want AlwaysAllow: a replica that is not ready must not block a drain", source, deref(p))
	}
}

// TestNetworkPolicy: the policy selects the bot's pods and lets in the
// webhook port from anywhere and the metrics port only from the monitoring
// namespace, and lets out DNS and HTTPS only: each evaluated as a network
// plugin does, with the pod's named ports.
func TestNetworkPolicy(t *testing.T) {
	m := loadManifests(t)
	dep, _ := only[*appsv1.Deployment](t, m, "Deployment")
	np, source := only[*networkingv1.NetworkPolicy](t, m, "NetworkPolicy")
	pod := &dep.Spec.Template
	if !selects(t, source, &np.Spec.PodSelector, pod.Labels) {
		t.Fatalf("%s: podSelector %v does not select the bot's pods %v", source, np.Spec.PodSelector, pod.Labels)
	}
	for _, typ := range []networkingv1.PolicyType{networkingv1.PolicyTypeIngress, networkingv1.PolicyTypeEgress} {
		if !slices.Contains(np.Spec.PolicyTypes, typ) {
			t.Errorf("%s: policyTypes %v without %s: that direction is not restricted", source, np.Spec.PolicyTypes, typ)
		}
	}
	port := func(name string) int32 {
		p := containerPort(pod, name)
		if p == nil {
			t.Fatalf("no container port %s", name)
		}
		return p.ContainerPort
	}
	webhook, metrics := port("webhook"), port("metrics")
	internet := peer{ip: netip.MustParseAddr("203.0.113.7")}
	monitoring := peer{namespace: monitoringNamespace, podLabels: map[string]string{"app.kubernetes.io/name": "prometheus"}}
	other := peer{namespace: "default", podLabels: map[string]string{"app": "anything"}}
	neighbour := peer{namespace: botNamespace, podLabels: map[string]string{"app": "anything"}}
	dns := peer{namespace: "kube-system", podLabels: map[string]string{"k8s-app": "kube-dns"}}
	for _, c := range []struct {
		from  peer
		port  int32
		proto corev1.Protocol
		want  bool
	}{
		{internet, webhook, corev1.ProtocolTCP, true},
		{other, webhook, corev1.ProtocolTCP, true},
		{monitoring, metrics, corev1.ProtocolTCP, true},
		{internet, metrics, corev1.ProtocolTCP, false},
		{other, metrics, corev1.ProtocolTCP, false},
		{neighbour, metrics, corev1.ProtocolTCP, false},
		{monitoring, 22, corev1.ProtocolTCP, false},
		{internet, webhook, corev1.ProtocolUDP, false},
	} {
		if got := allows(t, np.Spec.Ingress, pod, c.from, c.port, c.proto); got != c.want {
			t.Errorf("%s: ingress from %v to port %d/%s allowed %v, want %v", source, c.from, c.port, c.proto, got, c.want)
		}
	}
	for _, c := range []struct {
		to    peer
		port  int32
		proto corev1.Protocol
		want  bool
	}{
		{dns, 53, corev1.ProtocolUDP, true},
		{dns, 53, corev1.ProtocolTCP, true},
		{internet, 443, corev1.ProtocolTCP, true},
		{internet, 80, corev1.ProtocolTCP, false},
		{other, 5432, corev1.ProtocolTCP, false},
		{internet, 443, corev1.ProtocolUDP, false},
	} {
		if got := allows(t, egressRules(np.Spec.Egress), nil, c.to, c.port, c.proto); got != c.want {
			t.Errorf("%s: egress to %v port %d/%s allowed %v, want %v", source, c.to, c.port, c.proto, got, c.want)
		}
	}
}

// botNamespace is the namespace the bot is deployed in, for peers of the
// NetworkPolicy test.
const botNamespace = "bots"

// peer is the other end of a connection: a pod (namespace set; its
// namespace has the label kubernetes.io/metadata.name the API server puts
// on every namespace) or an address outside the cluster.
type peer struct {
	namespace string
	podLabels map[string]string
	ip        netip.Addr
}

func (p peer) String() string {
	if p.namespace == "" {
		return p.ip.String()
	}
	return "a pod of namespace " + p.namespace
}

// allows reports whether one of rules admits traffic with p on port/proto
// of the bot's pod (for egress, pod is nil and port is the destination's).
func allows(t *testing.T, rules []networkingv1.NetworkPolicyIngressRule, pod *corev1.PodTemplateSpec, p peer, port int32, proto corev1.Protocol) bool {
	t.Helper()
	for _, r := range rules {
		if !portMatches(pod, r.Ports, port, proto) {
			continue
		}
		if len(r.From) == 0 || slices.ContainsFunc(r.From, func(np networkingv1.NetworkPolicyPeer) bool { return matchesPeer(t, np, p) }) {
			return true
		}
	}
	return false
}

// egressRules are egress rules in the shape of ingress rules (to as from),
// which allows evaluates alike.
func egressRules(egress []networkingv1.NetworkPolicyEgressRule) []networkingv1.NetworkPolicyIngressRule {
	rules := make([]networkingv1.NetworkPolicyIngressRule, len(egress))
	for i, r := range egress {
		rules[i] = networkingv1.NetworkPolicyIngressRule{Ports: r.Ports, From: r.To}
	}
	return rules
}

// matchesPeer reports whether the rule's peer np selects p, for a policy
// in namespace botNamespace.
func matchesPeer(t *testing.T, np networkingv1.NetworkPolicyPeer, p peer) bool {
	t.Helper()
	if np.IPBlock != nil {
		if p.namespace != "" {
			return false // pod traffic is matched by selectors (CNIs differ; the policy uses none of this)
		}
		prefix, err := netip.ParsePrefix(np.IPBlock.CIDR)
		if err != nil {
			t.Errorf("ipBlock %s: %v", np.IPBlock.CIDR, err)
			return false
		}
		if !prefix.Contains(p.ip) {
			return false
		}
		for _, except := range np.IPBlock.Except {
			if e, err := netip.ParsePrefix(except); err == nil && e.Contains(p.ip) {
				return false
			}
		}
		return true
	}
	if p.namespace == "" {
		return false
	}
	if np.NamespaceSelector != nil {
		if !selectorMatches(t, np.NamespaceSelector, map[string]string{"kubernetes.io/metadata.name": p.namespace}) {
			return false
		}
	} else if p.namespace != botNamespace {
		return false
	}
	return np.PodSelector == nil || selectorMatches(t, np.PodSelector, p.podLabels)
}

// selectorMatches reports whether sel matches set; an empty selector
// matches everything.
func selectorMatches(t *testing.T, sel *metav1.LabelSelector, set map[string]string) bool {
	t.Helper()
	s, err := metav1.LabelSelectorAsSelector(sel)
	if err != nil {
		t.Errorf("selector %v: %v", sel, err)
		return false
	}
	return s.Matches(labels.Set(set))
}

// portMatches reports whether a rule's ports admit port/proto on the pod
// (a named port is the pod's container port of that name); no ports admit
// every port.
func portMatches(pod *corev1.PodTemplateSpec, ports []networkingv1.NetworkPolicyPort, port int32, proto corev1.Protocol) bool {
	if len(ports) == 0 {
		return true
	}
	for _, p := range ports {
		pp := corev1.ProtocolTCP
		if p.Protocol != nil {
			pp = *p.Protocol
		}
		if pp != proto {
			continue
		}
		if p.Port == nil {
			return true
		}
		n := p.Port.IntVal
		if p.Port.Type == intstr.String {
			// A named port is the pod's; an egress rule's would be the
			// destination's, which this test does not know.
			if pod == nil || containerPort(pod, p.Port.StrVal) == nil {
				continue
			}
			n = containerPort(pod, p.Port.StrVal).ContainerPort
		}
		end := n
		if p.EndPort != nil {
			end = *p.EndPort
		}
		if n <= port && port <= end {
			return true
		}
	}
	return false
}
