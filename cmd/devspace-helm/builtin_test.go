package main

import (
	"strings"
	"testing"

	"github.com/devspace-engine/devspace/helm"
)

func componentRequest(t *testing.T, values map[string]any) (helm.Request, string) {
	kc := unreachableKubeconfig(t)
	return helm.Request{Kubeconfig: kc, Namespace: "ns1", Release: "web",
		Chart: helm.Chart{Builtin: helm.ComponentChart}, Values: values}, "KUBECONFIG=" + kc
}

func containers(c ...map[string]any) []any {
	out := make([]any, len(c))
	for i := range c {
		out[i] = c[i]
	}
	return out
}

// The component chart picks its workload kind and defaults from the values.
func TestComponentChartRenders(t *testing.T) {
	busybox := map[string]any{"image": "busybox"}
	for _, tc := range []struct {
		name       string
		values     map[string]any
		want, lack []string
	}{
		{"minimal", map[string]any{"containers": containers(busybox)},
			[]string{"kind: Deployment", `name: "container-0"`, `image: "busybox"`, "replicas: 1", "app.kubernetes.io/component: \"web\""},
			[]string{"kind: Service", "kind: Ingress", "kind: StatefulSet", "volumes:", "kind: HorizontalPodAutoscaler"}},
		{"persistent volume", map[string]any{"containers": containers(busybox), "volumes": []any{map[string]any{"name": "data", "size": "2Gi"}}},
			[]string{"kind: StatefulSet", "volumeClaimTemplates:", `storage: "2Gi"`, `serviceName: "web"`},
			[]string{"kind: Deployment", "emptyDir"}},
		{"pod management policy", map[string]any{"containers": containers(busybox), "podManagementPolicy": "Parallel"},
			[]string{"kind: StatefulSet", `podManagementPolicy: "Parallel"`},
			[]string{"volumeClaimTemplates:"}},
		{"pod scheduling", map[string]any{"containers": containers(busybox), "nodeSelector": map[string]any{"disk": "ssd"},
			"tolerations": []any{map[string]any{"key": "dedicated", "operator": "Exists"}}, "terminationGracePeriodSeconds": 5},
			[]string{"nodeSelector:\n        disk: ssd", "tolerations:\n        - key: dedicated\n          operator: Exists", "terminationGracePeriodSeconds:\n        5"},
			[]string{"affinity"}},
		{"horizontal auto-scaling", map[string]any{"containers": containers(busybox), "replicas": 2,
			"autoScaling": map[string]any{"horizontal": map[string]any{"maxReplicas": 5, "averageCPU": "800m", "averageRelativeMemory": 50}}},
			[]string{"kind: HorizontalPodAutoscaler", "kind: Deployment\n    name: \"web\"", "minReplicas: 2", "maxReplicas: 5",
				"name: cpu\n      target:\n        type: AverageValue\n        averageValue: \"800m\"",
				"name: memory\n      target:\n        type: Utilization\n        averageUtilization: 50"},
			nil},
		{"ingress to a named service port", map[string]any{"containers": containers(busybox),
			"ingress": map[string]any{"ingressClass": "nginx", "tls": "my-cert", "rules": []any{map[string]any{"host": "a.example", "serviceName": "other", "servicePort": 8080}}}},
			[]string{"kind: Ingress", `ingressClassName: "nginx"`, `secretName: "my-cert"`, `name: "other"`, "number: 8080", `host: "a.example"`},
			[]string{"kind: Service"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, env := componentRequest(t, tc.values)
			manifest := mustOp(t, helm.OpTemplate, req, env).Manifest
			for _, w := range tc.want {
				if !strings.Contains(manifest, w) {
					t.Errorf("manifest lacks %q:\n%s", w, manifest)
				}
			}
			for _, l := range tc.lack {
				if strings.Contains(manifest, l) {
					t.Errorf("manifest has %q:\n%s", l, manifest)
				}
			}
		})
	}
}

// Values the chart cannot use fail, saying which.
func TestComponentChartRefuses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		values map[string]any
		want   string
	}{
		{"no containers", nil, "containers: at least one container is required"},
		{"no image", map[string]any{"containers": containers(map[string]any{"name": "a"})}, "containers[0].image is required"},
		{"unknown value", map[string]any{"containers": containers(map[string]any{"image": "x"}), "bogus": 1}, "additional properties 'bogus' not allowed"},
		{"unknown container field", map[string]any{"containers": containers(map[string]any{"image": "x", "ports": []any{}})}, "additional properties 'ports' not allowed"},
		{"ingress without a port", map[string]any{"containers": containers(map[string]any{"image": "x"}),
			"ingress": map[string]any{"rules": []any{map[string]any{"host": "a"}}}}, "ingress.rules[0].servicePort is required"},
		{"mount without a volume name", map[string]any{"containers": containers(map[string]any{"image": "x",
			"volumeMounts": []any{map[string]any{"containerPath": "/a", "volume": map[string]any{}}}})}, "name"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req, env := componentRequest(t, tc.values)
			r := runOp(t, helm.OpTemplate, req, env)
			if r.code != 1 || !strings.Contains(r.stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want exit 1 and %q", r.code, r.stderr, tc.want)
			}
		})
	}
	req, env := componentRequest(t, nil)
	req.Chart.Builtin = "other"
	if r := runOp(t, helm.OpTemplate, req, env); r.code != 1 || !strings.Contains(r.stderr, `no built-in chart "other"`) {
		t.Errorf("unknown built-in chart: exit %d, stderr %q", r.code, r.stderr)
	}
}
