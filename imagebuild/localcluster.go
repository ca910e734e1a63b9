package imagebuild

import "strings"

// LocalCluster describes a kube context whose nodes are on this machine.
type LocalCluster struct {
	// Context is the kube context's name.
	Context string
	// Kind is the product: docker-desktop, orbstack, rancher-desktop,
	// colima, minikube, kind or k3d.
	Kind string
	// Name is the cluster's own name (kind and k3d), for loading images.
	Name string
	// SharesDaemon is true when the nodes use the Docker Engine the images
	// are built on, so built images need no push at all.
	SharesDaemon bool
}

// DetectLocalCluster recognises local clusters by their kube context name,
// as DevSpace does, and adds k3d, rancher-desktop and colima, which it
// misses. minikube shares the build daemon only when the shell points
// DOCKER_HOST at it (`eval $(minikube docker-env)` sets
// MINIKUBE_ACTIVE_DOCKERD). DEVSPACE_LOCAL_CLUSTER=false turns detection
// off (a remote cluster named like a local one); =true forces the
// shared-daemon case for a context it does not know.
func DetectLocalCluster(kubeContext string, getenv func(string) string) (LocalCluster, bool) {
	switch strings.ToLower(getenv("DEVSPACE_LOCAL_CLUSTER")) {
	case "false", "0", "no":
		return LocalCluster{}, false
	case "true", "1", "yes":
		return LocalCluster{Context: kubeContext, Kind: "local", SharesDaemon: true}, true
	}
	c := LocalCluster{Context: kubeContext}
	switch {
	case kubeContext == "":
		return c, false
	case kubeContext == "docker-desktop" || kubeContext == "docker-for-desktop":
		c.Kind, c.SharesDaemon = "docker-desktop", true
	case kubeContext == "orbstack":
		c.Kind, c.SharesDaemon = "orbstack", true
	case kubeContext == "rancher-desktop":
		c.Kind, c.SharesDaemon = "rancher-desktop", true
	case kubeContext == "colima" || strings.HasPrefix(kubeContext, "colima-"):
		c.Kind, c.SharesDaemon = "colima", true
	case kubeContext == "minikube":
		c.Kind, c.SharesDaemon = "minikube", getenv("MINIKUBE_ACTIVE_DOCKERD") != ""
	case strings.HasPrefix(kubeContext, "kind-"):
		c.Kind, c.Name = "kind", strings.TrimPrefix(kubeContext, "kind-")
	case strings.HasPrefix(kubeContext, "k3d-"):
		c.Kind, c.Name = "k3d", strings.TrimPrefix(kubeContext, "k3d-")
	default:
		return c, false
	}
	return c, true
}

// LoadCommand returns the command that copies a built image into the
// cluster's nodes, for clusters that do not share the build daemon.
func (c LocalCluster) LoadCommand(ref string) []string {
	switch c.Kind {
	case "kind":
		return []string{"kind", "load", "docker-image", ref, "--name", c.Name}
	case "k3d":
		return []string{"k3d", "image", "import", ref, "--cluster", c.Name}
	}
	return nil
}
