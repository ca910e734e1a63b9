package config

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/spf13/pflag"
)

// BuildOptions are the `docker build` / `docker buildx build` flags of an
// image's docker.args or buildKit.args, understood: devspace runs no docker
// CLI, it hands these to BuildKit itself.
type BuildOptions struct {
	BuildArgs map[string]*string // --build-arg K=V (nil: from the environment)
	Target    string             // --target
	Network   string             // --network
	Labels    map[string]string  // --label K=V
	AddHosts  []string           // --add-host host:ip
	NoCache   bool               // --no-cache
	Pull      bool               // --pull
	Secrets   []BuildSecret      // --secret
	SSH       []BuildSSH         // --ssh
	CacheFrom []BuildCache       // --cache-from
	CacheTo   []BuildCache       // --cache-to
	// Platforms are --platform os/arch[/variant] (repeated or comma
	// separated), each once, in the order given: several build one
	// multi-platform image (an OCI index).
	Platforms []string
	// Contexts are the --build-context NAME=VALUE, in the order given:
	// what `FROM NAME` and `COPY --from=NAME` read. They need a BuildKit
	// daemon of devspace's own (see NeedsOwnBuildKit).
	Contexts []BuildContext
}

// BuildContext is one --build-context: Value is a local directory
// (relative to the config's directory), docker-image://REF or a URL
// (a Git repository or a tarball), as buildx takes it.
type BuildContext struct {
	Name, Value string
}

// Local says whether c names a local directory, which the build session
// serves; anything else the daemon fetches itself.
func (c BuildContext) Local() bool {
	return !strings.Contains(c.Value, "://") && !strings.HasPrefix(c.Value, "git@")
}

// NeedsOwnBuildKit says whether o asks for what only a BuildKit daemon
// that devspace talks to directly can build: several platforms (an OCI
// index, which the Docker Engine's image store cannot hold) or named
// build contexts (which the Engine's /build endpoint cannot take).
func (o BuildOptions) NeedsOwnBuildKit() bool {
	return len(o.Platforms) > 1 || len(o.Contexts) > 0
}

// BuildCache is one --cache-from or --cache-to: a cache of Type registry
// (Attrs ref=IMAGE), inline (the image carries its own cache metadata;
// --cache-to only) or local (a directory: src= to import, dest= to
// export), with the rest of buildx's attributes (mode=max, …) passed on.
type BuildCache struct {
	Type  string
	Attrs map[string]string
}

// BuildSecret is one --secret: what `RUN --mount=type=secret,id=ID` reads,
// from the environment variable Env or the file Src (relative to the
// config's directory). Only names are held here, never the value.
type BuildSecret struct {
	ID, Env, Src string
}

// BuildSSH is one --ssh: the agent sockets or key files that `RUN
// --mount=type=ssh,id=ID` reaches (none: $SSH_AUTH_SOCK).
type BuildSSH struct {
	ID    string
	Paths []string
}

// Empty says whether no option is set.
func (o BuildOptions) Empty() bool {
	return len(o.BuildArgs) == 0 && o.Target == "" && o.Network == "" && len(o.Labels) == 0 &&
		len(o.AddHosts) == 0 && !o.NoCache && !o.Pull && len(o.Secrets) == 0 && len(o.SSH) == 0 &&
		len(o.CacheFrom) == 0 && len(o.CacheTo) == 0 && len(o.Platforms) == 0 && len(o.Contexts) == 0
}

// refusedBuildFlags are buildx flags that devspace does not honour (yet),
// with what to do instead. Unknown flags are refused too.
var refusedBuildFlags = map[string]string{
	"tag":      "set the tags with images.*.tags",
	"file":     "set the Dockerfile with images.*.dockerfile",
	"push":     "devspace pushes unless images.*.skipPush (or --skip-push) is set",
	"load":     "images built on the Docker Engine are in its image store already",
	"output":   "devspace chooses the output: the daemon's image store, pushed to the registry",
	"progress": "devspace prints BuildKit's progress as plain lines",
	"builder":  "use images.*.buildKit.inCluster to build on another BuildKit daemon",
}

// buildFlags is a flag set that knows the honoured flags and the refused
// ones (so that a refused one is reported by name, not as unknown).
func buildFlags(o *BuildOptions, raw *rawBuildFlags) *pflag.FlagSet {
	fs := pflag.NewFlagSet("args", pflag.ContinueOnError)
	fs.SetOutput(discard{})
	fs.SortFlags = false
	fs.StringArrayVar(&raw.buildArgs, "build-arg", nil, "")
	fs.StringVar(&o.Target, "target", "", "")
	fs.StringVar(&o.Network, "network", "", "")
	fs.StringArrayVar(&raw.labels, "label", nil, "")
	fs.StringSliceVar(&o.AddHosts, "add-host", nil, "")
	fs.BoolVar(&o.NoCache, "no-cache", false, "")
	fs.BoolVar(&o.Pull, "pull", false, "")
	fs.StringArrayVar(&raw.secrets, "secret", nil, "")
	fs.StringArrayVar(&raw.ssh, "ssh", nil, "")
	fs.StringArrayVar(&raw.cacheFrom, "cache-from", nil, "")
	fs.StringArrayVar(&raw.cacheTo, "cache-to", nil, "")
	fs.StringSliceVar(&raw.platforms, "platform", nil, "")
	fs.StringArrayVar(&raw.contexts, "build-context", nil, "")
	// The refused ones are known only to be named in the error.
	shorthands := map[string]string{"tag": "t", "file": "f", "output": "o"}
	for _, name := range slices.Sorted(maps.Keys(refusedBuildFlags)) {
		if name == "push" || name == "load" {
			fs.BoolP(name, shorthands[name], false, "")
		} else {
			fs.StringArrayP(name, shorthands[name], nil, "")
		}
	}
	return fs
}

type rawBuildFlags struct {
	buildArgs, labels, secrets, ssh, cacheFrom, cacheTo, platforms, contexts []string
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// BuildArgsError is a refused docker.args / buildKit.args element: Index
// is the element's position in the list.
type BuildArgsError struct {
	Index int
	Msg   string
}

func (e *BuildArgsError) Error() string { return e.Msg }

// ParseBuildArgs understands args in buildx's flag syntax. A flag devspace
// cannot honour, an unknown one or a malformed value is an error naming
// the element that has it.
func ParseBuildArgs(args []string) (BuildOptions, error) {
	var o BuildOptions
	var raw rawBuildFlags
	fs := buildFlags(&o, &raw)
	for i := 0; i < len(args); {
		n, err := parseOneFlag(fs, args[i:])
		if err != nil {
			return BuildOptions{}, &BuildArgsError{Index: i, Msg: err.Error()}
		}
		if err := o.absorb(&raw); err != nil {
			return BuildOptions{}, &BuildArgsError{Index: i, Msg: err.Error()}
		}
		i += n
	}
	return o, nil
}

// parseOneFlag parses the flag at args[0] (and its value in args[1] when
// it is written apart) and returns how many elements it used.
func parseOneFlag(fs *pflag.FlagSet, args []string) (int, error) {
	a := args[0]
	f, hasValue, isFlag := flagAt(fs, a)
	if !isFlag {
		return 0, fmt.Errorf("%q is not a flag: the build context is images.*.context, and args hold only build flags", a)
	}
	if f == nil {
		return 0, fmt.Errorf("unknown build flag %s: devspace understands --build-arg, --target, --network, --label, --add-host, --no-cache, --pull, --secret, --ssh, --cache-from, --cache-to, --platform and --build-context", a)
	}
	if why, refused := refusedBuildFlags[f.Name]; refused {
		return 0, fmt.Errorf("--%s is not supported here: %s", f.Name, why)
	}
	return parseFlagAt(fs, f, hasValue, args)
}

// absorb moves the list flags parsed so far into o, checked, and empties
// them for the next flag.
func (o *BuildOptions) absorb(raw *rawBuildFlags) error {
	defer func() { *raw = rawBuildFlags{} }()
	for _, kv := range raw.buildArgs {
		k, v, ok := strings.Cut(kv, "=")
		if k == "" {
			return fmt.Errorf("--build-arg %q: want NAME=VALUE (or NAME, to pass it from the environment)", kv)
		}
		if o.BuildArgs == nil {
			o.BuildArgs = map[string]*string{}
		}
		if ok {
			o.BuildArgs[k] = &v
		} else {
			o.BuildArgs[k] = nil
		}
	}
	for _, kv := range raw.labels {
		k, v, _ := strings.Cut(kv, "=")
		if k == "" {
			return fmt.Errorf("--label %q: want KEY=VALUE", kv)
		}
		if o.Labels == nil {
			o.Labels = map[string]string{}
		}
		o.Labels[k] = v
	}
	for _, h := range o.AddHosts {
		if host, ip, ok := strings.Cut(h, ":"); !ok || host == "" || ip == "" {
			return fmt.Errorf("--add-host %q: want HOST:IP", h)
		}
	}
	for _, s := range raw.secrets {
		sec, err := parseSecret(s)
		if err != nil {
			return err
		}
		o.Secrets = append(o.Secrets, sec)
	}
	for _, s := range raw.ssh {
		ssh, err := parseSSH(s)
		if err != nil {
			return err
		}
		o.SSH = append(o.SSH, ssh)
	}
	for _, s := range raw.cacheFrom {
		c, err := parseCache("--cache-from", s)
		if err != nil {
			return err
		}
		o.CacheFrom = append(o.CacheFrom, c)
	}
	for _, s := range raw.cacheTo {
		c, err := parseCache("--cache-to", s)
		if err != nil {
			return err
		}
		o.CacheTo = append(o.CacheTo, c)
	}
	for _, p := range raw.platforms {
		if err := checkPlatform(p); err != nil {
			return err
		}
		if !slices.Contains(o.Platforms, p) {
			o.Platforms = append(o.Platforms, p)
		}
	}
	for _, s := range raw.contexts {
		c, err := parseBuildContext(s)
		if err != nil {
			return err
		}
		if slices.ContainsFunc(o.Contexts, func(d BuildContext) bool { return d.Name == c.Name }) {
			return fmt.Errorf("--build-context %q: context %q is named twice", s, c.Name)
		}
		o.Contexts = append(o.Contexts, c)
	}
	return nil
}

// parseBuildContext reads buildx's --build-context value NAME=VALUE.
// oci-layout:// (a local OCI layout) and target: (a bake target) need
// what devspace does not serve, and are refused.
func parseBuildContext(s string) (BuildContext, error) {
	name, value, _ := strings.Cut(s, "=")
	switch {
	case name == "" || value == "":
		return BuildContext{}, fmt.Errorf("--build-context %q: want NAME=VALUE, VALUE a directory, docker-image://IMAGE or a URL", s)
	case strings.HasPrefix(value, "oci-layout://"):
		return BuildContext{}, fmt.Errorf("--build-context %q: oci-layout contexts are not supported: push the layout to a registry and use docker-image://IMAGE", s)
	case strings.HasPrefix(value, "target:"):
		return BuildContext{}, fmt.Errorf("--build-context %q: target: contexts are bake's: build that image as another devspace image and use docker-image://IMAGE", s)
	}
	return BuildContext{Name: name, Value: value}, nil
}

// NeedsOwnBuildKitArgs says whether args ask for what only a BuildKit
// daemon devspace talks to directly can build (see NeedsOwnBuildKit).
// Args that do not parse ask for nothing: their load refused them
// already.
func NeedsOwnBuildKitArgs(args []string) bool {
	if len(args) == 0 {
		return false
	}
	o, err := ParseBuildArgs(args)
	return err == nil && o.NeedsOwnBuildKit()
}

// checkPlatform accepts what BuildKit does for one platform:
// os/arch[/variant], lower case.
func checkPlatform(p string) error {
	parts := strings.Split(p, "/")
	if len(parts) < 2 || len(parts) > 3 || slices.Contains(parts, "") || strings.ToLower(p) != p {
		return fmt.Errorf("--platform %q: want OS/ARCH[/VARIANT], e.g. linux/arm64 or linux/arm/v7", p)
	}
	return nil
}

// parseCache reads buildx's --cache-from / --cache-to value:
// type=TYPE,KEY=VALUE,… or a bare image reference (a registry cache).
func parseCache(flag, s string) (BuildCache, error) {
	c := BuildCache{Attrs: map[string]string{}}
	if !strings.Contains(s, "=") {
		c.Type, c.Attrs["ref"] = "registry", s
	} else {
		for field := range strings.SplitSeq(s, ",") {
			k, v, ok := strings.Cut(field, "=")
			if !ok || k == "" {
				return BuildCache{}, fmt.Errorf("%s %q: %q is not KEY=VALUE (want type=registry,ref=IMAGE, type=inline or type=local,…)", flag, s, field)
			}
			if k == "type" {
				c.Type = v
			} else {
				c.Attrs[k] = v
			}
		}
	}
	export := flag == "--cache-to"
	switch {
	case c.Type == "":
		return BuildCache{}, fmt.Errorf("%s %q has no type: write type=registry,ref=IMAGE, type=inline or type=local", flag, s)
	case c.Type == "registry" && c.Attrs["ref"] == "":
		return BuildCache{}, fmt.Errorf("%s %q: type=registry needs ref=IMAGE, the image that holds the cache", flag, s)
	case c.Type == "inline" && !export:
		return BuildCache{}, fmt.Errorf("--cache-from %q: an inline cache is read from its image: write type=registry,ref=IMAGE (the image built with --cache-to type=inline)", s)
	case c.Type == "local" && export && c.Attrs["dest"] == "":
		return BuildCache{}, fmt.Errorf("--cache-to %q: type=local needs dest=DIR", s)
	case c.Type == "local" && !export && c.Attrs["src"] == "":
		return BuildCache{}, fmt.Errorf("--cache-from %q: type=local needs src=DIR", s)
	case c.Type != "registry" && c.Type != "inline" && c.Type != "local":
		return BuildCache{}, fmt.Errorf("%s %q: cache type %q is not supported: use registry, inline or local", flag, s, c.Type)
	}
	return c, nil
}

// parseSecret reads buildx's --secret value: id=ID[,env=VAR|,src=FILE]
// (source= for src, type=env|file). With neither, the variable named ID.
func parseSecret(s string) (BuildSecret, error) {
	var sec BuildSecret
	typ := ""
	for field := range strings.SplitSeq(s, ",") {
		k, v, ok := strings.Cut(field, "=")
		if !ok {
			return BuildSecret{}, fmt.Errorf("--secret %q: %q is not KEY=VALUE (want id=NAME,env=VAR or id=NAME,src=FILE)", s, field)
		}
		switch strings.ToLower(k) {
		case "id":
			sec.ID = v
		case "env":
			sec.Env = v
		case "src", "source":
			sec.Src = v
		case "type":
			typ = v
		default:
			return BuildSecret{}, fmt.Errorf("--secret %q: unknown key %q (want id, env, src or type)", s, k)
		}
	}
	switch typ {
	case "", "file", "env":
	default:
		return BuildSecret{}, fmt.Errorf("--secret %q: type %q: want file or env", s, typ)
	}
	if typ == "env" && sec.Env == "" {
		sec.Env, sec.Src = sec.Src, ""
	}
	switch {
	case sec.ID == "":
		return BuildSecret{}, fmt.Errorf("--secret %q has no id: write id=NAME, the id that RUN --mount=type=secret,id=NAME reads", s)
	case sec.Env != "" && sec.Src != "":
		return BuildSecret{}, fmt.Errorf("--secret %q: give env= or src=, not both", s)
	case sec.Env == "" && sec.Src == "":
		sec.Env = sec.ID
	}
	return sec, nil
}

// parseSSH reads buildx's --ssh value: ID[=PATH[,PATH…]], each PATH an
// agent socket or a private key file; "default" with no path is
// $SSH_AUTH_SOCK.
func parseSSH(s string) (BuildSSH, error) {
	id, paths, hasPaths := strings.Cut(s, "=")
	if id == "" {
		return BuildSSH{}, fmt.Errorf("--ssh %q has no id: write default, or ID=PATH (an agent socket or key file)", s)
	}
	out := BuildSSH{ID: id}
	if hasPaths {
		for p := range strings.SplitSeq(paths, ",") {
			if p == "" {
				return BuildSSH{}, fmt.Errorf("--ssh %q: an empty path", s)
			}
			out.Paths = append(out.Paths, p)
		}
	}
	return out, nil
}

// checkBuildArgs refuses, with its position, an element of an image's
// docker.args or buildKit.args that devspace cannot honour. It runs
// before the older `build:` block is folded, so it sees both places.
func (c *Config) checkBuildArgs(name string, img *Image) error {
	lists := map[string][]string{}
	if img.Docker != nil {
		lists["images."+name+".docker.args"] = img.Docker.Args
	}
	if img.BuildKit != nil {
		lists["images."+name+".buildKit.args"] = img.BuildKit.Args
	}
	if b := img.Build; b != nil && b.Docker != nil {
		lists["images."+name+".build.docker.args"] = b.Docker.Args
	}
	if b := img.Build; b != nil && b.BuildKit != nil {
		lists["images."+name+".build.buildKit.args"] = b.BuildKit.Args
	}
	for _, path := range slices.Sorted(maps.Keys(lists)) {
		_, err := ParseBuildArgs(lists[path])
		if err == nil {
			continue
		}
		var ae *BuildArgsError
		if errors.As(err, &ae) {
			at := fmt.Sprintf("%s[%d]", path, ae.Index)
			return c.ErrorAt(at, "%s: %s", at, ae.Msg)
		}
		return c.ErrorAt(path, "%s: %v", path, err)
	}
	return c.checkKanikoArgs(name, img)
}

// checkKanikoArgs refuses --build-context in an image's kaniko.args:
// kaniko's executor has no named contexts, and its pod would only fail
// on the unknown flag after the context was uploaded.
func (c *Config) checkKanikoArgs(name string, img *Image) error {
	lists := map[string][]string{}
	if img.Kaniko != nil {
		lists["images."+name+".kaniko.args"] = img.Kaniko.Args
	}
	if b := img.Build; b != nil && b.Kaniko != nil {
		lists["images."+name+".build.kaniko.args"] = b.Kaniko.Args
	}
	for _, path := range slices.Sorted(maps.Keys(lists)) {
		for i, a := range lists[path] {
			if a == "--build-context" || strings.HasPrefix(a, "--build-context=") {
				at := fmt.Sprintf("%s[%d]", path, i)
				return c.ErrorAt(at, "%s: kaniko has no named build contexts (--build-context is BuildKit's): build this image with docker: or buildKit: (buildKit.inCluster builds in the cluster too)", at)
			}
		}
	}
	return nil
}
