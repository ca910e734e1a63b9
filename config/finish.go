package config

import (
	"errors"
	"maps"
	"regexp"
	"slices"
	"strings"
)

var objectName = regexp.MustCompile(`^([a-z0-9]([a-z0-9\-]*[a-z0-9])?)$`)

// finish fills names from map keys, folds older forms into the current
// model, and validates what decoding alone cannot.
func (c *Config) finish() error {
	for _, section := range []struct {
		name string
		keys []string
	}{
		{"pipelines", slices.Sorted(maps.Keys(c.Pipelines))},
		{"images", slices.Sorted(maps.Keys(c.Images))},
		{"deployments", slices.Sorted(maps.Keys(c.Deployments))},
		{"dev", slices.Sorted(maps.Keys(c.Dev))},
		{"dependencies", slices.Sorted(maps.Keys(c.Dependencies))},
		{"pullSecrets", slices.Sorted(maps.Keys(c.PullSecrets))},
	} {
		for _, k := range section.keys {
			if !objectName.MatchString(k) {
				return c.ErrorAt(section.name+"."+k+"#key",
					"invalid name %q: use lowercase letters, digits and '-', starting and ending with a letter or digit", k)
			}
		}
	}
	for name, p := range c.Pipelines {
		if p == nil {
			p = &Pipeline{}
			c.Pipelines[name] = p
		}
		p.Name = name
		p.Script = c.scriptSource("pipelines." + name + ".run")
		if err := c.checkFlags(name, p); err != nil {
			return err
		}
	}
	for name, cmd := range c.Commands {
		if cmd == nil {
			return c.ErrorAt("commands."+name+"#key", "command %q is empty: set `command:`", name)
		}
		cmd.Name = name
		cmd.Script = c.scriptSource("commands." + name + ".command")
	}
	return c.finishImages()
}

func (c *Config) finishImages() error {
	seen := map[string]string{}
	for _, name := range slices.Sorted(maps.Keys(c.Images)) { // sorted: the same error every run
		img := c.Images[name]
		if img == nil {
			return c.ErrorAt("images."+name+"#key", "image %q is empty: set `image:` to the repository to build", name)
		}
		img.Name = name
		if img.Image == "" {
			return c.ErrorAt("images."+name+"#key", "image %q has no `image:` (the repository to build, e.g. registry.example.com/team/app)", name)
		}
		if err := c.checkImageRefs(name, img); err != nil {
			return err
		}
		if err := c.checkBuildArgs(name, img); err != nil {
			return err
		}
		img.foldLegacy()
		if repo, tag, ok := splitTag(img.Image); ok {
			img.Image = repo
			img.Tags = append([]string{tag}, img.Tags...)
		}
		if other, dup := seen[img.Image]; dup {
			return c.ErrorAt("images."+name+".image", "images %q and %q both build %q: give each its own repository", other, name, img.Image)
		}
		seen[img.Image] = name
		switch img.RebuildStrategy {
		case "", "default", "always", "ignoreContextChanges":
		default:
			return c.ErrorAt("images."+name+".rebuildStrategy", "unknown rebuildStrategy %q: use default, always or ignoreContextChanges", img.RebuildStrategy)
		}
	}
	if err := c.nameByKeys(); err != nil {
		return err
	}
	if err := c.checkApplyArgs(); err != nil {
		return err
	}
	if err := c.checkHelmArgs(); err != nil {
		return err
	}
	if err := c.checkKubectlPatches(); err != nil {
		return err
	}
	return c.checkDevArch()
}

// nameByKeys names deployments, dev configs, dependencies and pull secrets
// by their keys. A `name:` written in one must be that key: DevSpace
// replaces it without a word, which hides a copied block's stale name.
func (c *Config) nameByKeys() error {
	return errors.Join(
		nameByKey(c, "deployments", c.Deployments, func(d *Deployment) *string { return &d.Name }),
		nameByKey(c, "dev", c.Dev, func(d *DevPod) *string { return &d.Name }),
		nameByKey(c, "dependencies", c.Dependencies, func(d *Dependency) *string { return &d.Name }),
		nameByKey(c, "pullSecrets", c.PullSecrets, func(p *PullSecret) *string { return &p.Name }),
	)
}

func nameByKey[T any](c *Config, section string, entries map[string]*T, name func(*T) *string) error {
	for _, key := range slices.Sorted(maps.Keys(entries)) {
		if entries[key] == nil {
			continue
		}
		n := name(entries[key])
		if *n != "" && *n != key {
			return c.ErrorAt(section+"."+key+".name", "name %q differs from the key %q, which names it; remove `name:` or make it %q", *n, key, key)
		}
		*n = key
	}
	return nil
}

// splitTag splits "repo:tag" (not "host:port/repo") into repo and tag.
func splitTag(image string) (string, string, bool) {
	i := strings.LastIndex(image, ":")
	if i < 0 || strings.Contains(image[i:], "/") || strings.Contains(image, "@") {
		return image, "", false
	}
	return image[:i], image[i+1:], true
}

// scriptSource locates the script stored at path.
func (c *Config) scriptSource(path string) ScriptSource {
	pos, ok := c.positions[path]
	if !ok {
		return ScriptSource{}
	}
	// pos.Line stays in the merged numbering (ErrorInScript maps it back);
	// the text is read from the file the script was written in.
	base := pos.Line - pos.Line%lineStride
	pos.Line %= lineStride
	lines := sourceLines(c.fileOf(base).src)
	if pos.Line < 1 || pos.Line > len(lines) {
		return ScriptSource{}
	}
	at := lines[pos.Line-1][min(pos.Col-1, len(lines[pos.Line-1])):]
	if strings.HasPrefix(at, "|") || strings.HasPrefix(at, ">") {
		// Block scalar: content starts on the next non-empty line, at its indentation.
		for i := pos.Line; i < len(lines); i++ {
			if strings.TrimSpace(lines[i]) == "" {
				continue
			}
			indent := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
			return ScriptSource{Line: base + pos.Line + 1, Col: indent + 1, Block: true}
		}
		return ScriptSource{}
	}
	col := pos.Col
	if strings.HasPrefix(at, `"`) || strings.HasPrefix(at, `'`) {
		col++
	}
	return ScriptSource{Line: base + pos.Line, Col: col}
}
