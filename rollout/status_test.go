package rollout

import (
	"testing"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

// TestProgressOfEachStage reads workloads' statuses at each stage of a
// rollout, as their controllers write them: the line shown while waiting
// and when they count as ready (as `kubectl rollout status` does).
func TestProgressOfEachStage(t *testing.T) {
	for _, tc := range []struct {
		name, object string
		ready        bool
		line         string
	}{
		{"deployment not seen", `{kind: Deployment, metadata: {generation: 2}, spec: {replicas: 2}, status: {observedGeneration: 1}}`,
			false, "waiting for its controller"},
		{"deployment updating", `{kind: Deployment, metadata: {generation: 1}, spec: {replicas: 3}, status: {observedGeneration: 1, replicas: 3, updatedReplicas: 1, readyReplicas: 2}}`,
			false, "2/3 ready, 1/3 updated"},
		{"deployment old replicas", `{kind: Deployment, spec: {replicas: 2}, status: {replicas: 3, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2}}`,
			false, "2/2 ready, 1 old replica(s) terminating"},
		{"deployment unavailable", `{kind: Deployment, spec: {replicas: 2}, status: {replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 1}}`,
			false, "2/2 ready"},
		{"deployment ready", `{kind: Deployment, spec: {replicas: 2}, status: {replicas: 2, updatedReplicas: 2, readyReplicas: 2, availableReplicas: 2}}`,
			true, "2/2 ready"},

		{"statefulset not seen", `{kind: StatefulSet, metadata: {generation: 3}, status: {observedGeneration: 2}}`,
			false, "waiting for its controller"},
		{"statefulset not ready", `{kind: StatefulSet, spec: {replicas: 3}, status: {readyReplicas: 2, availableReplicas: 2, updatedReplicas: 1}}`,
			false, "2/3 ready"},
		{"statefulset updating", `{kind: StatefulSet, spec: {replicas: 3}, status: {readyReplicas: 3, availableReplicas: 3, updatedReplicas: 1}}`,
			false, "3/3 ready, 1/3 updated"},
		{"statefulset partition reached", `{kind: StatefulSet, spec: {replicas: 3, updateStrategy: {type: RollingUpdate, rollingUpdate: {partition: 2}}},
			status: {readyReplicas: 3, availableReplicas: 3, updatedReplicas: 1, currentRevision: a, updateRevision: b}}`,
			true, "3/3 ready"},
		{"statefulset partition not reached", `{kind: StatefulSet, spec: {replicas: 3, updateStrategy: {rollingUpdate: {partition: 1}}},
			status: {readyReplicas: 3, availableReplicas: 3, updatedReplicas: 1}}`,
			false, "3/3 ready, 1/2 updated"},
		{"statefulset finishing", `{kind: StatefulSet, spec: {replicas: 2}, status: {readyReplicas: 2, availableReplicas: 2, updatedReplicas: 2, currentRevision: a, updateRevision: b}}`,
			false, "2/2 ready, finishing the update"},
		{"statefulset on delete", `{kind: StatefulSet, spec: {replicas: 2, updateStrategy: {type: OnDelete}}, status: {readyReplicas: 2, availableReplicas: 2, updatedReplicas: 0, currentRevision: a, updateRevision: b}}`,
			true, "2/2 ready"},
		{"statefulset ready", `{kind: StatefulSet, status: {readyReplicas: 1, availableReplicas: 1, updatedReplicas: 1, currentRevision: a, updateRevision: a}}`,
			true, "1/1 ready"},

		{"daemonset not seen", `{kind: DaemonSet, metadata: {generation: 5}, status: {observedGeneration: 4}}`,
			false, "waiting for its controller"},
		{"daemonset updating and unavailable", `{kind: DaemonSet, status: {desiredNumberScheduled: 3, numberReady: 1, numberAvailable: 1, updatedNumberScheduled: 2}}`,
			false, "1/3 ready, 2/3 updated"},
		{"daemonset unavailable", `{kind: DaemonSet, status: {desiredNumberScheduled: 3, numberReady: 3, numberAvailable: 2, updatedNumberScheduled: 3}}`,
			false, "3/3 ready"},
		{"daemonset on delete", `{kind: DaemonSet, spec: {updateStrategy: {type: OnDelete}}, status: {desiredNumberScheduled: 2, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 0}}`,
			true, "2/2 ready"},
		{"daemonset ready", `{kind: DaemonSet, status: {desiredNumberScheduled: 2, numberReady: 2, numberAvailable: 2, updatedNumberScheduled: 2}}`,
			true, "2/2 ready"},

		{"replicaset not seen", `{kind: ReplicaSet, metadata: {generation: 2}, status: {observedGeneration: 1}}`,
			false, "waiting for its controller"},
		{"replicaset unavailable", `{kind: ReplicaSet, spec: {replicas: 2}, status: {readyReplicas: 2, availableReplicas: 1}}`,
			false, "2/2 ready"},
		{"replicaset ready", `{kind: ReplicaSet, spec: {replicas: 2}, status: {readyReplicas: 2, availableReplicas: 2}}`,
			true, "2/2 ready"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var obj map[string]any
			if err := yaml.Unmarshal([]byte(tc.object), &obj); err != nil {
				t.Fatal(err)
			}
			obj["apiVersion"] = "apps/v1"
			p, err := evaluate(&unstructured.Unstructured{Object: obj})
			if err != nil {
				t.Fatal(err)
			}
			if p.ready != tc.ready || p.line != tc.line {
				t.Errorf("ready %v, line %q; want ready %v, line %q", p.ready, p.line, tc.ready, tc.line)
			}
		})
	}
}
