package config

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
)

// Kube is the current kube context and its namespace, read from the
// kubeconfig file without contacting any cluster.
type Kube struct {
	Context, Namespace string
}

// CurrentKube reads the current context from $KUBECONFIG (its first file) or
// ~/.kube/config. A missing or unreadable file gives an empty Kube: a
// pipeline that needs no cluster must not fail because there is none.
func CurrentKube(environ []string) Kube {
	path := kubeconfigPath(environ)
	if path == "" {
		return Kube{}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return Kube{}
	}
	var kc struct {
		CurrentContext string `yaml:"current-context"`
		Contexts       []struct {
			Name    string `yaml:"name"`
			Context struct {
				Namespace string `yaml:"namespace"`
			} `yaml:"context"`
		} `yaml:"contexts"`
	}
	if err := yaml.Unmarshal(data, &kc); err != nil {
		return Kube{}
	}
	k := Kube{Context: kc.CurrentContext}
	for _, c := range kc.Contexts {
		if c.Name == kc.CurrentContext {
			k.Namespace = c.Context.Namespace
		}
	}
	return k
}

func kubeconfigPath(environ []string) string {
	if v := lookupEnv(environ, "KUBECONFIG"); v != "" {
		return strings.Split(v, string(os.PathListSeparator))[0]
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(home, ".kube", "config")
}
