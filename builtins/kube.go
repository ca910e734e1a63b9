package builtins

import (
	"bytes"
	"context"
	"io"
	"sync"
	"time"

	"github.com/devspace-engine/devspace/deploy"
	"github.com/devspace-engine/devspace/engine"
	"github.com/devspace-engine/devspace/helm"
	"github.com/devspace-engine/devspace/kube"
)

// kubeClients are the cluster connections of a process, one per kube
// context and namespace, made on first use: a pipeline that deploys
// nothing never reads a kubeconfig.
type kubeClients struct {
	mu      sync.Mutex
	clients map[kubeKey]*kube.Client
	records map[string]*deploy.Records
}

type kubeKey struct{ kubeconfig, context, namespace string }

// Kube returns the client for the call's --kubeconfig, --kube-context and
// -n (pipeline flags, else the CLI's).
func (s *Services) Kube(c *engine.Call) (*kube.Client, error) {
	flag := func(name string) string {
		v, _ := c.Flag(name)
		return v
	}
	key := kubeKey{kubeconfig: flag("kubeconfig"), context: flag("kube-context"), namespace: flag("namespace")}
	getenv := c.Getenv
	if key.kubeconfig != "" {
		getenv = func(name string) string {
			if name == "KUBECONFIG" {
				return key.kubeconfig
			}
			return c.Getenv(name)
		}
	}
	s.kube.mu.Lock()
	defer s.kube.mu.Unlock()
	if cl := s.kube.clients[key]; cl != nil {
		return cl, nil
	}
	cl, err := kube.Open(kube.Options{Getenv: getenv, Context: key.context, Namespace: key.namespace})
	if err != nil {
		return nil, err
	}
	if s.kube.clients == nil {
		s.kube.clients = map[kubeKey]*kube.Client{}
	}
	s.kube.clients[key] = cl
	return cl, nil
}

// Records returns the deployment records of the config at configPath,
// shared by every call in the process.
func (s *Services) Records(configPath string) (*deploy.Records, error) {
	s.kube.mu.Lock()
	defer s.kube.mu.Unlock()
	if r := s.kube.records[configPath]; r != nil {
		return r, nil
	}
	r, err := deploy.LoadRecords(deploy.RecordsPath(configPath))
	if err != nil {
		return nil, err
	}
	if s.kube.records == nil {
		s.kube.records = map[string]*deploy.Records{}
	}
	s.kube.records[configPath] = r
	return r, nil
}

// deployServices are what create_deployments and purge_deployments use:
// the call's cluster, the process's records, the runtime store, the Helm
// companion, and progress written to log, each line starting with
// prefix and the deployment's name.
func (s *Services) deployServices(c *engine.Call, log io.Writer, prefix string) deploy.Services {
	return deploy.Services{
		Kube:    func() (*kube.Client, error) { return s.Kube(c) },
		Records: s.Records,
		Runtime: c.Runtime(),
		Helm:    &helmRunner{c: c},
		Log:     logTo(c, log, prefix),
		Events:  c.Events(),
	}
}

// helmRunner runs the Helm companion with the calling shell's environment
// (KUBECONFIG set to --kubeconfig when given). It is looked for only when
// a helm deployment runs.
type helmRunner struct{ c *engine.Call }

func (h *helmRunner) Run(ctx context.Context, op string, req helm.Request) (helm.Response, error) {
	path, err := helm.Find(h.c.Getenv)
	if err != nil {
		return helm.Response{}, err
	}
	env := h.c.Environ()
	if kc, _ := h.c.Flag("kubeconfig"); kc != "" {
		env = append(env, "KUBECONFIG="+kc)
	}
	var log bytes.Buffer
	return helm.Run(ctx, path, op, req, env, &log)
}

// logTo returns per-object writers prefixed "PREFIX+NAME " on out, or
// discarding ones under --silent.
func logTo(c *engine.Call, out io.Writer, prefix string) func(string) io.Writer {
	return func(name string) io.Writer {
		if c.Silent() {
			return io.Discard
		}
		return c.Prefixed(out, prefix+name+" ")
	}
}

// DeploymentStatuses lists the config's deployments as `devspace list
// deployments` shows them, in the cluster and namespace of c's kube flags.
func (s *Services) DeploymentStatuses(ctx context.Context, c *engine.Call, check time.Duration) ([]deploy.Status, error) {
	return deploy.Statuses(ctx, deploy.StatusOptions{Config: c.Config(), Check: check,
		Services: s.deployServices(c, io.Discard, "")})
}
