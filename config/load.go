package config

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/devspace-engine/devspace/lifecycle"
	"github.com/devspace-engine/devspace/redact"
)

// SchemaVersion is the only devspace.yaml version this loader reads.
const SchemaVersion = "v2beta1"

// DefaultFile is the config file name looked for when none is given.
const DefaultFile = "devspace.yaml"

// LoadOptions says which config to load and how to resolve its variables.
type LoadOptions struct {
	// File is --config; empty means $DEVSPACE_CONFIG, then devspace.yaml in
	// Dir or one of its parents.
	File string
	// Dir is the directory to start from (the process working directory).
	Dir string
	// Environ is the OS environment, KEY=VALUE.
	Environ []string
	// Vars are --var KEY=VALUE flags; they win over everything else.
	Vars []string
	// Profiles are -p flags, applied in order after activated profiles.
	Profiles []string
	// DisableProfileActivation ignores profiles' activation rules.
	DisableProfileActivation bool
	// Namespace and KubeContext come from -n and --kube-context.
	Namespace, KubeContext string
	// Version is this binary's version (DEVSPACE_VERSION).
	Version string
	// TmpDir is the run's temporary directory (DEVSPACE_TMPDIR), made
	// here only if the file mentions it or a variable's command runs.
	TmpDir *lifecycle.TempDir
	// Context ends variables' commands when it is cancelled (Ctrl-C);
	// nil means they are not cancelled.
	Context context.Context
	// Terminal says that devspace runs on a terminal (stdin). Variables'
	// commands then stay in devspace's process group, the terminal's
	// foreground: in a group of their own they would be stopped on
	// reading /dev/tty (a login prompt). Ctrl-C reaches them directly.
	Terminal bool
	// Args is the command line after the program's name: config
	// expressions see it as $1…, as in DevSpace (`$([ "$1" = dev ] && …)`).
	Args []string
	// Prompt asks the user for a variable's value; nil in a non-interactive
	// run, where a variable that needs input is an error.
	Prompt func(v *Var) (string, error)
	// Stderr receives the output of variable commands' stderr.
	Stderr io.Writer
	// Secrets, when set, is filled with the config's secret values as soon
	// as they are known (password vars, values under secret-looking names,
	// credentials), so that even a load error can be printed masked.
	Secrets *redact.Set

	// keepRefused lets conversion tests look at a converted tree that holds
	// fields refused on load.
	keepRefused bool
}

// Find returns the absolute path of the config file to load.
func Find(opts LoadOptions) (string, error) {
	dir := opts.Dir
	if dir == "" {
		dir = mustGetwd()
	}
	file := opts.File
	if file == "" {
		file = lookupEnv(opts.Environ, "DEVSPACE_CONFIG")
	}
	if file != "" {
		if !filepath.IsAbs(file) {
			file = filepath.Join(dir, file)
		}
		if _, err := os.Stat(file); err != nil {
			return "", fmt.Errorf("config file %s not found: %w", file, errors.Unwrap(err))
		}
		return file, nil
	}
	var tried []string
	for d := dir; ; d = filepath.Dir(d) {
		candidate := filepath.Join(d, DefaultFile)
		if _, err := os.Stat(candidate); err == nil {
			return candidate, nil
		}
		tried = append(tried, candidate)
		if filepath.Dir(d) == d {
			break
		}
	}
	return "", &NotFoundError{Tried: tried}
}

// NotFoundError says that no devspace.yaml was found and where we looked.
type NotFoundError struct{ Tried []string }

func (e *NotFoundError) Error() string {
	return fmt.Sprintf("no %s found; looked in:\n  %s\ncreate one, pass --config FILE, or set DEVSPACE_CONFIG",
		DefaultFile, strings.Join(e.Tried, "\n  "))
}

// Load finds, reads and decodes a devspace.yaml.
func Load(opts LoadOptions) (*Config, error) {
	path, err := Find(opts)
	if err != nil {
		return nil, err
	}
	src, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, src, opts)
}

// Parse decodes config text that was read from path.
func Parse(path string, src []byte, opts LoadOptions) (*Config, error) {
	l := &loader{path: path, src: src, opts: opts}
	return l.load()
}

type loader struct {
	path string
	src  []byte
	opts LoadOptions
	root ast.Node
	// noCommands makes a variable that needs a command, and an import or
	// other source, an error instead of running git or reading other files
	// (fuzzing must not run what it generates).
	noCommands bool
	// files lists the files of this load (the config, then its imports);
	// base is where this loader's file's lines start (see lineStride),
	// and stack the chain of files that imported it, for cycles.
	files *fileTable
	base  int
	stack []string
	// elsewhere holds the loaders of other configs whose profiles were
	// applied here (profile parents with a source), by the prefix of their
	// paths ("@2:profiles[0]").
	elsewhere map[string]*loader
	// answers holds the remembered answers to questions, read on first use.
	answers map[string]string
}

func (l *loader) load() (*Config, error) {
	if err := l.parse(); err != nil {
		return nil, err
	}
	legacy, err := l.readVersion()
	if err != nil {
		return nil, err
	}
	if legacy != "" {
		if dropped := l.dropLegacyProfileFields(); len(dropped) > 0 {
			return nil, &LegacyError{Version: legacy, Fields: dropped}
		}
	}
	if err := l.normalize(); err != nil {
		return nil, err
	}
	if err := l.resolveImports(); err != nil {
		return nil, err
	}
	profiles, err := l.applyProfiles()
	if err != nil {
		return nil, err
	}
	if legacy != "" {
		if err := l.convertLegacyVars(legacy); err != nil {
			return nil, err
		}
	}
	// Again: a profile may bring in shorthands (`replace: {pipelines: {x: "…"}}`);
	// the entries already expanded are left alone.
	if err := l.normalize(); err != nil {
		return nil, err
	}
	// Before variables: a refused field fails before any question is
	// asked or command run. A DevSpace 5 tree is checked once converted,
	// where the paths are v2beta1's.
	if legacy == "" {
		if err := l.checkUnsupported(); err != nil {
			return nil, err
		}
	}
	name := l.projectName()
	vars, err := l.resolveVars(name, profiles)
	if err != nil {
		return nil, err
	}
	if err := l.substitute(vars); err != nil {
		return nil, err
	}
	ran, err := l.resolveExpressions(vars)
	if err != nil {
		return nil, err
	}
	if ran { // an expression's output may hold ${VAR}s too
		if err := l.substitute(vars); err != nil {
			return nil, err
		}
	}
	if legacy != "" {
		if err := l.convert(legacy); err != nil {
			return nil, err
		}
		if err := l.checkUnsupported(); err != nil {
			return nil, err
		}
	}
	cfg, err := l.decode()
	if err != nil {
		return nil, err
	}
	// The decoded name has its ${VAR}s substituted and profiles applied;
	// the early one (for DEVSPACE_NAME) is the text as written.
	if err := cfg.checkProjectName(); err != nil {
		return nil, err
	}
	cfg.Name = cmp.Or(cfg.Name, name)
	cfg.Variables = vars
	cfg.Environ = l.opts.Environ
	cfg.ActiveProfiles = profiles
	cfg.noteSecrets(l.opts.Secrets)
	if err := cfg.finish(); err != nil {
		return nil, err
	}
	if err := l.checkRequire(cfg); err != nil {
		return nil, err
	}
	return cfg, nil
}

// errorf positions an error at line:col of this loader's file, or, for a
// line of the merged tree, of the file it came from (see lineStride).
func (l *loader) errorf(line, col int, format string, args ...any) *Error {
	if line < lineStride {
		line += l.base
	}
	return l.table().errorf(line, col, format, args...)
}

// fromYAML turns a goccy error into a positioned Error.
func (l *loader) fromYAML(err error) error {
	var ye yaml.Error
	if !errors.As(err, &ye) || ye.GetToken() == nil || ye.GetToken().Position == nil {
		return fmt.Errorf("%s: %w", displayPath(l.path), err)
	}
	p := ye.GetToken().Position
	msg := l.explain(err, ye)
	if strings.Contains(msg, "not allowed in this context") {
		return l.indentError(p.Line, p.Column, msg)
	}
	e := l.errorf(p.Line, p.Column, "%s", msg)
	if strings.Contains(msg, "'\t'") {
		e.Hint = "YAML indentation must use spaces, not tabs"
	}
	return e
}

func (l *loader) parse() error {
	if len(l.src) > MaxFileSize {
		return fmt.Errorf("%s: larger than %d MiB, the most a config may be", displayPath(l.path), MaxFileSize>>20)
	}
	if err := l.checkDepth(); err != nil {
		return err
	}
	f, err := parser.ParseBytes(l.src, 0)
	if err != nil {
		return l.fromYAML(err)
	}
	for _, doc := range f.Docs {
		if err := l.checkAliases(doc); err != nil {
			return err
		}
		if err := l.checkTags(doc); err != nil {
			return err
		}
	}
	if len(f.Docs) == 0 || f.Docs[0].Body == nil {
		return l.errorf(1, 1, "the file is empty: it needs at least `version: %s`", SchemaVersion)
	}
	if len(f.Docs) > 1 {
		p := posOf(f.Docs[1].Body)
		if f.Docs[1].Start != nil {
			p = f.Docs[1].Start.Position // the `---`
		}
		return l.errorf(p.Line, p.Column, "only one YAML document is allowed in %s", DefaultFile)
	}
	l.root = f.Docs[0].Body
	if entries(l.root) == nil {
		p := l.root.GetToken().Position
		return l.errorf(p.Line, p.Column, "the top level must be a mapping (version: ..., pipelines: ...)")
	}
	return nil
}

// checkVersion refuses any version but v2beta1 (imported files).
func (l *loader) checkVersion() error {
	v, err := l.readVersion()
	if err == nil && v != "" {
		mv := lookup(l.root, "version")
		p := mv.Value.GetToken().Position
		return l.errorf(p.Line, p.Column, "version %s (DevSpace 5) is not allowed here: only the loaded devspace.yaml is converted; convert this file with `devspace print --convert`", v)
	}
	return err
}

// readVersion checks `version:` and returns the DevSpace 5 version the
// file is in, or "" for v2beta1.
func (l *loader) readVersion() (string, error) {
	mv := lookup(l.root, "version")
	if mv == nil {
		return "", l.errorf(1, 1, "missing `version: %s` at the top level", SchemaVersion)
	}
	v, ok := scalarText(mv.Value)
	if !ok {
		v = strings.TrimSpace(mv.Value.String()) // e.g. `version: 2`
	}
	switch {
	case v == SchemaVersion:
		return "", nil
	case isLegacyVersion(v):
		return v, nil
	}
	p := mv.Value.GetToken().Position
	return "", l.errorf(p.Line, p.Column, "unsupported config version %q: this devspace reads version %s, and converts %s (DevSpace 5)",
		v, SchemaVersion, strings.Join(legacyVersions, ", "))
}

// convert converts a DevSpace 5 tree (see convert.go) and says so on
// stderr; fields with no v2beta1 meaning are refused, all of them named.
// (print --convert, which leaves them out, uses ConvertFile.)
func (l *loader) convert(version string) error {
	dropped, _, err := l.convertLegacy(version)
	if err != nil {
		return err
	}
	if len(dropped) > 0 {
		return &LegacyError{Version: version, Fields: dropped}
	}
	if w := l.opts.Stderr; w != nil {
		fmt.Fprintf(w, "%s: version %s (DevSpace 5) converted to %s in memory; `devspace print --convert` prints the converted file\n",
			displayPath(l.path), version, SchemaVersion)
	}
	return nil
}

func (l *loader) projectName() string {
	if mv := lookup(l.root, "name"); mv != nil {
		if s, ok := scalarText(mv.Value); ok && s != "" {
			return s
		}
	}
	return defaultProjectName(filepath.Base(filepath.Dir(l.path)))
}

func (l *loader) decode() (*Config, error) {
	cfg := &Config{}
	if err := l.nodeToValue(l.root, cfg, yaml.DisallowUnknownField()); err != nil {
		return nil, l.fromYAML(err)
	}
	raw := map[string]any{}
	if err := l.nodeToValue(l.root, &raw); err != nil {
		return nil, l.fromYAML(err)
	}
	cfg.Raw = raw
	cfg.Path, cfg.Dir, cfg.Source = l.path, filepath.Dir(l.path), l.src
	cfg.positions = index(l.path, l.root)
	cfg.files = l.table()
	return cfg, nil
}

func mustGetwd() string {
	wd, err := os.Getwd()
	if err != nil {
		return "."
	}
	return wd
}

func lookupEnv(environ []string, key string) string {
	for i := len(environ) - 1; i >= 0; i-- {
		if k, v, ok := strings.Cut(environ[i], "="); ok && k == key {
			return v
		}
	}
	return ""
}
