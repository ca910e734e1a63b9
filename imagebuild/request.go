package imagebuild

import (
	"cmp"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/redact"
)

// RequestOptions are the per-call settings of build_images that shape a
// Request.
type RequestOptions struct {
	// Tags are the -t/--tag values; when set they replace `tags:`.
	Tags []string
	// SkipPush is --skip-push.
	SkipPush bool
	// Log receives the build output (already prefixed for the image).
	Log io.Writer
	// Home expands ~ in paths; empty means the user's home directory.
	Home string
	// Secrets are the run's secret values (see Request.Secrets).
	Secrets *redact.Set
	// Getenv reads the calling shell's environment (see Request.Getenv).
	Getenv func(string) string
	// Kinds are the builders an image can ask for; the request's Kind is
	// the one its entry picks.
	Kinds Kinds
}

// NewRequest resolves one `images:` entry into a Request: paths (relative to
// cfgDir, ~ and absolute paths allowed), the in-memory Dockerfile, tags (each
// '#' becomes a random letter) and push. Key, Parts, Files and — when no tag
// is configured — the default tag are left to Hasher.Key.
func NewRequest(cfgDir string, img *config.Image, opts RequestOptions) (Request, error) {
	req := Request{
		Name:            img.Name,
		Kind:            opts.Kinds.Of(img),
		Config:          img,
		Dir:             cfgDir,
		Image:           img.Image,
		BuildArgs:       img.BuildArgs,
		Target:          img.Target,
		Network:         img.Network,
		RebuildStrategy: img.RebuildStrategy,
		Push:            !(img.SkipPush || opts.SkipPush),
		Insecure:        img.Insecure,
		Log:             opts.Log,
		Secrets:         opts.Secrets,
		Getenv:          opts.Getenv,
	}
	if req.Log == nil {
		req.Log = io.Discard
	}
	home := opts.Home
	if err := req.applyArgs(cfgDir, home, img); err != nil {
		return Request{}, fmt.Errorf("image %q: %w", img.Name, err)
	}
	var err error
	if req.Tags, req.TagTemplates, err = resolveTags(img.Tags, opts.Tags); err != nil {
		return Request{}, fmt.Errorf("image %q: %w", img.Name, err)
	}
	req.ContextDir = resolvePath(cfgDir, home, img.Context, "./")
	req.Dockerfile = resolvePath(cfgDir, home, img.Dockerfile, "./Dockerfile")
	switch {
	case req.Kind == Disabled:
		return req, nil
	case req.Kind.watches():
		for _, g := range req.Kind.Watch(img) {
			req.OnChange = append(req.OnChange, resolvePath(cfgDir, home, g, ""))
		}
		return req, nil
	}
	if err := req.loadDockerfile(img); err != nil {
		return Request{}, fmt.Errorf("image %q: %w", img.Name, err)
	}
	return req, nil
}

func (r *Request) loadDockerfile(img *config.Image) error {
	if st, err := os.Stat(r.ContextDir); err != nil {
		return fmt.Errorf("build context: %w", err)
	} else if !st.IsDir() {
		return fmt.Errorf("build context %s is not a directory", r.ContextDir)
	}
	text, err := os.ReadFile(r.Dockerfile)
	if err != nil {
		return fmt.Errorf("read Dockerfile: %w", err)
	}
	r.DockerfileText, err = RewriteDockerfile(r.Dockerfile, text, DockerfileEdits{
		Append:     img.AppendDockerfileInstructions,
		Entrypoint: img.Entrypoint,
		Cmd:        img.Cmd,
		Target:     r.Target,
	})
	return err
}

// applyArgs folds the builder's args into r: --build-arg, --target and
// --network override the image's fields (the args come last, as on the
// docker command line), the rest become r.Options with paths resolved
// like the context's.
func (r *Request) applyArgs(cfgDir, home string, img *config.Image) error {
	if r.Kind == nil || r.Kind.Args == nil {
		return nil
	}
	args := r.Kind.Args(img)
	if len(args) == 0 {
		return nil
	}
	o, err := config.ParseBuildArgs(args)
	if err != nil {
		return fmt.Errorf("%s.args: %w", r.Kind.Name, err)
	}
	if len(o.BuildArgs) > 0 {
		merged := maps.Clone(r.BuildArgs)
		if merged == nil {
			merged = map[string]*string{}
		}
		maps.Copy(merged, o.BuildArgs)
		r.BuildArgs, o.BuildArgs = merged, nil
	}
	r.Target = cmp.Or(o.Target, r.Target)
	r.Network = cmp.Or(o.Network, r.Network)
	o.Target, o.Network = "", ""
	for i, s := range o.Secrets {
		if s.Src != "" {
			o.Secrets[i].Src = resolvePath(cfgDir, home, s.Src, "")
		}
	}
	for i, s := range o.SSH {
		for j, p := range s.Paths {
			o.SSH[i].Paths[j] = resolvePath(cfgDir, home, p, "")
		}
	}
	for _, c := range append(slices.Clone(o.CacheFrom), o.CacheTo...) {
		for _, k := range []string{"src", "dest"} {
			if p, ok := c.Attrs[k]; ok && c.Type == "local" {
				c.Attrs[k] = resolvePath(cfgDir, home, p, "")
			}
		}
	}
	for i, c := range o.Contexts {
		if c.Local() {
			o.Contexts[i].Value = resolvePath(cfgDir, home, c.Value, "")
		}
	}
	r.Options = o
	return nil
}

// resolvePath makes p absolute: ~ and ~/… expand to home, relative paths
// resolve against dir; an empty p means def.
func resolvePath(dir, home, p, def string) string {
	if p == "" {
		p = def
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		if home == "" {
			home, _ = os.UserHomeDir()
		}
		p = filepath.Join(home, p[1:])
	}
	if !filepath.IsAbs(p) {
		p = filepath.Join(dir, p)
	}
	return filepath.Clean(p)
}

// tagPattern is Docker's tag grammar.
var tagPattern = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$`)

// resolveTags picks the -t tags over the configured ones, replaces every '#'
// with a random letter and checks each tag. It returns the tags and, for
// each, the template it came from. No tags gives nil.
func resolveTags(configured, flags []string) (tags, templates []string, err error) {
	src := configured
	if len(flags) > 0 {
		src = flags
	}
	seen := map[string]bool{}
	for _, tmpl := range src {
		tmpl = strings.TrimSpace(tmpl)
		t := randomizeHashes(tmpl)
		if !tagPattern.MatchString(t) {
			return nil, nil, fmt.Errorf("tag %q is not a valid tag: use letters, digits, '_', '.' and '-' (at most 128, not starting with '.' or '-')", t)
		}
		if !seen[t] {
			seen[t] = true
			tags, templates = append(tags, t), append(templates, tmpl)
		}
	}
	return tags, templates, nil
}

// matchTemplates says whether tags could have come from templates: the
// same number, each equal but for a letter wherever its template has '#'.
func matchTemplates(templates, tags []string) bool {
	if len(templates) != len(tags) {
		return false
	}
	for i, tmpl := range templates {
		if len(tmpl) != len(tags[i]) {
			return false
		}
		for j := range len(tmpl) {
			c := tags[i][j]
			if tmpl[j] == '#' && !strings.ContainsRune(letters, rune(c)) || tmpl[j] != '#' && tmpl[j] != c {
				return false
			}
		}
	}
	return true
}

const letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"

func randomizeHashes(tag string) string {
	if !strings.Contains(tag, "#") {
		return tag
	}
	b := []byte(tag)
	for i, c := range b {
		if c == '#' {
			b[i] = letters[rand.IntN(len(letters))]
		}
	}
	return string(b)
}
