// Package helm deploys Helm charts through devspace-helm, a companion
// binary that links the Helm SDK. The SDK is kept out of the devspace
// binary on purpose: it costs ~16 ms and ~20 MiB at start-up (JSON-schema
// compilation, kubectl and cli-runtime initialisation), which every
// devspace call would pay, including the many that deploy nothing. This
// package is the light side: the request and response types, finding the
// binary, and running it.
package helm

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/devspace-engine/devspace/companion"
	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/lifecycle"
)

// Binary is the companion's name; EnvBinary overrides where it is.
const (
	Binary    = "devspace-helm"
	EnvBinary = "DEVSPACE_HELM"
)

// Operations of the companion: its first argument.
const (
	OpUpgrade   = "upgrade"   // install, or upgrade an existing release
	OpTemplate  = "template"  // render the chart locally, touching no cluster
	OpUninstall = "uninstall" // remove a release
	OpStatus    = "status"    // the deployed revision of a release, 0 if none
)

// Request is what the companion reads from stdin as JSON.
type Request struct {
	// Kubeconfig is an explicit kubeconfig file ("" means $KUBECONFIG or
	// ~/.kube/config); Context and Namespace select the cluster.
	Kubeconfig string `json:"kubeconfig,omitempty"`
	Context    string `json:"context,omitempty"`
	Namespace  string `json:"namespace"`
	Release    string `json:"release"`
	Chart      Chart  `json:"chart"`
	// Values are the final user values (valuesFiles merged, then values),
	// images already put in; the chart's own defaults still apply below.
	Values map[string]any `json:"values,omitempty"`
	// Wait waits until the release's resources are ready.
	Wait bool `json:"wait,omitempty"`
	// Timeout bounds Wait and hooks, as a Go duration ("5m").
	Timeout string `json:"timeout,omitempty"`
	// Options are the other helm flags of helm.upgradeArgs (upgrade) or
	// helm.templateArgs (template), for the SDK's action; values files
	// and --set-file paths are absolute.
	Options config.HelmOptions `json:"options,omitzero"`
}

// Chart names a chart: a local directory or archive (Path), Name in the
// repository RepoURL (or an oci:// reference) at Version, or a chart built
// into the companion (Builtin: ComponentChart).
type Chart struct {
	Builtin  string `json:"builtin,omitempty"`
	Path     string `json:"path,omitempty"`
	Name     string `json:"name,omitempty"`
	RepoURL  string `json:"repo,omitempty"`
	Version  string `json:"version,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	// NoDependencyBuild leaves a local chart's missing dependencies
	// missing (an error) instead of building them into its charts/.
	NoDependencyBuild bool `json:"noDependencyBuild,omitempty"`
	// DependencyUpdate (--dependency-update) updates a local chart's
	// dependencies to the newest its Chart.yaml allows before loading it,
	// as `helm dependency update` does.
	DependencyUpdate bool `json:"dependencyUpdate,omitempty"`
}

// Response is what the companion writes to stdout as JSON on success.
type Response struct {
	Revision int    `json:"revision"`
	Status   string `json:"status,omitempty"`
	// Manifest is the rendered manifests (template, and upgrade too).
	Manifest string `json:"manifest,omitempty"`
	Notes    string `json:"notes,omitempty"`
	// DependenciesBuilt: the local chart's charts/ (and Chart.lock) were
	// written, so its files changed.
	DependenciesBuilt bool `json:"dependenciesBuilt,omitempty"`
}

// Find returns the companion's path: $DEVSPACE_HELM, else the file next
// to the running devspace executable, else one on PATH.
func Find(getenv func(string) string) (string, error) {
	return companion.Find(getenv, Binary, EnvBinary, "helm deployments need "+Binary)
}

// Run runs one operation of the companion at path. Its stderr (Helm's
// log, printed only when the operation fails, then the error) goes to
// log; a failure returns the error, stderr's last line. Cancelling ctx
// interrupts the companion, which then has Helm record the release as
// failed, so that the next deploy is not refused as stuck; it gets
// cancelGrace to do so before it is killed.
func Run(ctx context.Context, path, op string, req Request, env []string, log *bytes.Buffer) (Response, error) {
	in, err := json.Marshal(req)
	if err != nil {
		return Response{}, err
	}
	cmd := exec.CommandContext(ctx, path, op)
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = cancelGrace
	cmd.Stdin = bytes.NewReader(in)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = log
	// Recorded in the lifecycle registry: a second Ctrl-C, which does not
	// wait for cancelGrace, kills it before devspace exits.
	err = lifecycle.Start(cmd)
	if err == nil {
		err = lifecycle.Wait(cmd)
	}
	if err != nil {
		if ctx.Err() != nil {
			return Response{}, ctx.Err()
		}
		return Response{}, errors.New(lastLine(log.String(), err.Error()))
	}
	var resp Response
	if err := json.Unmarshal(out.Bytes(), &resp); err != nil {
		return Response{}, fmt.Errorf("%s %s: unreadable answer: %w", Binary, op, err)
	}
	return resp, nil
}

// cancelGrace is how long an interrupted companion may take to record the
// release's state before it is killed.
const cancelGrace = 20 * time.Second

// lastLine is the last non-blank line of s, else fallback.
func lastLine(s, fallback string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if l := strings.TrimSpace(lines[len(lines)-1]); l != "" {
		return l
	}
	return fallback
}
