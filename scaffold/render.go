package scaffold

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Deploy methods: how the project's deployment is made.
const (
	DeployHelm      = "helm"      // the project's own chart
	DeployKustomize = "kustomize" // its kustomization
	DeployKubectl   = "kubectl"   // its manifests
	DeployComponent = "component" // devspace's component chart, from the image alone
)

// Choices are the answers that shape the file: asked at a terminal,
// defaulted (Defaults) otherwise.
type Choices struct {
	Name   string // the project's name
	Image  string // the image to build, with the registry it is pushed to
	Deploy string // one of the Deploy methods
	Port   int    // forwarded in dev mode and served by the component chart (0: none)
}

// Methods are the deploy methods that fit what was found, best first.
func (f Found) Methods() []string {
	var out []string
	if f.Chart != "" {
		out = append(out, DeployHelm)
	}
	if f.Kustomization != "" {
		out = append(out, DeployKustomize)
	}
	if len(f.Manifests) > 0 {
		out = append(out, DeployKubectl)
	}
	if f.Dockerfile != "" {
		out = append(out, DeployComponent)
	}
	return out
}

// Defaults are the answers given without a terminal: the best method, the
// image the manifests run (so that deploys put the new tag there), else
// the project's name.
func Defaults(name string, f Found) Choices {
	c := Choices{Name: name, Image: name, Port: f.Port}
	if m := f.Methods(); len(m) > 0 {
		c.Deploy = m[0]
	}
	if len(f.ManifestImages) > 0 {
		c.Image = Repository(f.ManifestImages[0])
	}
	return c
}

// Repository is ref without its tag or digest.
func Repository(ref string) string {
	ref, _, _ = strings.Cut(ref, "@")
	if i := strings.LastIndex(ref, ":"); i > strings.LastIndex(ref, "/") {
		ref = ref[:i]
	}
	return ref
}

// plain matches the strings YAML reads back unchanged without quotes.
var plain = regexp.MustCompile(`^[A-Za-z0-9_./-][A-Za-z0-9_./:@-]*$`)

func q(s string) string {
	if plain.MatchString(s) && s != "true" && s != "false" && s != "null" {
		return s
	}
	return strconv.Quote(s)
}

// Render writes the devspace.yaml (v2beta1) for what was found and the
// choices: the image, the deployment, a dev config with sync and the
// port, and the default pipelines written out for the user to change.
func Render(f Found, c Choices) ([]byte, error) {
	if c.Deploy == "" {
		return nil, fmt.Errorf("nothing to deploy: no Dockerfile, Kubernetes manifests, Helm chart or kustomization found")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "version: v2beta1\nname: %s\n\n", q(c.Name))
	b.WriteString(pipelinesYAML(f.Dockerfile != ""))
	if f.Dockerfile != "" {
		writeImage(&b, f, c)
	}
	if err := writeDeployment(&b, f, c); err != nil {
		return nil, err
	}
	if f.Dockerfile != "" {
		writeDev(&b, f, c)
	}
	return []byte(b.String()), nil
}

// pipelinesYAML is DevSpace's default dev and deploy pipelines, written
// out so that the file shows what `devspace dev` and `deploy` run.
func pipelinesYAML(dev bool) string {
	s := "# `devspace deploy` and `devspace dev` run these; change them as you need.\npipelines:\n" +
		"  deploy: |-\n    run_dependencies --all\n    ensure_pull_secrets --all\n    build_images --all\n    create_deployments --all\n"
	if dev {
		s += "  dev: |-\n    run_dependencies --all\n    ensure_pull_secrets --all\n    build_images --all\n    create_deployments --all\n    start_dev app\n"
	}
	return s + "\n"
}

func writeImage(b *strings.Builder, f Found, c Choices) {
	fmt.Fprintf(b, "# Built before each deploy; a content tag (ds-…) is pushed to the image's registry.\nimages:\n  app:\n    image: %s\n    dockerfile: %s\n", q(c.Image), q("./"+f.Dockerfile))
	if dir := dirOf(f.Dockerfile); dir != "." {
		fmt.Fprintf(b, "    context: %s\n", q("./"+dir))
	}
	b.WriteString("\n")
}

func writeDeployment(b *strings.Builder, f Found, c Choices) error {
	b.WriteString("deployments:\n  app:\n")
	switch c.Deploy {
	case DeployHelm:
		fmt.Fprintf(b, "    helm:\n      chart:\n        name: %s\n", q("./"+f.Chart))
	case DeployKustomize:
		fmt.Fprintf(b, "    kubectl:\n      kustomize: true\n      manifests:\n        - %s\n", q("./"+f.Kustomization))
	case DeployKubectl:
		b.WriteString("    kubectl:\n      manifests:\n")
		for _, m := range f.Manifests {
			fmt.Fprintf(b, "        - %s\n", q("./"+m))
		}
	case DeployComponent:
		fmt.Fprintf(b, "    # devspace's component chart: a Deployment (and a Service) from these values.\n    helm:\n      values:\n        containers:\n          - image: %s\n", q(c.Image))
		if c.Port > 0 {
			fmt.Fprintf(b, "        service:\n          ports:\n            - port: %d\n", c.Port)
		}
	default:
		return fmt.Errorf("deploy method %q: want one of %s", c.Deploy, strings.Join(f.Methods(), ", "))
	}
	b.WriteString("\n")
	return nil
}

func writeDev(b *strings.Builder, f Found, c Choices) {
	remote := f.WorkDir
	if remote == "" {
		remote = "/app"
	}
	local := "./"
	if dir := dirOf(f.Dockerfile); dir != "." {
		local += dir + "/"
	}
	fmt.Fprintf(b, "# `devspace dev`: files synced into the running container, its port forwarded.\ndev:\n  app:\n    imageSelector: %s\n    sync:\n      - path: %s\n        excludePaths:\n          - .git/\n          - .devspace/\n",
		q(c.Image), q(local+":"+remote))
	if c.Port > 0 {
		fmt.Fprintf(b, "    ports:\n      - port: \"%d\"\n    open:\n      - url: http://localhost:%d\n", c.Port, c.Port)
	}
}

func dirOf(rel string) string {
	if i := strings.LastIndex(rel, "/"); i >= 0 {
		return rel[:i]
	}
	return "."
}
