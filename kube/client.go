// Package kube connects to a Kubernetes cluster from a kubeconfig and does
// the few generic things the deployers need: server-side apply, delete with
// a UID precondition, get, and making sure a namespace exists. It also holds
// the pod plumbing that dev mode and the in-cluster builders share: choosing
// and waiting for pods, their statuses, exec and attach streams, and
// port-forward connections. It works on
// unstructured objects through the dynamic client and a discovery-backed
// REST mapper, so it links no typed clientset (start-up cost: see
// testbed-facts.md).
package kube

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"

	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// FieldManager is the server-side apply field manager of every write.
const FieldManager = "devspace"

// Options select the cluster: the kubeconfig files, a context and a
// namespace override (the CLI's --kube-context and -n).
type Options struct {
	// Getenv reads KUBECONFIG and HOME; nil means os.Getenv.
	Getenv    func(string) string
	Context   string
	Namespace string
}

// Client talks to one cluster, as one context and default namespace.
type Client struct {
	// Context and Server name the cluster in errors and logs.
	Context, Server string
	// Namespace is the default namespace: -n, else the context's, else "default".
	Namespace string

	config  *rest.Config
	dynamic dynamic.Interface
	rest    rest.Interface
	mapper  *mapper

	nsMu  sync.Mutex
	nsErr map[string]error // EnsureNamespace results, once per namespace
}

// Open reads the kubeconfig and prepares a client. It does not contact the
// cluster: the first request does.
func Open(opts Options) (*Client, error) {
	quietKlog()
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: kubeconfigFiles(getenv)}
	overrides := &clientcmd.ConfigOverrides{CurrentContext: opts.Context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	raw, err := cc.RawConfig()
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig %s: %w", strings.Join(rules.Precedence, string(os.PathListSeparator)), err)
	}
	name := opts.Context
	if name == "" {
		name = raw.CurrentContext
	}
	if name == "" || raw.Contexts[name] == nil {
		return nil, noContextError(name, rules.Precedence, raw)
	}
	cfg, err := cc.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("kube context %q: %w", name, err)
	}
	// A deploy of many objects issues many requests at once; client-go's
	// default of 5 per second would make the apply wait on itself.
	cfg.QPS, cfg.Burst = 100, 200
	cfg.UserAgent = "devspace"
	ns := opts.Namespace
	if ns == "" {
		ns, _, _ = cc.Namespace()
	}
	if ns == "" {
		ns = "default"
	}
	return newClient(cfg, name, ns)
}

func newClient(cfg *rest.Config, context, namespace string) (*Client, error) {
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("kube context %q: %w", context, err)
	}
	rc, err := rest.UnversionedRESTClientFor(dynamic.ConfigFor(cfg))
	if err != nil {
		return nil, fmt.Errorf("kube context %q: %w", context, err)
	}
	return &Client{
		Context:   context,
		Server:    cfg.Host,
		Namespace: namespace,
		config:    cfg,
		dynamic:   dyn,
		rest:      rc,
		mapper:    newMapper(rc),
		nsErr:     map[string]error{},
	}, nil
}

// kubeconfigFiles is $KUBECONFIG split on the list separator, else
// ~/.kube/config.
func kubeconfigFiles(getenv func(string) string) []string {
	if v := getenv("KUBECONFIG"); v != "" {
		return filepath.SplitList(v)
	}
	home := getenv("HOME")
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	return []string{filepath.Join(home, ".kube", "config")}
}

func noContextError(name string, files []string, raw clientcmdapi.Config) error {
	where := strings.Join(files, string(os.PathListSeparator))
	if name == "" {
		return fmt.Errorf("no kube context: %s names no current-context; set one with 'kubectl config use-context NAME' or pass --kube-context", where)
	}
	known := slices.Sorted(maps.Keys(raw.Contexts))
	if len(known) == 0 {
		return fmt.Errorf("kube context %q not found: %s has no contexts (set KUBECONFIG to a kubeconfig file)", name, where)
	}
	return fmt.Errorf("kube context %q not found in %s (contexts: %s)", name, where, strings.Join(known, ", "))
}

// UnreachableError says which cluster could not be reached and what to try.
type UnreachableError struct {
	Context, Server string
	Err             error
}

func (e *UnreachableError) Error() string {
	return fmt.Sprintf("cluster unreachable (kube context %q, server %s): %v; check that the cluster runs and 'kubectl --context %s get namespaces' works, or choose another context with --kube-context",
		e.Context, e.Server, e.Err, e.Context)
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// classify turns transport errors into an UnreachableError.
func (c *Client) classify(err error) error {
	if err == nil {
		return nil
	}
	var ue *UnreachableError
	if errors.As(err, &ue) {
		return err
	}
	if isTransportError(err) {
		return &UnreachableError{Context: c.Context, Server: c.Server, Err: err}
	}
	return err
}

// RESTConfig is the client's connection settings, for streaming
// subresources (port-forward, exec, logs) that need their own transport.
func (c *Client) RESTConfig() *rest.Config { return rest.CopyConfig(c.config) }

// Dynamic is the client's dynamic client, for reads and watches of kinds
// the helpers here do not cover.
func (c *Client) Dynamic() dynamic.Interface { return c.dynamic }
