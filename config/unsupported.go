package config

import (
	"cmp"
	"errors"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
)

// UnsupportedField is a devspace.yaml field this devspace refuses at load
// time instead of accepting and ignoring it.
type UnsupportedField struct {
	// Path is the field's place: map keys as `*`, list items as `[*]`
	// ("dev.*.containers.*.ssh", "require").
	Path string
	// Reason says why, and what to do instead; it completes "X is not
	// supported: ".
	Reason string
	// Accept is the YAML text of a value that asks for nothing this
	// devspace does not do (false, or DevSpace's default when it is our
	// behaviour), which loads; empty accepts no value.
	Accept string
}

// Unsupported lists every refused field, in the order the README shows
// them. The schema audit (config/schemaaudit) fails for a field of the
// config types that is neither read by the code nor listed here, and for
// an entry here whose field the code reads, so this list stays true.
var Unsupported = []UnsupportedField{
	{Path: "require.plugins", Reason: "this devspace has no plugins, so none can be required; remove `plugins:` (what a DevSpace plugin added is not available here)"},
	{Path: "localRegistry.localbuild", Reason: "images for the local registry are built on this machine and pushed through a port-forward; building them in the registry's pod is not implemented (use buildKit.inCluster or kaniko with a registry instead)", Accept: "true"},
	{Path: "localRegistry.buildKitImage", Reason: "no BuildKit runs in the local registry's pod: images are built on this machine (localbuild: true)"},

	{Path: "images.*.docker.useCli", Reason: "builds talk to the Docker Engine API; the docker CLI is not run", Accept: "false"},
	{Path: "images.*.build.docker.useCli", Reason: "builds talk to the Docker Engine API; the docker CLI is not run", Accept: "false"},
	{Path: "images.*.docker.useBuildKit", Reason: "BuildKit is used whenever the daemon has it (DEVSPACE_DOCKER_BUILDER=buildkit|legacy chooses)", Accept: "false"},
	{Path: "images.*.build.docker.useBuildKit", Reason: "BuildKit is used whenever the daemon has it (DEVSPACE_DOCKER_BUILDER=buildkit|legacy chooses)", Accept: "false"},
	{Path: "images.*.docker.preferMinikube", Reason: "images are built on minikube's Docker Engine only when the shell points at it (eval $(minikube docker-env))", Accept: "false"},
	{Path: "images.*.build.docker.preferMinikube", Reason: "images are built on minikube's Docker Engine only when the shell points at it (eval $(minikube docker-env))", Accept: "false"},
	{Path: "images.*.buildKit.command", Reason: "docker buildx is not run: BuildKit builds use its API"},
	{Path: "images.*.build.buildKit.command", Reason: "docker buildx is not run: BuildKit builds use its API"},
	{Path: "images.*.buildKit.preferMinikube", Reason: "images are built on minikube's Docker Engine only when the shell points at it (eval $(minikube docker-env))", Accept: "false"},
	{Path: "images.*.build.buildKit.preferMinikube", Reason: "images are built on minikube's Docker Engine only when the shell points at it (eval $(minikube docker-env))", Accept: "false"},
	{Path: "images.*.buildKit.inCluster.createArgs", Reason: "these are flags of `docker buildx create`, which is not run: the BuildKit pod is created directly"},
	{Path: "images.*.build.buildKit.inCluster.createArgs", Reason: "these are flags of `docker buildx create`, which is not run: the BuildKit pod is created directly"},
	{Path: "images.*.buildKit.inCluster.noLoad", Reason: "in-cluster builds are pushed to the registry and never loaded into a docker daemon", Accept: "true"},
	{Path: "images.*.build.buildKit.inCluster.noLoad", Reason: "in-cluster builds are pushed to the registry and never loaded into a docker daemon", Accept: "true"},
	{Path: "images.*.kaniko.initImage", Reason: "the build context is streamed into kaniko's stdin, without an init container"},
	{Path: "images.*.build.kaniko.initImage", Reason: "the build context is streamed into kaniko's stdin, without an init container"},
	{Path: "images.*.kaniko.initEnv", Reason: "the build context is streamed into kaniko's stdin, without an init container"},
	{Path: "images.*.build.kaniko.initEnv", Reason: "the build context is streamed into kaniko's stdin, without an init container"},
	{Path: "images.*.injectRestartHelper", Reason: "the restart helper is put into the dev container by dev mode when a sync restarts it (dev.*.restartHelper)", Accept: "false"},
	{Path: "images.*.injectLegacyRestartHelper", Reason: "the restart helper is put into the dev container by dev mode when a sync restarts it (dev.*.restartHelper)", Accept: "false"},
	{Path: "images.*.restartHelperPath", Reason: "the restart helper is put into the dev container by dev mode; set dev.*.restartHelper.path", Accept: `""`},

	{Path: "deployments.*.kubectl.createArgs", Reason: "kubectl create is not run: manifests are applied server-side through the API"},
	{Path: "deployments.*.kubectl.kubectlBinaryPath", Reason: "no kubectl binary runs: manifests are applied server-side through the API"},
	{Path: "deployments.*.kubectl.kustomizeBinaryPath", Reason: "kustomize is built in; no kustomize binary runs"},
	{Path: "deployments.*.helm.output", Reason: "charts are installed through the Helm SDK, which prints no helm output", Accept: "false"},

	{Path: "dev.*.target", Reason: "it has no behaviour in this devspace; select the container with `container:`"},
	{Path: "dev.*.containers.*.target", Reason: "it has no behaviour in this devspace"},
	{Path: "dev.*.ssh.useInclude", Reason: "the Host entry is written into ~/.ssh/config itself, in a marked block removed when dev ends", Accept: "false"},
	{Path: "dev.*.containers.*.ssh.useInclude", Reason: "the Host entry is written into ~/.ssh/config itself, in a marked block removed when dev ends", Accept: "false"},
	{Path: "dev.*.persistPaths[*].initContainer", Reason: "the populate init container takes the container's resources from the namespace's defaults; remove initContainer"},
	{Path: "dev.*.containers.*.persistPaths[*].initContainer", Reason: "the populate init container takes the container's resources from the namespace's defaults; remove initContainer"},
	{Path: "dev.*.containers.*.persistenceOptions", Reason: "one volume claim serves the dev config: set persistenceOptions on dev.NAME"},
	{Path: "dev.*.terminal.disableReplace", Reason: "a terminal never replaces the pod here (devImage and the other replacement fields do), so only true describes what happens", Accept: "true"},
	{Path: "dev.*.containers.*.terminal.disableReplace", Reason: "a terminal never replaces the pod here (devImage and the other replacement fields do), so only true describes what happens", Accept: "true"},
	{Path: "dev.*.terminal.disableScreen", Reason: "the terminal never runs screen here, so only true describes what happens", Accept: "true"},
	{Path: "dev.*.containers.*.terminal.disableScreen", Reason: "the terminal never runs screen here, so only true describes what happens", Accept: "true"},
	{Path: "dev.*.sync[*].printLogs", Reason: "sync prints its summaries, not a line per file", Accept: "false"},
	{Path: "dev.*.containers.*.sync[*].printLogs", Reason: "sync prints its summaries, not a line per file", Accept: "false"},
	{Path: "dev.*.sync[*].file", Reason: "syncing a single file is not implemented yet; sync its directory", Accept: "false"},
	{Path: "dev.*.containers.*.sync[*].file", Reason: "syncing a single file is not implemented yet; sync its directory", Accept: "false"},
	{Path: "dev.*.sync[*].bandwidthLimits", Reason: "sync bandwidth limits are not implemented yet"},
	{Path: "dev.*.containers.*.sync[*].bandwidthLimits", Reason: "sync bandwidth limits are not implemented yet"},
	{Path: "dev.*.sync[*].initialSyncCompareBy", Reason: "files of equal size and different mtime are always compared by content", Accept: `""`},
	{Path: "dev.*.containers.*.sync[*].initialSyncCompareBy", Reason: "files of equal size and different mtime are always compared by content", Accept: `""`},
	{Path: "dev.*.sync[*].onUpload.exec[*].local", Reason: "commands after an upload run in the container only for now", Accept: "false"},
	{Path: "dev.*.containers.*.sync[*].onUpload.exec[*].local", Reason: "commands after an upload run in the container only for now", Accept: "false"},
}

// checkUnsupported refuses every field of Unsupported that the merged
// tree sets (to something other than null or its accepted value), at the
// field's key, all at once and in file order. It walks only where some
// entry's path leads, so a large config costs little.
func (l *loader) checkUnsupported() error {
	if l.opts.keepRefused {
		return nil
	}
	w := &unsupportedWalk{l: l}
	w.node(nil, l.root, unsupportedTree())
	slices.SortStableFunc(w.hits, func(a, b unsupportedHit) int {
		return cmp.Or(cmp.Compare(a.line, b.line), cmp.Compare(a.col, b.col))
	})
	errs := make([]error, len(w.hits))
	for i, h := range w.hits {
		errs[i] = h.err
	}
	return errors.Join(errs...)
}

type unsupportedHit struct {
	line, col int
	err       error
}

// unsupportedWalk walks a tree along the steps of unsupportedTree.
type unsupportedWalk struct {
	l    *loader
	hits []unsupportedHit
}

func (w *unsupportedWalk) node(path []string, n ast.Node, at *patternNode) {
	switch v := unwrap(n).(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		for _, mv := range entries(v) {
			key := keyOf(mv)
			w.entry(path, mv, key, at.children[key])
			if key != "*" {
				w.entry(path, mv, key, at.children["*"])
			}
		}
	case *ast.SequenceNode:
		if next := at.children["[*]"]; next != nil {
			for i, item := range v.Values {
				w.node(append(slices.Clip(path), "["+strconv.Itoa(i)+"]"), item, next)
			}
		}
	}
}

// entry goes on into a mapping entry by the step next, if there is one.
func (w *unsupportedWalk) entry(path []string, mv *ast.MappingValueNode, key string, next *patternNode) {
	switch {
	case next == nil:
	case next.field != nil:
		if w.l.refused(*next.field, mv.Value) {
			p := posOf(mv.Key)
			err := w.l.errorf(p.Line, p.Column, "%s is not supported: %s", showPath(append(slices.Clip(path), key)), next.field.Reason)
			w.hits = append(w.hits, unsupportedHit{p.Line, p.Column, err})
		}
	default:
		w.node(append(slices.Clip(path), key), mv.Value, next)
	}
}

// patternNode is one step of the entries' paths: a key, `*` (any key) or
// `[*]` (any list item); field is set where an entry's path ends.
type patternNode struct {
	children map[string]*patternNode
	field    *UnsupportedField
}

// unsupportedTree is Unsupported as a tree of path steps, built once.
var unsupportedTree = sync.OnceValue(func() *patternNode {
	root := &patternNode{children: map[string]*patternNode{}}
	for i := range Unsupported {
		at := root
		for _, part := range splitPattern(Unsupported[i].Path) {
			next := at.children[part]
			if next == nil {
				next = &patternNode{children: map[string]*patternNode{}}
				at.children[part] = next
			}
			at = next
		}
		at.field = &Unsupported[i]
	}
	return root
})

// refused says whether value asks for what f does not support.
func (l *loader) refused(f UnsupportedField, value ast.Node) bool {
	if _, null := unwrap(value).(*ast.NullNode); null || value == nil {
		return false
	}
	if f.Accept == "" {
		return true
	}
	var got, ok any
	if yaml.Unmarshal([]byte(f.Accept), &ok) != nil || l.nodeToValue(value, &got) != nil {
		return true
	}
	return !reflect.DeepEqual(got, ok)
}

// splitPattern splits "dev.*.sync[*].file" into dev, *, sync, [*], file.
func splitPattern(p string) []string {
	return strings.Split(strings.ReplaceAll(p, "[", ".["), ".")
}

// showPath writes a path as in error messages: dev.app.sync[0].file.
func showPath(path []string) string {
	var b strings.Builder
	for i, p := range path {
		if i > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}
