package kube

import (
	"context"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// KubeContext is one context of the kubeconfig, for `list contexts`.
type KubeContext struct {
	Name      string `json:"name"`
	Cluster   string `json:"cluster"`
	Namespace string `json:"namespace"`
	Current   bool   `json:"current"`
}

// kubeconfig is the merged kubeconfig and the rules that found it; the
// rules also know which file each entry came from, so a change written
// through clientcmd.ModifyConfig lands in that file and leaves the rest
// of it as it was.
type kubeconfig struct {
	rules *clientcmd.ClientConfigLoadingRules
	raw   clientcmdapi.Config
}

func loadKubeconfig(getenv func(string) string) (*kubeconfig, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	rules := &clientcmd.ClientConfigLoadingRules{Precedence: kubeconfigFiles(getenv)}
	raw, err := rules.Load()
	if err != nil {
		return nil, fmt.Errorf("read kubeconfig %s: %w", rules.GetDefaultFilename(), err)
	}
	return &kubeconfig{rules: rules, raw: *raw}, nil
}

func (k *kubeconfig) where() string {
	return strings.Join(k.rules.Precedence, string(os.PathListSeparator))
}

func (k *kubeconfig) write() error {
	if err := clientcmd.ModifyConfig(k.rules, k.raw, false); err != nil {
		return fmt.Errorf("write kubeconfig %s: %w", k.where(), err)
	}
	return nil
}

// Contexts lists the kubeconfig's contexts by name.
func Contexts(getenv func(string) string) ([]KubeContext, error) {
	k, err := loadKubeconfig(getenv)
	if err != nil {
		return nil, err
	}
	var out []KubeContext
	for _, name := range slices.Sorted(maps.Keys(k.raw.Contexts)) {
		c := k.raw.Contexts[name]
		out = append(out, KubeContext{Name: name, Cluster: c.Cluster, Namespace: c.Namespace, Current: name == k.raw.CurrentContext})
	}
	return out, nil
}

// UseContext makes name the kubeconfig's current context.
func UseContext(getenv func(string) string, name string) error {
	k, err := loadKubeconfig(getenv)
	if err != nil {
		return err
	}
	if k.raw.Contexts[name] == nil {
		return noContextError(name, k.rules.Precedence, k.raw)
	}
	k.raw.CurrentContext = name
	return k.write()
}

// SetNamespace writes namespace as the default namespace of the context
// (the current one when context is ""); "" removes it, so that the
// context falls back to "default". It returns the context's name.
func SetNamespace(getenv func(string) string, context, namespace string) (string, error) {
	k, err := loadKubeconfig(getenv)
	if err != nil {
		return "", err
	}
	name := context
	if name == "" {
		name = k.raw.CurrentContext
	}
	c := k.raw.Contexts[name]
	if name == "" || c == nil {
		return "", noContextError(name, k.rules.Precedence, k.raw)
	}
	c.Namespace = namespace
	return name, k.write()
}

// Namespaces lists the names of the cluster's namespaces.
func (c *Client) Namespaces(ctx context.Context) ([]string, error) {
	list, err := c.dynamic.Resource(namespaces).List(ctx, metav1.ListOptions{})
	if err != nil {
		return nil, fmt.Errorf("list namespaces (kube context %q): %w", c.Context, c.classify(err))
	}
	var names []string
	for _, ns := range list.Items {
		names = append(names, ns.GetName())
	}
	slices.Sort(names)
	return names, nil
}

// NamespaceExists says whether the namespace exists.
func (c *Client) NamespaceExists(ctx context.Context, name string) (bool, error) {
	_, err := c.dynamic.Resource(namespaces).Get(ctx, name, metav1.GetOptions{})
	if err == nil {
		return true, nil
	}
	if apierrors.IsNotFound(err) {
		return false, nil
	}
	return false, fmt.Errorf("get namespace %q (kube context %q): %w", name, c.Context, c.classify(err))
}
