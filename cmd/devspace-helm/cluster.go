package main

import (
	"fmt"

	"helm.sh/helm/v3/pkg/action"
	"k8s.io/cli-runtime/pkg/genericclioptions"
)

// releaseDriver stores releases as Secrets, Helm's default, so the helm
// CLI sees the releases devspace makes and the other way round.
const releaseDriver = "secret"

// connect prepares Helm's configuration for the request's cluster and
// returns it with the namespace to work in. Nothing is contacted yet: the
// SDK connects lazily, on the first call that needs the API.
func connect(req request, log *logSink) (*action.Configuration, string, error) {
	flags := genericclioptions.NewConfigFlags(true)
	// Left at "", client-go's default loading rules apply: $KUBECONFIG
	// (a list of files), else ~/.kube/config.
	if req.Kubeconfig != "" {
		flags.KubeConfig = &req.Kubeconfig
	}
	if req.Context != "" {
		flags.Context = &req.Context
	}
	ns := req.Namespace
	if ns == "" {
		ns = kubeconfigNamespace(flags)
	}
	flags.Namespace = &ns

	cfg := new(action.Configuration)
	if err := cfg.Init(flags, ns, releaseDriver, log.Printf); err != nil {
		return nil, "", fmt.Errorf("set up the Kubernetes client: %w", err)
	}
	return cfg, ns, nil
}

// kubeconfigNamespace is the current context's namespace, or "default".
// A kubeconfig that cannot be read also gives "default": the first API
// call then reports the real problem, with Helm's wording.
func kubeconfigNamespace(flags *genericclioptions.ConfigFlags) string {
	ns, _, err := flags.ToRawKubeConfigLoader().Namespace()
	if err != nil || ns == "" {
		return "default"
	}
	return ns
}
