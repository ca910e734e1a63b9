package engine_test

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/devspace-engine/devspace/"

// TestLayering keeps the engine, the config loader and the runtime store
// free of Docker and Kubernetes: those belong to the cores that builtins
// call, so a pipeline that needs neither never pays for them.
func TestLayering(t *testing.T) {
	forbidden := []string{"github.com/docker/", "github.com/moby/", "k8s.io/", "sigs.k8s.io/", "github.com/moby/buildkit", "github.com/google/go-containerregistry/"}
	for _, pkg := range []string{"../engine", "../config", "../runvars"} {
		out, err := exec.Command("go", "list", "-deps", pkg).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", pkg, err, out)
		}
		for _, dep := range strings.Fields(string(out)) {
			for _, f := range forbidden {
				if strings.HasPrefix(dep, f) {
					t.Errorf("%s imports %s: keep Docker and Kubernetes out of it", pkg, dep)
				}
			}
		}
	}
}

// foundations are the packages everything may stand on; each may import
// only the foundations listed with it.
var foundations = map[string][]string{
	"config":    {"lifecycle", "redact", "source", "statefile"},
	"source":    {"lifecycle", "statefile"},
	"runvars":   nil,
	"redact":    nil,
	"lifecycle": nil,
	"statefile": {"lifecycle"},
	"companion": nil,
	"engine":    {"config", "lifecycle", "redact", "runvars"},
}

// TestInternalArrows pins the direction of the project's own imports
// (test files aside):
//   - the foundations (engine, config, the runtime store, …) know no core;
//   - only cmd/devspace imports commands, and only commands imports
//     builtins, the lobby: no core calls back up into them;
//   - the image builders never import dev mode: pod plumbing is kube's;
//   - a core's subpackages (dev/filesync, …) are its internals: only the
//     core itself, its other subpackages and the lobby import them; the
//     sync wire protocol is the one exception, shared with the agent.
func TestInternalArrows(t *testing.T) {
	for pkg, imports := range internalImports(t) {
		for _, imp := range imports {
			if err := arrowError(pkg, imp); err != "" {
				t.Errorf("%s imports %s: %s", pkg, imp, err)
			}
		}
	}
}

func arrowError(pkg, imp string) string {
	if allowed, ok := foundations[pkg]; ok && !slices.Contains(allowed, imp) {
		if len(allowed) == 0 {
			return "a foundation that imports nothing of the project"
		}
		return "a foundation that may import only " + strings.Join(allowed, ", ")
	}
	if imp == "commands" && pkg != "cmd/devspace" {
		return "only cmd/devspace uses the CLI"
	}
	if imp == "builtins" && pkg != "commands" {
		return "only commands registers the builtins"
	}
	builders := []string{"imagebuild", "buildimages", "docker", "kaniko", "buildkit"}
	if slices.Contains(builders, pkg) && (imp == "dev" || strings.HasPrefix(imp, "dev/")) {
		return "image builders reach pods through kube, not dev mode"
	}
	core, _, sub := strings.Cut(imp, "/")
	if !sub || imp == "dev/syncproto" || pkg == "builtins" || strings.HasSuffix(imp, "test") {
		return ""
	}
	if pkg != core && !strings.HasPrefix(pkg, core+"/") {
		return core + "'s internals are for " + core + " (and the builtins that wire it)"
	}
	return ""
}

// internalImports maps each of the module's packages to the module's
// packages it imports, both without the module prefix.
func internalImports(t *testing.T) map[string][]string {
	t.Helper()
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "../...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	graph := map[string][]string{}
	for line := range strings.Lines(string(out)) {
		fields := strings.Fields(line)
		if len(fields) == 0 || !strings.HasPrefix(fields[0], module) {
			continue
		}
		pkg := strings.TrimPrefix(fields[0], module)
		graph[pkg] = nil
		for _, imp := range fields[1:] {
			if rest, ok := strings.CutPrefix(imp, module); ok {
				graph[pkg] = append(graph[pkg], rest)
			}
		}
	}
	if len(graph) < 10 {
		t.Fatalf("go list found only %d packages:\n%s", len(graph), out)
	}
	return graph
}

// TestArrowErrors: the rules refuse the arrows the house must not grow
// back, and let the wiring through.
func TestArrowErrors(t *testing.T) {
	refused := [][2]string{
		{"kaniko", "dev"}, {"buildkit", "dev/agent"}, {"engine", "imagebuild"}, {"config", "kube"},
		{"runvars", "config"}, {"deploy", "builtins"}, {"dev", "commands"}, {"deploy", "dev/replace"},
	}
	for _, a := range refused {
		if arrowError(a[0], a[1]) == "" {
			t.Errorf("%s → %s was allowed", a[0], a[1])
		}
	}
	allowed := [][2]string{
		{"builtins", "dev/replace"}, {"dev", "dev/filesync"}, {"dev/filesync", "dev/agent"},
		{"cmd/devspace-sync-agent", "dev/syncproto"}, {"commands", "builtins"}, {"kaniko", "kube"}, {"engine", "config"},
	}
	for _, a := range allowed {
		if err := arrowError(a[0], a[1]); err != "" {
			t.Errorf("%s → %s refused: %s", a[0], a[1], err)
		}
	}
}
