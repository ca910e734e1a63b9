package testbed

import (
	"bufio"
	"fmt"
	"os"
	"strings"
	"testing"
)

// Environment variables that point the tests at a running cluster; `eval
// "$(testbed/testbed up)"` sets them.
const (
	// EnvKubeconfig is the path of a kubeconfig whose current context is
	// the test cluster (testbed up: /tmp/devspace-testbed/kubeconfig).
	EnvKubeconfig = "DEVSPACE_TEST_KUBECONFIG"
	// EnvAuthRegistry is host:port of a registry on 127.0.0.1 that
	// requires AuthRegistryUser and AuthRegistryPassword (plain HTTP).
	EnvAuthRegistry = "DEVSPACE_TEST_AUTH_REGISTRY"
	// EnvKanikoImage is the reference of a kaniko executor image in a
	// registry the cluster's node pulls from, laid out like
	// gcr.io/kaniko-project/executor (testbed up: 127.0.0.1:5000/devspace-testbed/kaniko:<version>-<hash>).
	EnvKanikoImage = "DEVSPACE_TEST_KANIKO_IMAGE"
	// EnvBuildKitImage is the reference of a rootful buildkitd image
	// (buildkitd, buildctl and runc on PATH, arguments to buildkitd), like
	// moby/buildkit (testbed up: 127.0.0.1:5000/devspace-testbed/buildkit:<version>-<hash>).
	EnvBuildKitImage = "DEVSPACE_TEST_BUILDKIT_IMAGE"
)

// KubeContext is the context testbed/testbed writes into its kubeconfig
// (namespace default, cluster and user of the same name).
const KubeContext = "devspace-testbed"

// KubeEnv is a running Kubernetes cluster (testbed/testbed up: one node
// named "localhost", API at https://127.0.0.1:6443). Its nodes pull from
// the registries on 127.0.0.1 over plain HTTP; the one that requires a
// login needs an imagePullSecret keyed by the registry exactly as the image
// reference writes it (127.0.0.1:5001, not localhost:5001).
type KubeEnv struct {
	// Kubeconfig is the path of the kubeconfig file. Tests must not
	// change it (it is shared): copy it, or pass --context/--namespace.
	Kubeconfig string
	// Context is the kubeconfig's current context.
	Context string
	// AuthRegistry is host:port of the registry that requires a login
	// (AuthRegistryUser, AuthRegistryPassword), or "" when
	// DEVSPACE_TEST_AUTH_REGISTRY is not set.
	AuthRegistry string
	// KanikoImage is the kaniko executor image for build pods, or "" when
	// DEVSPACE_TEST_KANIKO_IMAGE is not set. Its tag changes with its
	// content: a node never runs a stale copy.
	KanikoImage string
	// BuildKitImage is the buildkitd image for daemon pods, or "" when
	// DEVSPACE_TEST_BUILDKIT_IMAGE is not set. On the test bed its pods need
	// hostNetwork (to reach the registry on 127.0.0.1) and
	// capabilities.add [SYS_ADMIN] (its entrypoint remounts the cgroups
	// read-write for rootful RUN steps); privileged pods are refused.
	BuildKitImage string
}

// Environ returns the variables a child process (a devspace binary,
// kubectl) needs to use this cluster, to append to os.Environ().
func (e *KubeEnv) Environ() []string {
	return []string{"KUBECONFIG=" + e.Kubeconfig}
}

// Kube returns the cluster named by DEVSPACE_TEST_KUBECONFIG. Unlike
// Docker it starts nothing (a cluster takes seconds to start and minutes to
// build; testbed/testbed up keeps one running). When the variable is unset
// it skips t with a hint, except under CI=true, where it fails t; it fails t
// when the file does not exist.
func Kube(t testing.TB) *KubeEnv {
	t.Helper()
	env, skip, err := kubeFromEnv(os.Getenv)
	if !usable(t, skip, err, inCI()) {
		return nil
	}
	return env
}

func kubeFromEnv(getenv func(string) string) (env *KubeEnv, skip string, err error) {
	path := getenv(EnvKubeconfig)
	if path == "" {
		return nil, fmt.Sprintf(`%s not set: start a cluster and set it with eval "$(testbed/testbed up)"`, EnvKubeconfig), nil
	}
	context, err := currentContext(path)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w (is the cluster up? testbed/testbed up)", EnvKubeconfig, err)
	}
	return &KubeEnv{
		Kubeconfig:    path,
		Context:       context,
		AuthRegistry:  getenv(EnvAuthRegistry),
		KanikoImage:   getenv(EnvKanikoImage),
		BuildKitImage: getenv(EnvBuildKitImage),
	}, "", nil
}

// currentContext reads the top-level current-context of a kubeconfig
// without a YAML library (the package must stay light: no k8s.io imports).
// A file that names none gets KubeContext.
func currentContext(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20) // inline certificates make long lines
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "current-context:"); ok {
			if v = strings.Trim(strings.TrimSpace(v), `"'`); v != "" {
				return v, nil
			}
		}
	}
	if err := sc.Err(); err != nil {
		return "", fmt.Errorf("reading %s: %w", path, err)
	}
	return KubeContext, nil
}
