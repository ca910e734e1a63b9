package config

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// DevSpace 5's dev section listed ports, sync, replacePods, a terminal and
// log selectors separately, each with its own selector. v2beta1 has one
// entry per pod: entries with the same imageSelector or labelSelector
// become one dev config, and within it one container per containerName.

type devConverter struct {
	c    *converter
	pods []*devPod
	open []ast.Node
}

type devPod struct {
	key           string
	pos           *token.Position
	imageSelector ast.Node
	imageText     string
	labelSelector ast.Node
	labelText     string
	fields        *omap // namespace, arch, patches, persistenceOptions
	ports         []ast.Node
	containers    []*devContainer
}

type devContainer struct {
	name                   string
	pos                    *token.Position
	fields                 *omap // devImage, terminal, logs
	sync, reverse, persist []ast.Node
}

// syncedImages lists the images an old (v1beta9) sync entry names, for
// images.*.preferSyncOverRebuild.
func (d *devConverter) syncedImages(root *obj) map[string]bool {
	out := map[string]bool{}
	dev := lookup(root.node, "dev")
	if dev == nil {
		return out
	}
	if sync := lookup(dev.Value, "sync"); sync != nil {
		if seq, ok := unwrap(sync.Value).(*ast.SequenceNode); ok {
			for _, n := range seq.Values {
				if mv := lookup(n, "imageName"); mv != nil {
					if s, ok := scalarText(mv.Value); ok {
						out[s] = true
					}
				}
			}
		}
	}
	return out
}

// imageNameSelector is the v2beta1 selector for the old imageName: the
// image that `images.NAME` built, with the tag it built.
func imageNameSelector(name string, pos *token.Position) ast.Node {
	key := objectKey(name)
	return genStr("${runtime.images."+key+".image}:${runtime.images."+key+".tag}", pos)
}

func (d *devConverter) convert(root *obj) {
	dev := d.c.obj(root.get("dev"), "dev")
	if dev.node == nil {
		return
	}
	logs := d.c.obj(dev.get("logs"), "dev.logs")
	if logs.node != nil {
		// dev.logs.sync turned DevSpace 5's per-file sync lines on; sync
		// here prints its summaries either way.
		logs.optFlag("sync")
	}
	d.open = dev.list("open")
	d.convertReplacePods(dev)
	d.convertPorts(dev)
	d.convertSync(dev)
	d.convertTerminal(dev)
	d.convertInteractive(dev)
	d.convertLogs(logs)
	dev.drop("autoReload", "DevSpace 6 has no auto reload; rerun pipelines with run_watch instead")
	dev.drop("deprecatedInteractiveEnabled", "DevSpace 6 has no interactive mode; use dev.*.terminal")
	dev.drop("deprecatedInteractiveImages", "DevSpace 6 has no interactive mode; use dev.*.terminal")
	dev.done()
	d.write(root)
}

// selection reads an entry's selector and returns its dev config.
func (d *devConverter) selection(o *obj, fallback string) *devPod {
	imageSel := o.get("imageSelector")
	if name := o.str("imageName"); name != "" {
		imageSel = imageNameSelector(name, o.keyPos("imageName"))
	}
	labelSel := o.get("labelSelector")
	if imageSel == nil && labelSel == nil {
		return nil
	}
	name := o.str("name")
	if name == "" {
		name = fallback
	}
	p := d.pod(name, posOf(o.node), imageSel, labelSel)
	if ns := o.get("namespace"); ns != nil {
		p.fields.set("namespace", ns, o.keyPos("namespace"))
	}
	return p
}

// pod finds the dev config with the same selector, or adds one.
func (d *devConverter) pod(name string, pos *token.Position, imageSel, labelSel ast.Node) *devPod {
	imageText, _ := scalarText(imageSel)
	labelText := labelsText(labelSel)
	for _, p := range d.pods {
		if imageText != "" && p.imageText == imageText || labelText != "" && p.labelText == labelText {
			return p
		}
	}
	key := objectKey(name)
	for n := 2; slices.ContainsFunc(d.pods, func(p *devPod) bool { return p.key == key }); n++ {
		key = fmt.Sprintf("%s-%d", objectKey(name), n)
	}
	p := &devPod{key: key, pos: pos, imageSelector: imageSel, imageText: imageText,
		labelSelector: labelSel, labelText: labelText, fields: newOmap(pos)}
	d.pods = append(d.pods, p)
	return p
}

// labelsText is a label selector in a canonical form, for matching.
func labelsText(n ast.Node) string {
	var parts []string
	for _, mv := range entries(n) {
		v, _ := scalarText(mv.Value)
		parts = append(parts, keyOf(mv)+"="+v)
	}
	slices.Sort(parts)
	return strings.Join(parts, ",")
}

// container finds the container of p named name, as DevSpace does: an
// unnamed one is taken (and named) by the first entry that names one.
func (p *devPod) container(name string, pos *token.Position) *devContainer {
	for _, c := range p.containers {
		if c.name == name || c.name == "" {
			if c.name == "" {
				c.name = name
			}
			return c
		}
		if name == "" {
			return c
		}
	}
	c := &devContainer{name: name, pos: pos, fields: newOmap(pos)}
	p.containers = append(p.containers, c)
	return c
}

func (d *devConverter) convertReplacePods(dev *obj) {
	for i, n := range dev.list("replacePods") {
		o := d.c.obj(n, fmt.Sprintf("dev.replacePods[%d]", i))
		p := d.selection(o, fmt.Sprintf("replace-%d", i))
		if p == nil {
			o.c.drop(posOf(n), o.path, "an entry without imageSelector or labelSelector selects nothing")
			o.used = allKeys(o.node)
			continue
		}
		if patches := o.get("patches"); patches != nil {
			p.fields.set("patches", patches, o.keyPos("patches"))
		}
		o.copy(p.fields, "persistenceOptions")
		container := o.str("containerName")
		c := p.container(container, posOf(n))
		o.rename(c.fields, "replaceImage", "devImage")
		for j, pp := range o.list("persistPaths") {
			po := d.c.obj(pp, fmt.Sprintf("%s.persistPaths[%d]", o.path, j))
			out := newOmap(posOf(pp))
			po.copy(out, "path", "volumePath", "readOnly", "skipPopulate", "initContainer")
			// A path of another container goes to that container.
			pc := c
			if other := po.str("containerName"); other != "" && other != container {
				pc = p.container(other, posOf(pp))
			}
			po.done()
			pc.persist = append(pc.persist, out.m)
		}
		o.done()
	}
}

func (d *devConverter) convertPorts(dev *obj) {
	for i, n := range dev.list("ports") {
		o := d.c.obj(n, fmt.Sprintf("dev.ports[%d]", i))
		p := d.selection(o, fmt.Sprintf("ports-%d", i))
		if p == nil {
			o.c.drop(posOf(n), o.path, "an entry without imageSelector or labelSelector selects nothing")
			o.used = allKeys(o.node)
			continue
		}
		p.ports = append(p.ports, d.mappings(o, "forward")...)
		if reverse := d.mappings(o, "reverseForward"); len(reverse) > 0 {
			c := p.container(o.str("containerName"), posOf(n))
			c.reverse = append(c.reverse, reverse...)
		} else {
			o.get("containerName")
		}
		o.copy(p.fields, "arch") // v2beta1 has it per dev config
		o.done()
	}
}

// mappings turns [{port, remotePort, bindAddress}] into v2beta1's
// [{port: "LOCAL:REMOTE", bindAddress}].
func (d *devConverter) mappings(o *obj, key string) []ast.Node {
	var out []ast.Node
	for j, n := range o.list(key) {
		m := d.c.obj(n, fmt.Sprintf("%s.%s[%d]", o.path, key, j))
		local, remote := m.str("port"), m.str("remotePort")
		if local == "" {
			d.c.drop(posOf(n), m.path, "a port mapping without `port:` forwards nothing")
			m.used = allKeys(m.node)
			continue
		}
		port := local
		if remote != "" {
			port += ":" + remote
		}
		def := newOmap(posOf(n))
		def.set("port", genStr(port, m.keyPos("port")), m.keyPos("port"))
		m.copy(def, "bindAddress")
		m.done()
		out = append(out, def.m)
	}
	return out
}

func (d *devConverter) convertSync(dev *obj) {
	for i, n := range dev.list("sync") {
		o := d.c.obj(n, fmt.Sprintf("dev.sync[%d]", i))
		p := d.selection(o, fmt.Sprintf("sync-%d", i))
		if p == nil {
			o.c.drop(posOf(n), o.path, "an entry without imageSelector or labelSelector selects nothing")
			o.used = allKeys(o.node)
			continue
		}
		c := p.container(o.str("containerName"), posOf(n))
		def := newOmap(posOf(n))
		local, remote := o.str("localSubPath"), o.str("containerPath")
		def.set("path", genStr(cmp.Or(local, ".")+":"+cmp.Or(remote, "."), posOf(n)), posOf(n))
		o.copy(def, "excludePaths", "excludeFile", "downloadExcludePaths", "downloadExcludeFile",
			"uploadExcludePaths", "uploadExcludeFile", "initialSync", "initialSyncCompareBy",
			"disableDownload", "disableUpload", "polling", "waitInitialSync", "bandwidthLimits")
		if d.c.version == "v1beta9" { // v1beta10 changed both defaults
			if !o.has("waitInitialSync") {
				def.set("waitInitialSync", genBool(false, posOf(n)), posOf(n))
			}
			def.set("polling", genBool(true, posOf(n)), posOf(n))
		}
		if up := d.c.obj(o.get("onUpload"), o.sub("onUpload")); up.node != nil {
			out := newOmap(posOf(up.node))
			up.copy(out, "restartContainer", "exec")
			up.drop("execRemote", "DevSpace 6 has no onUpload.execRemote; use onUpload.exec")
			up.done()
			def.set("onUpload", out.m, o.keyPos("onUpload"))
		}
		o.drop("onDownload", "DevSpace 6 has no onDownload; use onUpload.exec")
		o.drop("throttleChangeDetection", "DevSpace 6 has no throttleChangeDetection")
		o.copy(p.fields, "arch")
		o.done()
		c.sync = append(c.sync, def.m)
	}
}

// convertTerminal puts the terminal in its pod; a terminal without a
// selector ran its command on this machine, which the dev pipeline does.
func (d *devConverter) convertTerminal(dev *obj) {
	t := d.c.obj(dev.get("terminal"), "dev.terminal")
	if t.node != nil {
		d.terminal(t, false)
	}
}

// convertInteractive reads v1beta9's dev.interactive: its terminal is the
// terminal, enabled only with defaultEnabled.
func (d *devConverter) convertInteractive(dev *obj) {
	in := d.c.obj(dev.get("interactive"), "dev.interactive")
	if in.node == nil {
		return
	}
	enabled := in.flag("defaultEnabled")
	if t := d.c.obj(in.get("terminal"), "dev.interactive.terminal"); t.node != nil {
		d.terminal(t, !enabled)
	}
	in.drop("images", "DevSpace 6 has no interactive mode; use dev.*.terminal")
	in.done()
}

func (d *devConverter) terminal(t *obj, disabled bool) {
	command := t.strs("command")
	p := d.selection(t, "terminal")
	if p == nil {
		d.c.localTerminal = command
		t.used = allKeys(t.node)
		return
	}
	c := p.container(t.str("containerName"), posOf(t.node))
	out := newOmap(posOf(t.node))
	if len(command) > 0 {
		out.set("command", genStr(shellJoin(command), t.keyPos("command")), t.keyPos("command"))
	}
	t.copy(out, "workDir")
	disabled = disabled || t.flag("disabled")
	out.set("enabled", genBool(!disabled, posOf(t.node)), posOf(t.node))
	out.set("disableReplace", genBool(true, posOf(t.node)), posOf(t.node))
	out.set("disableScreen", genBool(true, posOf(t.node)), posOf(t.node))
	t.done()
	c.fields.set("terminal", out.m, posOf(t.node))
}

// shellJoin joins a command's words into one shell line, quoting those
// that need it (DevSpace joins them with spaces, so `["sh", "-c", "npm
// start"]` lost its quoting).
func shellJoin(words []string) string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = shellQuote(w)
	}
	return strings.Join(out, " ")
}

var plainWord = lazyRegexp(`^[A-Za-z0-9_@%+=:,./-]+$`)

func shellQuote(w string) string {
	if plainWord().MatchString(w) {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'"'"'`) + "'"
}

func (d *devConverter) convertLogs(logs *obj) {
	if logs.node == nil {
		return
	}
	disabled := logs.flag("disabled")
	last := logs.get("showLast")
	var selectors []*obj
	for i, n := range logs.list("selectors") {
		selectors = append(selectors, d.c.obj(n, fmt.Sprintf("dev.logs.selectors[%d]", i)))
	}
	for _, img := range logs.strs("images") { // v1beta10
		sel := newOmap(logs.keyPos("images"))
		sel.set("imageName", genStr(img, logs.keyPos("images")), logs.keyPos("images"))
		selectors = append(selectors, d.c.obj(sel.m, "dev.logs.images"))
	}
	for _, s := range selectors {
		p := d.selection(s, "logs")
		if p == nil {
			continue
		}
		c := p.container(s.str("containerName"), posOf(s.node))
		out := newOmap(posOf(s.node))
		out.set("enabled", genBool(!disabled, posOf(s.node)), posOf(s.node))
		if last != nil {
			out.set("lastLines", last, logs.keyPos("showLast"))
		}
		s.done()
		c.fields.set("logs", out.m, posOf(s.node))
	}
	logs.done()
}

func allKeys(n ast.Node) map[string]bool {
	out := map[string]bool{}
	for _, mv := range entries(n) {
		out[keyOf(mv)] = true
	}
	return out
}

// write emits the dev configs, flattening a pod's only container into it.
func (d *devConverter) write(root *obj) {
	if len(d.pods) == 0 {
		return
	}
	out := newOmap(root.keyPos("dev"))
	for _, p := range d.pods {
		def := newOmap(p.pos)
		def.set("imageSelector", p.imageSelector, p.pos)
		def.set("labelSelector", p.labelSelector, p.pos)
		for _, mv := range p.fields.m.Values {
			def.m.Values = append(def.m.Values, mv)
		}
		if len(p.ports) > 0 {
			def.set("ports", genList(p.pos, p.ports...), p.pos)
		}
		if len(d.open) > 0 {
			def.set("open", genList(p.pos, d.open...), p.pos)
		}
		if len(p.containers) == 1 {
			p.containers[0].writeInto(def)
		} else if len(p.containers) > 1 {
			containers := newOmap(p.pos)
			for _, c := range p.containers {
				cdef := newOmap(c.pos)
				c.writeInto(cdef)
				containers.set(c.name, cdef.m, c.pos)
			}
			def.set("containers", containers.m, p.pos)
		}
		out.set(p.key, def.m, p.pos)
	}
	d.c.out.set("dev", out.m, root.keyPos("dev"))
}

func (c *devContainer) writeInto(def *omap) {
	if c.name != "" {
		def.set("container", genStr(c.name, c.pos), c.pos)
	}
	for _, k := range slices.Sorted(maps.Keys(allKeys(c.fields.m))) {
		mv := lookup(c.fields.m, k)
		def.set(k, mv.Value, posOf(mv.Key))
	}
	if len(c.sync) > 0 {
		def.set("sync", genList(c.pos, c.sync...), c.pos)
	}
	if len(c.reverse) > 0 {
		def.set("reversePorts", genList(c.pos, c.reverse...), c.pos)
	}
	if len(c.persist) > 0 {
		def.set("persistPaths", genList(c.pos, c.persist...), c.pos)
	}
	// DevSpace's conversion turns the restart helper off: DevSpace 5
	// injected it only into images built with injectRestartHelper.
	helper := newOmap(c.pos)
	helper.set("inject", genBool(false, c.pos), c.pos)
	def.set("restartHelper", helper.m, c.pos)
}
