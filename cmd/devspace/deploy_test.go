package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rogpeppe/go-internal/testscript"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/tools/clientcmd"
	"sigs.k8s.io/yaml"

	"github.com/devspace-engine/devspace/pullsecret"
	"github.com/devspace-engine/devspace/testbed"
)

// TestDeployScripts runs testdata/deploy/*.txtar: create_deployments,
// purge_deployments and ensure_pull_secrets end to end, the real binary
// against the test bed's Docker Engine, registries and Kubernetes
// cluster. Each script gets a namespace of its own, deleted afterwards,
// and sees
//
//	DOCKER_HOST    the test bed's daemon
//	REGISTRY       its registry, 127.0.0.1:PORT, which the cluster pulls from
//	AUTH_REGISTRY  a registry that requires a login (user devspace)
//	AUTH           base64 of that login, for a Docker config.json
//	BUSYBOX        a local base image
//	REGISTRY_BUSYBOX  the same in REGISTRY, for builds in the cluster
//	KANIKO_IMAGE   the test bed's kaniko executor image, in REGISTRY
//	BUILDKIT_IMAGE the test bed's buildkitd image, in REGISTRY
//	KUBECONFIG     the cluster, as the admin
//	NS             the script's namespace
//	NS2            a second namespace of its own (made by what uses it)
//	SECRET         the name of the pull secret for AUTH_REGISTRY
//	LOCAL_PORT     a free port on 127.0.0.1 (LOCAL_PORT2 another)
//
// and the commands kget, kpods, krollout, kcreate, kdelete, kpullfails,
// kconfig-as, kconfig-context, http-get and file-eventually besides
// testscript's own.
func TestDeployScripts(t *testing.T) {
	denv := testbed.Docker(t)
	kenv := testbed.Kube(t)
	busybox := denv.Busybox(t)
	registryBusybox := denv.RegistryBusybox(t)
	dyn := dynamicClient(t, kenv.Kubeconfig)
	testscript.Run(t, testscript.Params{
		Dir: "testdata/deploy",
		Setup: func(e *testscript.Env) error {
			scriptEnv(e)
			tmp, err := os.MkdirTemp("", "devspace-deploy-script-")
			if err != nil {
				return err
			}
			e.Defer(func() { os.RemoveAll(tmp) })
			ns := fmt.Sprintf("e2e-%08x", rand.Uint32())
			e.Defer(func() { deleteNamespace(dyn, ns) })
			e.Defer(func() { deleteNamespace(dyn, ns+"-2") })
			e.Defer(func() {
				_ = dyn.Resource(kinds["persistentvolume"]).DeleteCollection(context.Background(), metav1.DeleteOptions{},
					metav1.ListOptions{LabelSelector: "devspace-test-ns=" + ns})
			})
			e.Setenv("TMPDIR", tmp)
			e.Setenv("NS", ns)
			e.Setenv("NS2", ns+"-2")
			e.Setenv("DOCKER_HOST", denv.Host)
			e.Setenv("REGISTRY", denv.Registry)
			e.Setenv("AUTH_REGISTRY", kenv.AuthRegistry)
			e.Setenv("SECRET", pullsecret.DefaultName(kenv.AuthRegistry))
			e.Setenv("AUTH", base64.StdEncoding.EncodeToString([]byte(testbed.AuthRegistryUser+":"+testbed.AuthRegistryPassword)))
			e.Setenv("BUSYBOX", busybox)
			e.Setenv("REGISTRY_BUSYBOX", registryBusybox)
			e.Setenv("KANIKO_IMAGE", kenv.KanikoImage)
			e.Setenv("BUILDKIT_IMAGE", kenv.BuildKitImage)
			e.Setenv("KUBECONFIG", kenv.Kubeconfig)
			unique := fmt.Sprintf("%016x", rand.Uint64())
			e.Setenv("UNIQUE", unique)
			// local_registry.txtar's hostPath volume (its pod's user must
			// reach it, so it is not under $WORK).
			e.Defer(func() { os.RemoveAll("/tmp/devspace-lr-" + unique) })
			e.Setenv("LOCAL_PORT", fmt.Sprint(freePort(e.T())))
			e.Setenv("LOCAL_PORT2", fmt.Sprint(freePort(e.T())))
			return nil
		},
		Cmds: map[string]func(*testscript.TestScript, bool, []string){
			"exits":           exits,
			"kget":            func(ts *testscript.TestScript, neg bool, args []string) { kget(ts, dyn, neg, args) },
			"kpods":           func(ts *testscript.TestScript, neg bool, args []string) { kpods(ts, dyn, neg, args) },
			"krollout":        func(ts *testscript.TestScript, neg bool, args []string) { krollout(ts, dyn, neg, args) },
			"kcreate":         func(ts *testscript.TestScript, neg bool, args []string) { kcreate(ts, dyn, neg, args) },
			"kdelete":         func(ts *testscript.TestScript, neg bool, args []string) { kdelete(ts, dyn, neg, args) },
			"kpullfails":      func(ts *testscript.TestScript, neg bool, args []string) { kpullfails(ts, dyn, neg, args) },
			"kconfig-as":      kconfigAs,
			"kconfig-context": kconfigContext,
			"http-get":        httpGet,
			"file-eventually": fileEventually,
			"image-holds":     func(ts *testscript.TestScript, neg bool, args []string) { imageHolds(ts, denv.API(t), neg, args) },
		},
	})
}

func dynamicClient(t testing.TB, kubeconfig string) dynamic.Interface {
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return dyn
}

// kinds the scripts look at, by the short names they use.
var kinds = map[string]schema.GroupVersionResource{
	"deployment":     {Group: "apps", Version: "v1", Resource: "deployments"},
	"pod":            {Version: "v1", Resource: "pods"},
	"service":        {Version: "v1", Resource: "services"},
	"configmap":      {Version: "v1", Resource: "configmaps"},
	"secret":         {Version: "v1", Resource: "secrets"},
	"serviceaccount": {Version: "v1", Resource: "serviceaccounts"},
	"namespace":      {Version: "v1", Resource: "namespaces"},
	"statefulset":    {Group: "apps", Version: "v1", Resource: "statefulsets"},
	"ingress":        {Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"},
	"pvc":            {Version: "v1", Resource: "persistentvolumeclaims"},
	// persistentvolume is cluster-wide: a script labels its volumes
	// devspace-test-ns=$NS, and they are deleted with its namespace.
	"persistentvolume": {Version: "v1", Resource: "persistentvolumes"},
}

func resourceFor(ts *testscript.TestScript, dyn dynamic.Interface, kind string) dynamic.ResourceInterface {
	gvr, ok := kinds[kind]
	if !ok {
		ts.Fatalf("unknown kind %q", kind)
	}
	if kind == "namespace" || kind == "persistentvolume" {
		return dyn.Resource(gvr)
	}
	return dyn.Resource(gvr).Namespace(ts.Getenv("NS"))
}

// kget KIND NAME|-l=SELECTOR [FIELD]: prints the object in $NS (or one
// field of it, a dotted path with list indexes, e.g.
// spec.template.spec.containers.0.image) to stdout; -l=SELECTOR takes the
// newest object with those labels. With !, the object must not exist.
func kget(ts *testscript.TestScript, dyn dynamic.Interface, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 {
		ts.Fatalf("usage: kget KIND NAME|-l=SELECTOR [FIELD]")
	}
	obj, err := kgetOne(resourceFor(ts, dyn, args[0]), args[1])
	if apierrors.IsNotFound(err) {
		if !neg {
			ts.Fatalf("%s %s does not exist", args[0], args[1])
		}
		return
	}
	ts.Check(err)
	if neg {
		ts.Fatalf("%s %s exists", args[0], args[1])
	}
	var v any = obj.Object
	if len(args) == 3 {
		v = field(ts, obj.Object, args[2])
	}
	if s, ok := v.(string); ok {
		fmt.Fprintln(ts.Stdout(), s)
		return
	}
	data, _ := json.MarshalIndent(v, "", "  ")
	fmt.Fprintln(ts.Stdout(), string(data))
}

// kgetOne gets the object named name, or with -l=SELECTOR the newest one
// with those labels (a NotFound error when there is none).
func kgetOne(r dynamic.ResourceInterface, name string) (*unstructured.Unstructured, error) {
	sel, ok := strings.CutPrefix(name, "-l=")
	if !ok {
		return r.Get(context.Background(), name, metav1.GetOptions{})
	}
	list, err := r.List(context.Background(), metav1.ListOptions{LabelSelector: sel})
	if err != nil {
		return nil, err
	}
	if len(list.Items) == 0 {
		return nil, apierrors.NewNotFound(schema.GroupResource{}, name)
	}
	newest := &list.Items[0]
	for i := range list.Items {
		if list.Items[i].GetCreationTimestamp().After(newest.GetCreationTimestamp().Time) {
			newest = &list.Items[i]
		}
	}
	return newest, nil
}

func field(ts *testscript.TestScript, v any, path string) any {
	for _, part := range strings.Split(path, ".") {
		switch cur := v.(type) {
		case map[string]any:
			v = cur[part]
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i >= len(cur) {
				ts.Fatalf("%s: no element %s", path, part)
			}
			v = cur[i]
		default:
			ts.Fatalf("%s: %s is not inside an object or list", path, part)
		}
	}
	return v
}

// kpods SELECTOR [PHASE]: prints the names of the pods in $NS that match
// the label selector (and are in PHASE, e.g. Running), one per line. With
// PHASE it waits up to 60 s for one to be there. ! kpods SELECTOR waits up
// to 30 s for no pod to match (a deleted pod is listed until its
// containers have stopped).
func kpods(ts *testscript.TestScript, dyn dynamic.Interface, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 || (neg && len(args) != 1) {
		ts.Fatalf("usage: kpods SELECTOR [PHASE] | ! kpods SELECTOR")
	}
	if neg {
		knoPods(ts, dyn, args[0])
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	for {
		list, err := resourceFor(ts, dyn, "pod").List(ctx, metav1.ListOptions{LabelSelector: args[0]})
		ts.Check(err)
		var names []string
		for _, p := range list.Items {
			phase, _, _ := unstructured.NestedString(p.Object, "status", "phase")
			if len(args) == 1 || phase == args[1] {
				names = append(names, p.GetName())
			}
		}
		if len(args) == 1 || len(names) > 0 {
			for _, n := range names {
				fmt.Fprintln(ts.Stdout(), n)
			}
			return
		}
		select {
		case <-ctx.Done():
			ts.Fatalf("no pod %s is %s", args[0], args[1])
		case <-time.After(200 * time.Millisecond):
		}
	}
}

func knoPods(ts *testscript.TestScript, dyn dynamic.Interface, selector string) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	for {
		list, err := resourceFor(ts, dyn, "pod").List(ctx, metav1.ListOptions{LabelSelector: selector})
		ts.Check(err)
		if len(list.Items) == 0 {
			return
		}
		select {
		case <-ctx.Done():
			ts.Fatalf("pod %s still exists after 30 s", list.Items[0].GetName())
		case <-time.After(200 * time.Millisecond):
		}
	}
}

// krollout NAME: waits (90 s at most) until Deployment NAME in $NS has
// rolled out (every replica updated and available, no old pod left), then
// prints each pod's image and its running container's image ID.
func krollout(ts *testscript.TestScript, dyn dynamic.Interface, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: krollout NAME")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	deps := resourceFor(ts, dyn, "deployment")
	for {
		d, err := deps.Get(ctx, args[0], metav1.GetOptions{})
		if err == nil && rolledOut(d) {
			if pods, done := runningPods(ctx, ts, dyn, d); done {
				for _, p := range pods {
					fmt.Fprintln(ts.Stdout(), p)
				}
				return
			}
		}
		select {
		case <-ctx.Done():
			status, _ := json.MarshalIndent(d.Object["status"], "", "  ")
			ts.Fatalf("deployment %s did not roll out in 90 s (last error %v); status:\n%s", args[0], err, status)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func rolledOut(d *unstructured.Unstructured) bool {
	want, _, _ := unstructured.NestedInt64(d.Object, "spec", "replicas")
	gen := d.GetGeneration()
	observed, _, _ := unstructured.NestedInt64(d.Object, "status", "observedGeneration")
	updated, _, _ := unstructured.NestedInt64(d.Object, "status", "updatedReplicas")
	available, _, _ := unstructured.NestedInt64(d.Object, "status", "availableReplicas")
	total, _, _ := unstructured.NestedInt64(d.Object, "status", "replicas")
	return observed >= gen && updated == want && available == want && total == want
}

// runningPods lists the deployment's pods as "pod NAME image IMAGE id
// IMAGEID" once all of them run (a terminating old pod makes it wait).
// IMAGE is the pod spec's: the runtime reports an image by the first name
// it knows for that content, which is another repository's when two test
// images have the same layers.
func runningPods(ctx context.Context, ts *testscript.TestScript, dyn dynamic.Interface, d *unstructured.Unstructured) ([]string, bool) {
	labels, _, _ := unstructured.NestedStringMap(d.Object, "spec", "selector", "matchLabels")
	var sel []string
	for k, v := range labels {
		sel = append(sel, k+"="+v)
	}
	list, err := resourceFor(ts, dyn, "pod").List(ctx, metav1.ListOptions{LabelSelector: strings.Join(sel, ",")})
	if err != nil {
		return nil, false
	}
	var out []string
	for _, p := range list.Items {
		phase, _, _ := unstructured.NestedString(p.Object, "status", "phase")
		if phase != "Running" || p.GetDeletionTimestamp() != nil {
			return nil, false
		}
		specs, _, _ := unstructured.NestedSlice(p.Object, "spec", "containers")
		statuses, _, _ := unstructured.NestedSlice(p.Object, "status", "containerStatuses")
		for i, s := range statuses {
			image := specs[min(i, len(specs)-1)].(map[string]any)["image"]
			for _, spec := range specs {
				if spec.(map[string]any)["name"] == s.(map[string]any)["name"] {
					image = spec.(map[string]any)["image"]
				}
			}
			out = append(out, fmt.Sprintf("pod %s image %v id %v", p.GetName(), image, s.(map[string]any)["imageID"]))
		}
	}
	return out, len(out) > 0
}

// deleteNamespace removes a script's namespace (in the background: the
// next script need not wait for its pods to stop).
func deleteNamespace(dyn dynamic.Interface, ns string) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_ = dyn.Resource(kinds["namespace"]).Delete(ctx, ns, metav1.DeleteOptions{})
}

// kcreate FILE: creates the object of a one-document YAML file in $NS (and
// $NS when missing), as
// another field manager than devspace (someone else's object).
func kcreate(ts *testscript.TestScript, dyn dynamic.Interface, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: kcreate FILE")
	}
	js, err := yaml.YAMLToJSON([]byte(ts.ReadFile(args[0])))
	ts.Check(err)
	var obj unstructured.Unstructured
	ts.Check(obj.UnmarshalJSON(js))
	ns := &unstructured.Unstructured{Object: map[string]any{"apiVersion": "v1", "kind": "Namespace", "metadata": map[string]any{"name": ts.Getenv("NS")}}}
	if _, err := dyn.Resource(kinds["namespace"]).Create(context.Background(), ns, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		ts.Fatalf("create namespace: %v", err)
	}
	_, err = resourceFor(ts, dyn, strings.ToLower(obj.GetKind())).Create(context.Background(), &obj, metav1.CreateOptions{FieldManager: "someone-else"})
	ts.Check(err)
}

// kdelete KIND NAME: deletes an object of $NS; NAME -l=SELECTOR deletes
// every object of the kind with those labels.
func kdelete(ts *testscript.TestScript, dyn dynamic.Interface, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: kdelete KIND NAME|-l=SELECTOR")
	}
	r := resourceFor(ts, dyn, args[0])
	if sel, ok := strings.CutPrefix(args[1], "-l="); ok {
		ts.Check(r.DeleteCollection(context.Background(), metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: sel}))
		return
	}
	ts.Check(r.Delete(context.Background(), args[1], metav1.DeleteOptions{}))
}

// kpullfails LABEL: waits (60 s at most) until a pod labelled app=LABEL
// in $NS fails to pull its image (ErrImagePull or ImagePullBackOff).
func kpullfails(ts *testscript.TestScript, dyn dynamic.Interface, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: kpullfails LABEL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	pods := resourceFor(ts, dyn, "pod")
	var last string
	for {
		list, err := pods.List(ctx, metav1.ListOptions{LabelSelector: "app=" + args[0]})
		if err == nil {
			for _, p := range list.Items {
				statuses, _, _ := unstructured.NestedSlice(p.Object, "status", "containerStatuses")
				for _, s := range statuses {
					reason, _, _ := unstructured.NestedString(s.(map[string]any), "state", "waiting", "reason")
					running, _, _ := unstructured.NestedMap(s.(map[string]any), "state", "running")
					if running != nil {
						ts.Fatalf("pod %s runs: it pulled the image without the pull secret", p.GetName())
					}
					if reason == "ErrImagePull" || reason == "ImagePullBackOff" {
						fmt.Fprintf(ts.Stdout(), "pod %s %s\n", p.GetName(), reason)
						return
					}
					last = reason
				}
			}
		}
		select {
		case <-ctx.Done():
			ts.Fatalf("no pod app=%s failed to pull within 60 s (last waiting reason %q, error %v)", args[0], last, err)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// kconfig-as USER FILE: writes $KUBECONFIG to FILE with every user
// impersonating USER (who has no RBAC rights in the test bed).
func kconfigAs(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 2 {
		ts.Fatalf("usage: kconfig-as USER FILE")
	}
	cfg, err := clientcmd.LoadFromFile(ts.Getenv("KUBECONFIG"))
	ts.Check(err)
	for _, u := range cfg.AuthInfos {
		u.Impersonate = args[0]
	}
	ts.Check(clientcmd.WriteToFile(*cfg, ts.MkAbs(args[1])))
}

// kconfig-context NAME NAMESPACE FILE: writes a copy of $KUBECONFIG to
// FILE with a second context, NAME, for the same cluster and user as the
// current one but NAMESPACE as its default namespace.
func kconfigContext(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 3 {
		ts.Fatalf("usage: kconfig-context NAME NAMESPACE FILE")
	}
	cfg, err := clientcmd.LoadFromFile(ts.Getenv("KUBECONFIG"))
	ts.Check(err)
	current := cfg.Contexts[cfg.CurrentContext]
	if current == nil {
		ts.Fatalf("%s has no current context", ts.Getenv("KUBECONFIG"))
	}
	second := current.DeepCopy()
	second.Namespace = args[1]
	cfg.Contexts[args[0]] = second
	ts.Check(clientcmd.WriteToFile(*cfg, ts.MkAbs(args[2])))
}

// freePort returns a port on 127.0.0.1 that nothing listens on now.
func freePort(t interface{ Fatal(...any) }) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// http-get URL REGEX: GETs URL until the body matches REGEX (30 s at
// most), then prints the body. With !, the request must fail (nothing
// listens).
func httpGet(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 1 || len(args) > 2 || (neg && len(args) != 1) {
		ts.Fatalf("usage: http-get URL REGEX | ! http-get URL")
	}
	client := &http.Client{Timeout: 2 * time.Second}
	if neg {
		if resp, err := client.Get(args[0]); err == nil {
			resp.Body.Close()
			ts.Fatalf("%s answered %s", args[0], resp.Status)
		}
		return
	}
	rx, err := regexp.Compile(args[1])
	ts.Check(err)
	deadline := time.Now().Add(30 * time.Second)
	var last string
	for time.Now().Before(deadline) {
		resp, err := client.Get(args[0])
		if err == nil {
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if rx.Match(body) {
				fmt.Fprintf(ts.Stdout(), "%s", body)
				return
			}
			last = string(body)
		} else {
			last = err.Error()
		}
		time.Sleep(200 * time.Millisecond)
	}
	ts.Fatalf("GET %s never matched %s in 30 s; last: %s", args[0], args[1], last)
}

// file-eventually FILE REGEX: waits (30 s at most) until FILE exists and
// its content matches REGEX. ! file-eventually FILE waits until it is gone.
func fileEventually(ts *testscript.TestScript, neg bool, args []string) {
	if neg {
		if len(args) != 1 {
			ts.Fatalf("usage: ! file-eventually FILE")
		}
		for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
			if _, err := os.Stat(ts.MkAbs(args[0])); os.IsNotExist(err) {
				return
			}
		}
		ts.Fatalf("%s still exists after 30 s", args[0])
	}
	if len(args) != 2 {
		ts.Fatalf("usage: file-eventually FILE REGEX")
	}
	rx, err := regexp.Compile(args[1])
	ts.Check(err)
	var last string
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		data, err := os.ReadFile(ts.MkAbs(args[0]))
		if err == nil && rx.Match(data) {
			return
		}
		last = fmt.Sprint(string(data), err)
	}
	ts.Fatalf("%s never matched %s in 30 s; last: %s", args[0], args[1], last)
}
