package dev

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"

	"github.com/devspace-engine/devspace/dev/ports"
	"github.com/devspace-engine/devspace/kube"
)

// OpenOptions choose what `devspace open` opens.
type OpenOptions struct {
	Namespace string
	// Service forwards to this Service even when an Ingress exists.
	Service string
	// LocalPort is the local port of the forward (0: the Service's port).
	LocalPort int
	// Pick chooses among several candidates (nil: refuse naming them).
	Pick    func(what string, names []string) (string, error)
	Browser bool
	Out     io.Writer
}

var (
	ingresses = schema.GroupVersionResource{Group: "networking.k8s.io", Version: "v1", Resource: "ingresses"}
	services  = schema.GroupVersionResource{Version: "v1", Resource: "services"}
)

// OpenApp opens the namespace's application in the browser, as DevSpace's
// `devspace open` does: through an Ingress's host when there is one (and
// no Service was asked for), else through a port forward from localhost
// to a Service's pods, which lasts until ctx ends.
func OpenApp(ctx context.Context, c *kube.Client, o OpenOptions) error {
	if o.Service == "" {
		urls, err := ingressURLs(ctx, c, o.Namespace)
		if err != nil {
			return err
		}
		if len(urls) > 0 {
			url, err := pickOne(o.Pick, "URL", urls)
			if err != nil {
				return err
			}
			announce(ctx, url, o.Out, o.Browser)
			return nil
		}
	}
	svc, err := chooseService(ctx, c, o)
	if err != nil {
		return err
	}
	local := o.LocalPort
	if local == 0 {
		local = svc.port
	}
	url := fmt.Sprintf("http://localhost:%d", local)
	next := func(ctx context.Context) (kube.Pod, error) {
		return kube.WaitPod(ctx, c, kube.Selector{Namespace: o.Namespace, LabelSelector: svc.selector})
	}
	fmt.Fprintf(o.Out, "Forwarding localhost:%d to service %s port %d (Ctrl-C stops)\n", local, svc.name, svc.port)
	go OpenWhenReady(ctx, OpenConfig{URL: url}, o.Out, o.Browser) // ends with ctx
	return ports.Forward(ctx, c, next, []ports.PortMapping{{Local: local, Remote: svc.target}}, o.Out, nil)
}

// ingressURLs are the URLs of the namespace's Ingress hosts (https for
// those with TLS), sorted.
func ingressURLs(ctx context.Context, c *kube.Client, ns string) ([]string, error) {
	list, err := c.Dynamic().Resource(ingresses).Namespace(ns).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list the ingresses of namespace %s: %w", ns, err)
	}
	var urls []string
	for _, ing := range list.Items {
		tlsHosts := map[string]bool{}
		tls, _, _ := unstructured.NestedSlice(ing.Object, "spec", "tls")
		for _, t := range tls {
			hosts, _, _ := unstructured.NestedStringSlice(asMap(t), "hosts")
			for _, h := range hosts {
				tlsHosts[h] = true
			}
		}
		rules, _, _ := unstructured.NestedSlice(ing.Object, "spec", "rules")
		for _, r := range rules {
			host, _, _ := unstructured.NestedString(asMap(r), "host")
			if host == "" || strings.Contains(host, "*") {
				continue
			}
			scheme := "http"
			if tlsHosts[host] {
				scheme = "https"
			}
			if u := scheme + "://" + host; !slices.Contains(urls, u) {
				urls = append(urls, u)
			}
		}
	}
	slices.Sort(urls)
	return urls, nil
}

func asMap(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

// servicePort is a Service port a forward can reach: the pods its
// selector picks, on the target port.
type servicePort struct {
	name         string
	port, target int
	selector     map[string]string
}

func (s servicePort) String() string { return s.name + ":" + strconv.Itoa(s.port) }

// chooseService finds the Service ports with a selector and a numeric
// target and picks one: the asked Service's, the only one, or by Pick.
func chooseService(ctx context.Context, c *kube.Client, o OpenOptions) (servicePort, error) {
	list, err := c.Dynamic().Resource(services).Namespace(o.Namespace).List(ctx, metav1.ListOptions{})
	if err != nil {
		return servicePort{}, fmt.Errorf("list the services of namespace %s: %w", o.Namespace, err)
	}
	byName := map[string]servicePort{}
	for _, svc := range list.Items {
		if o.Service != "" && svc.GetName() != o.Service {
			continue
		}
		for _, p := range reachablePorts(svc) {
			byName[p.String()] = p
		}
	}
	if len(byName) == 0 {
		if o.Service != "" {
			return servicePort{}, fmt.Errorf("no service %s with a pod selector and a numeric port in namespace %s", o.Service, o.Namespace)
		}
		return servicePort{}, fmt.Errorf("nothing to open in namespace %s: no ingress with a host, and no service with a pod selector (deploy first, or give -n)", o.Namespace)
	}
	name, err := pickOne(o.Pick, "service port", slices.Sorted(maps.Keys(byName)))
	return byName[name], err
}

func reachablePorts(svc unstructured.Unstructured) []servicePort {
	sel, _, _ := unstructured.NestedStringMap(svc.Object, "spec", "selector")
	if len(sel) == 0 {
		return nil
	}
	var out []servicePort
	list, _, _ := unstructured.NestedSlice(svc.Object, "spec", "ports")
	for _, p := range list {
		m := asMap(p)
		port, _, _ := unstructured.NestedInt64(m, "port")
		target := port
		switch t := m["targetPort"].(type) {
		case int64:
			target = t
		case string: // a named port: the pod's, unknown here
			continue
		}
		out = append(out, servicePort{name: svc.GetName(), port: int(port), target: int(target), selector: sel})
	}
	return out
}

// pickOne is the only name, or the one pick chooses; without pick,
// several are refused naming them.
func pickOne(pick func(string, []string) (string, error), what string, names []string) (string, error) {
	switch {
	case len(names) == 1:
		return names[0], nil
	case pick == nil:
		return "", fmt.Errorf("several %ss (%s): choose a service with --service, or run in a terminal to pick", what, strings.Join(names, ", "))
	}
	return pick(what, names)
}
