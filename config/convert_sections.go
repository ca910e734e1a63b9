package config

import (
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/distribution/reference"
	"github.com/goccy/go-yaml/ast"
)

// This file converts the sections of a DevSpace 5 config other than dev.

// convertLegacyVars turns the old `vars:` list into the v2beta1 map, in the
// tree, before variables are resolved. As DevSpace's conversion does, each
// variable gets an explicit alwaysResolve (false unless written: DevSpace 5
// resolved only the variables a config used), and DEVSPACE_ENV_FILE=.env
// is added.
func (l *loader) convertLegacyVars(version string) error {
	c := &converter{l: l, version: version}
	mv := lookup(l.root, "vars")
	out := newOmap(posOf(l.root))
	if mv != nil && !isNull(mv.Value) {
		if _, isMap := unwrap(mv.Value).(*ast.MappingNode); isMap {
			return nil // converted already
		}
		out = newOmap(posOf(mv.Value))
		root := c.obj(l.root, "")
		for i, n := range root.list("vars") {
			v := c.obj(n, fmt.Sprintf("vars[%d]", i))
			name := v.str("name")
			if name == "" {
				p := posOf(n)
				return l.errorf(p.Line, p.Column, "vars[%d]: a variable needs a `name:`", i)
			}
			def := newOmap(posOf(n))
			v.copy(def, "question", "options", "password", "validationPattern", "validationMessage",
				"noCache", "value", "default", "source", "command", "args", "commands")
			if resolve, set := v.optFlag("alwaysResolve"); set {
				def.set("alwaysResolve", genBool(resolve, v.keyPos("alwaysResolve")), v.keyPos("alwaysResolve"))
			} else {
				def.set("alwaysResolve", genBool(false, v.keyPos("name")), v.keyPos("name"))
			}
			v.done()
			out.set(name, def.m, v.keyPos("name"))
		}
	}
	if c.err != nil {
		return c.err
	}
	if lookup(out.m, "DEVSPACE_ENV_FILE") == nil {
		env := newOmap(noPos)
		env.set("value", genStr(".env", noPos), noPos)
		env.set("alwaysResolve", genBool(false, noPos), noPos)
		out.set("DEVSPACE_ENV_FILE", env.m, noPos)
	}
	root, err := l.rootMapping()
	if err != nil {
		return err
	}
	if mv != nil {
		mv.Value = out.m
	} else {
		root.Values = append(root.Values, newEntry("vars", out.m, noPos))
	}
	return nil
}

// convertVars carries the vars map that convertLegacyVars made over.
func (c *converter) convertVars(root *obj) {
	root.copy(c.out, "vars")
}

// convertPullSecrets turns the old list into pull-secret-N entries, and
// adds one for the registry of each image that has none, as DevSpace 5
// created them on deploy.
func (c *converter) convertPullSecrets(root *obj) {
	out := newOmap(root.keyPos("pullSecrets"))
	registries := map[string]bool{}
	for i, n := range root.list("pullSecrets") {
		ps := c.obj(n, fmt.Sprintf("pullSecrets[%d]", i))
		name := fmt.Sprintf("pull-secret-%d", i)
		def := newOmap(posOf(n))
		def.set("name", genStr(name, posOf(n)), posOf(n))
		ps.copy(def, "registry", "username", "password", "email", "secret", "serviceAccounts")
		registries[ps.str("registry")] = true
		if !ps.flag("disabled") {
			c.pullSecrets = append(c.pullSecrets, name)
		}
		ps.done()
		out.set(name, def.m, posOf(n))
	}
	images := c.obj(root.get("images"), "images")
	for _, mv := range entries(images.node) {
		img := c.obj(mv.Value, "images."+keyOf(mv))
		if off, set := img.optFlag("createPullSecret"); set && !off {
			continue
		}
		registry := registryOf(c.staticText(root, img.str("image")))
		if registry == "" || registries[registry] {
			continue
		}
		registries[registry] = true
		name := objectKey(keyOf(mv))
		def := newOmap(posOf(mv.Key))
		def.set("registry", genStr(registry, posOf(mv.Key)), posOf(mv.Key))
		out.set(name, def.m, posOf(mv.Key))
		c.pullSecrets = append(c.pullSecrets, name)
	}
	if !out.empty() {
		c.out.set("pullSecrets", out.m, root.keyPos("pullSecrets"))
	}
}

// staticText expands the ${VAR}s of s that name variables with a fixed
// `value:` (print --convert converts before variables are resolved), so
// that an image written as ${IMAGE} still gets its registry's pull secret.
// It returns "" if a reference is left.
func (c *converter) staticText(root *obj, s string) string {
	vars := lookup(root.node, "vars")
	s = varRef.ReplaceAllStringFunc(s, func(ref string) string {
		if vars == nil {
			return ref
		}
		def := lookup(vars.Value, varRef.FindStringSubmatch(ref)[1])
		if def == nil {
			return ref
		}
		if v := lookup(def.Value, "value"); v != nil {
			if text, ok := scalarText(v.Value); ok {
				return text
			}
		}
		return ref
	})
	if strings.Contains(s, "${") {
		return ""
	}
	return s
}

// registryOf is the registry host of an image reference; "" for Docker Hub
// or a reference that does not parse.
func registryOf(image string) string {
	named, err := reference.ParseNormalizedNamed(image)
	if err != nil {
		return ""
	}
	if d := reference.Domain(named); d != "docker.io" {
		return d
	}
	return ""
}

// convertImages flattens the old nested `build:` block onto the image.
func (c *converter) convertImages(root *obj) {
	images := c.obj(root.get("images"), "images")
	if images.node == nil {
		return
	}
	out := newOmap(root.keyPos("images"))
	synced := c.dev.syncedImages(root)
	for _, mv := range entries(images.node) {
		name := keyOf(mv)
		img := c.obj(mv.Value, "images."+name)
		def := newOmap(posOf(mv.Value))
		img.copy(def, "image", "dockerfile", "context", "entrypoint", "cmd", "createPullSecret",
			"restartHelperPath", "appendDockerfileInstructions", "rebuildStrategy")
		img.rename(def, "injectRestartHelper", "injectLegacyRestartHelper")
		tags := img.get("tags")
		if img.flag("tagsAppendRandom") { // v1beta9
			var random []string
			for _, t := range img.strs("tags") {
				random = append(random, t+"-#####")
			}
			tags = genStrs(img.keyPos("tags"), random)
		}
		def.set("tags", tags, img.keyPos("tags"))
		if img.flag("preferSyncOverRebuild") && synced[name] { // v1beta9
			def.set("rebuildStrategy", genStr("ignoreContextChanges", img.keyPos("preferSyncOverRebuild")), img.keyPos("preferSyncOverRebuild"))
		}
		disabled := c.convertBuild(c.obj(img.get("build"), img.sub("build")), def)
		img.done()
		key := objectKey(name)
		c.setUnique(out, key, def.m, posOf(mv.Key), "images", name)
		if !disabled {
			c.builds = append(c.builds, key)
		}
	}
	slices.Sort(c.builds)
	c.out.set("images", out.m, root.keyPos("images"))
}

// convertBuild moves build.docker/buildKit/kaniko/custom up to the image,
// and their `options` (target, network, buildArgs) onto the image itself.
// It reports build.disabled.
func (c *converter) convertBuild(b *obj, def *omap) bool {
	for _, builder := range []string{"docker", "buildKit", "kaniko"} {
		o := c.obj(b.get(builder), b.sub(builder))
		if o.node == nil {
			continue
		}
		out := newOmap(posOf(o.node))
		opts := c.obj(o.get("options"), o.sub("options"))
		opts.copy(def, "target", "network", "buildArgs")
		opts.done()
		if o.flag("skipPush") {
			def.set("skipPush", genBool(true, o.keyPos("skipPush")), o.keyPos("skipPush"))
		}
		switch builder {
		case "docker":
			o.copy(out, "preferMinikube", "disableFallback", "useBuildKit", "args")
			o.rename(out, "useCli", "useCli")
		case "buildKit":
			o.copy(out, "preferMinikube", "inCluster", "args", "command")
		case "kaniko":
			o.copy(out, "snapshotMode", "image", "initImage", "args", "command", "namespace", "insecure",
				"pullSecret", "skipPullSecretMount", "nodeSelector", "tolerations", "serviceAccount",
				"annotations", "labels", "initEnv", "env", "envFrom", "additionalMounts", "resources")
			if off, set := o.optFlag("cache"); !set || off {
				out.set("cache", genBool(true, o.keyPos("cache")), o.keyPos("cache"))
			}
		}
		o.done()
		def.set(builder, out.m, b.keyPos(builder))
	}
	if custom := c.obj(b.get("custom"), b.sub("custom")); custom.node != nil {
		out := newOmap(posOf(custom.node))
		custom.copy(out, "command", "commands", "args", "appendArgs", "imageFlag", "imageTagOnly", "onChange")
		if skip, _ := custom.optFlag("skipImageArg"); !skip {
			out.set("skipImageArg", genBool(false, custom.keyPos("skipImageArg")), custom.keyPos("skipImageArg"))
		}
		custom.done()
		def.set("custom", out.m, b.keyPos("custom"))
	}
	disabled := b.flag("disabled")
	b.done()
	return disabled
}

// convertDeployments turns the deployments list into a map, the component
// chart into a helm deployment without a chart (which means the component
// chart in v2beta1), and helm's flags into upgrade arguments.
func (c *converter) convertDeployments(root *obj) {
	out := newOmap(root.keyPos("deployments"))
	for i, n := range root.list("deployments") {
		d := c.obj(n, fmt.Sprintf("deployments[%d]", i))
		name := d.str("name")
		if name == "" {
			p := posOf(n)
			c.fail(c.l.errorf(p.Line, p.Column, "deployments[%d]: a deployment needs a `name:`", i))
			continue
		}
		key := objectKey(name)
		def := newOmap(posOf(n))
		d.copy(def, "namespace")
		if h := c.obj(d.get("helm"), d.sub("helm")); h.node != nil {
			def.set("helm", c.convertHelm(h, def), d.keyPos("helm"))
		}
		if k := c.obj(d.get("kubectl"), d.sub("kubectl")); k.node != nil {
			out := newOmap(posOf(k.node))
			k.copy(out, "manifests", "kustomize", "kustomizeArgs", "createArgs", "applyArgs")
			k.rename(out, "cmdPath", "kubectlBinaryPath")
			k.rename(def, "replaceImageTags", "updateImageTags")
			k.drop("deleteArgs", "DevSpace 6 has no kubectl.deleteArgs")
			k.done()
			def.set("kubectl", out.m, d.keyPos("kubectl"))
		}
		switch {
		case d.flag("disabled"):
		case d.flag("concurrent"):
			c.concurrent = append(c.concurrent, key)
		default:
			c.sequential = append(c.sequential, key)
		}
		d.done()
		c.setUnique(out, key, def.m, d.keyPos("name"), "deployments", name)
	}
	if !out.empty() {
		c.out.set("deployments", out.m, root.keyPos("deployments"))
	}
}

func (c *converter) convertHelm(h *obj, deployment *omap) ast.Node {
	out := newOmap(posOf(h.node))
	h.copy(out, "values", "valuesFiles", "templateArgs")
	h.rename(out, "displayOutput", "output")
	h.rename(deployment, "replaceImageTags", "updateImageTags")
	h.get("componentChart") // no chart means the component chart
	if ch := c.obj(h.get("chart"), h.sub("chart")); ch.node != nil {
		chart := newOmap(posOf(ch.node))
		ch.copy(chart, "name", "version", "username", "password")
		ch.rename(chart, "repo", "repo")
		if g := c.obj(ch.get("git"), ch.sub("git")); g.node != nil {
			g.rename(chart, "url", "git")
			g.copy(chart, "cloneArgs", "branch", "tag", "revision", "subPath")
			g.done()
		}
		ch.done()
		out.set("chart", chart.m, h.keyPos("chart"))
	}
	var args []ast.Node
	if n := h.get("upgradeArgs"); n != nil {
		if seq, ok := unwrap(n).(*ast.SequenceNode); ok {
			args = append(args, seq.Values...)
		}
	}
	for _, f := range []struct{ key, arg string }{
		{"wait", "--wait"}, {"atomic", "--atomic"}, {"cleanupOnFail", "--cleanup-on-fail"},
		{"force", "--force"}, {"disableHooks", "--no-hooks"},
	} {
		if h.flag(f.key) {
			args = append(args, genStr(f.arg, h.keyPos(f.key)))
		}
	}
	if t := h.str("timeout"); t != "" {
		args = append(args, genStr("--timeout", h.keyPos("timeout")), genStr(t, h.keyPos("timeout")))
	}
	if len(args) > 0 {
		out.set("upgradeArgs", genList(h.keyPos("upgradeArgs"), args...), h.keyPos("upgradeArgs"))
	}
	for _, f := range []string{"recreate", "driver", "path", "v2", "tillerNamespace", "deleteArgs", "fetchArgs"} {
		h.drop(f, "DevSpace 6 has no helm."+f)
	}
	h.done()
	return out.m
}

// convertDependencies turns the list into a map with inline sources.
func (c *converter) convertDependencies(root *obj) {
	out := newOmap(root.keyPos("dependencies"))
	for i, n := range root.list("dependencies") {
		d := c.obj(n, fmt.Sprintf("dependencies[%d]", i))
		name := d.str("name")
		if name == "" {
			name = strconv.Itoa(i) // v1beta9 allowed unnamed ones
		}
		key := objectKey(name)
		def := newOmap(posOf(n))
		src := c.obj(d.get("source"), d.sub("source"))
		if src.node == nil {
			p := posOf(n)
			c.fail(c.l.errorf(p.Line, p.Column, "dependencies[%d]: a dependency needs a `source:` (path or git)", i))
			continue
		}
		src.copy(def, "git", "cloneArgs", "disableShallow", "branch", "tag", "revision")
		p, sub := src.str("path"), src.str("subPath")
		if cfg := src.str("configName"); cfg != "" {
			if src.has("git") {
				sub = path.Join(sub, cfg)
			} else {
				p = path.Join(p, cfg)
			}
		}
		if p != "" {
			def.set("path", genStr(p, src.keyPos("path")), src.keyPos("path"))
		}
		if sub != "" {
			def.set("subPath", genStr(sub, src.keyPos("subPath")), src.keyPos("subPath"))
		}
		src.done()
		d.copy(def, "disableProfileActivation", "ignoreDependencies", "namespace", "disabled")
		profiles := d.strs("profiles")
		if prof := d.str("profile"); prof != "" {
			profiles = append(profiles, prof)
		}
		if len(profiles) > 0 {
			def.set("profiles", genStrs(d.keyPos("profiles"), profiles), d.keyPos("profiles"))
		}
		c.convertDependencyVars(d, def)
		d.drop("profileParents", "DevSpace 6 has no dependencies[*].profileParents; list them in `profiles`")
		d.drop("skipBuild", "DevSpace 6 has no dependencies[*].skipBuild")
		if dev := c.obj(d.get("dev"), d.sub("dev")); dev.node != nil {
			for _, f := range []string{"ports", "sync", "replacePods"} {
				if dev.flag(f) {
					c.drop(dev.keyPos(f), dev.sub(f), "a dependency's dev config does not start from here in DevSpace 6; set `pipeline: dev` on the dependency")
				}
			}
			dev.done()
		}
		if !d.has("disabled") || !d.flag("disabled") {
			c.deps = append(c.deps, key)
		}
		d.done()
		c.setUnique(out, key, def.m, d.keyPos("name"), "dependencies", name)
	}
	if !out.empty() {
		c.out.set("dependencies", out.m, root.keyPos("dependencies"))
	}
}

// convertDependencyVars turns vars [{name, value}] into a map; before
// v1beta11 overwriteVars defaulted to true.
func (c *converter) convertDependencyVars(d *obj, def *omap) {
	if d.has("overwriteVars") {
		d.copy(def, "overwriteVars")
	} else if c.version != "v1beta11" {
		def.set("overwriteVars", genBool(true, d.keyPos("name")), d.keyPos("name"))
	}
	vars := newOmap(d.keyPos("vars"))
	for i, n := range d.list("vars") {
		v := c.obj(n, fmt.Sprintf("%s[%d]", d.sub("vars"), i))
		vars.set(v.str("name"), v.get("value"), v.keyPos("name"))
		v.done()
	}
	if !vars.empty() {
		def.set("vars", vars.m, d.keyPos("vars"))
	}
}

// convertCommands turns the list into a map; before v1beta11 appendArgs
// defaulted to true.
func (c *converter) convertCommands(root *obj) {
	out := newOmap(root.keyPos("commands"))
	for i, n := range root.list("commands") {
		cmd := c.obj(n, fmt.Sprintf("commands[%d]", i))
		name := cmd.str("name")
		if name == "" {
			p := posOf(n)
			c.fail(c.l.errorf(p.Line, p.Column, "commands[%d]: a command needs a `name:`", i))
			continue
		}
		def := newOmap(posOf(n))
		cmd.copy(def, "command", "args", "description")
		if cmd.has("appendArgs") {
			cmd.copy(def, "appendArgs")
		} else if c.version != "v1beta11" {
			def.set("appendArgs", genBool(true, cmd.keyPos("name")), cmd.keyPos("name"))
		}
		cmd.done()
		c.setUnique(out, commandKey(name), def.m, cmd.keyPos("name"), "commands", name)
	}
	if !out.empty() {
		c.out.set("commands", out.m, root.keyPos("commands"))
	}
}

// convertHooks carries v1beta11 hooks over and turns the older
// where/when form into events and a container.
func (c *converter) convertHooks(root *obj) {
	items := root.list("hooks")
	if len(items) == 0 {
		return
	}
	out := genList(root.keyPos("hooks"))
	for i, n := range items {
		h := c.obj(n, fmt.Sprintf("hooks[%d]", i))
		def := newOmap(posOf(n))
		h.copy(def, "name", "disabled", "events", "command", "args", "os", "upload", "download", "logs", "wait", "background", "silent")
		if ct := c.obj(h.get("container"), h.sub("container")); ct.node != nil {
			def.set("container", c.convertHookContainer(ct), h.keyPos("container"))
		}
		if where := c.obj(h.get("where"), h.sub("where")); where.node != nil {
			if ct := c.obj(where.get("container"), where.sub("container")); ct.node != nil {
				def.set("container", c.convertHookContainer(ct), where.keyPos("container"))
			}
			where.done()
		}
		if when := c.obj(h.get("when"), h.sub("when")); when.node != nil {
			var events []string
			for _, at := range []struct{ key, prefix string }{{"before", "before"}, {"after", "after"}, {"onError", "error"}} {
				events = append(events, c.hookEvents(c.obj(when.get(at.key), when.sub(at.key)), at.prefix)...)
			}
			when.done()
			def.set("events", genStrs(h.keyPos("when"), events), h.keyPos("when"))
		}
		h.done()
		appendElem(out, def.m)
	}
	c.out.set("hooks", out, root.keyPos("hooks"))
}

func (c *converter) convertHookContainer(ct *obj) ast.Node {
	out := newOmap(posOf(ct.node))
	ct.copy(out, "labelSelector", "pod", "namespace", "imageSelector", "containerName", "wait", "timeout", "once")
	if img := ct.str("imageName"); img != "" {
		out.set("imageSelector", imageNameSelector(img, ct.keyPos("imageName")), ct.keyPos("imageName"))
	}
	ct.done()
	return out.m
}

// hookEvents turns when.before/after/onError into events, as DevSpace's
// v1beta10 upgrade does: "all" is every one, else a comma-separated list.
func (c *converter) hookEvents(at *obj, prefix string) []string {
	if at.node == nil {
		return nil
	}
	var events []string
	list := func(key, event string, each bool) {
		v := at.str(key)
		switch {
		case v == "":
		case v == "all" && each:
			events = append(events, prefix+":"+event+":*")
		case v == "all":
			events = append(events, prefix+":"+event)
		default:
			for _, s := range strings.Split(v, ",") {
				events = append(events, prefix+":"+event+":"+strings.TrimSpace(s))
			}
		}
	}
	list("images", "build", prefix == "error")
	list("deployments", "deploy", prefix == "error")
	list("purgeDeployments", "purge", prefix == "error")
	if at.str("pullSecrets") != "" {
		events = append(events, prefix+":createPullSecrets")
	}
	if at.str("dependencies") != "" {
		events = append(events, prefix+":deployDependencies")
	}
	list("initialSync", "initialSync", true)
	at.done()
	return events
}
