package config

import (
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"regexp"
	"runtime"
	"sort"
	"strings"
	"syscall"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/devspace-engine/devspace/lifecycle"
)

var varNamePattern = regexp.MustCompile(`^[A-Za-z0-9]([A-Za-z0-9\-_]*[A-Za-z0-9])?$`)

// varResolver resolves `vars:` entries, following references between them.
type varResolver struct {
	l        *loader
	defs     map[string]*Var
	flags    map[string]string
	env      map[string]string
	resolved map[string]string
	active   map[string]bool // cycle detection
}

func (l *loader) resolveVars(name string, profiles []string) (map[string]string, error) {
	r, err := l.newVarResolver(name, profiles)
	if err != nil {
		return nil, err
	}
	if err := r.loadEnvFile(); err != nil {
		return nil, err
	}
	names := make([]string, 0, len(r.defs))
	for k := range r.defs {
		names = append(names, k)
	}
	sort.Strings(names)
	var used map[string]bool
	for _, k := range names {
		if !varNamePattern.MatchString(k) {
			return nil, l.errorAtPath("vars."+k+"#key", "invalid variable name %q: use letters, digits, '-' and '_'", k)
		}
		if d := r.defs[k]; d != nil && d.AlwaysResolve != nil && !*d.AlwaysResolve {
			if used == nil {
				used = l.referencedVars()
			}
			if !used[k] {
				continue // DevSpace resolves such a var only where it is used
			}
		}
		if _, err := r.get(k); err != nil {
			noteVarSecrets(l.opts.Secrets, r.defs, r.resolved)
			return nil, err
		}
	}
	noteVarSecrets(l.opts.Secrets, r.defs, r.resolved)
	return r.resolved, nil
}

// newVarResolver prepares the resolution of this tree's `vars:` with the
// predefined variables and --var flags already known.
func (l *loader) newVarResolver(name string, profiles []string) (*varResolver, error) {
	r := &varResolver{l: l, defs: map[string]*Var{}, env: envMap(l.opts.Environ),
		resolved: map[string]string{}, active: map[string]bool{}}
	if err := l.decodeSection("vars", &r.defs); err != nil {
		return nil, err
	}
	flags, err := parseVarFlags(l.opts.Vars)
	if err != nil {
		return nil, err
	}
	r.flags = flags
	for k, v := range l.predefined(name, profiles) {
		r.resolved[k] = v
	}
	for k, v := range flags {
		r.resolved[k] = v
	}
	return r, nil
}

// decodeSection decodes one top-level section strictly into out.
func (l *loader) decodeSection(section string, out any) error {
	mv := lookup(l.root, section)
	if mv == nil {
		return nil
	}
	if err := l.nodeToValue(mv.Value, out, yaml.DisallowUnknownField()); err != nil {
		return l.fromYAML(err)
	}
	return nil
}

func (l *loader) errorAtPath(path, format string, args ...any) *Error {
	if prefix, rest, ok := strings.Cut(path, ":"); ok && strings.HasPrefix(prefix, "@") && l.elsewhere[prefix+":"] != nil {
		return l.elsewhere[prefix+":"].errorAtPath(rest, format, args...)
	}
	p, ok := index(l.path, l.root)[path]
	if !ok {
		return l.errorf(0, 0, format, args...)
	}
	return l.errorf(p.Line, p.Col, format, args...)
}

// get resolves one variable by name, from its definition or the environment.
func (r *varResolver) get(name string) (string, error) {
	if v, ok := r.resolved[name]; ok {
		return v, nil
	}
	def, ok := r.defs[name]
	if !ok {
		if v, ok := r.env[name]; ok {
			return v, nil
		}
		return "", fmt.Errorf("variable %q is not defined", name)
	}
	if r.active[name] {
		return "", r.l.errorAtPath("vars."+name, "variable %q refers to itself through other variables", name)
	}
	r.active[name] = true
	defer delete(r.active, name)
	val, err := r.fromDefinition(name, def)
	if err != nil {
		return "", err
	}
	r.resolved[name] = val
	return val, nil
}

func (r *varResolver) fromDefinition(name string, def *Var) (string, error) {
	if def == nil { // `NAME:` with nothing after it: as `NAME: {}`
		def = &Var{}
	}
	if def.Value != nil && def.Default != nil {
		return "", r.l.errorAtPath("vars."+name, "variable %q sets both value and default: keep one", name)
	}
	if def.Value != nil {
		return r.valueOf(name, "value", def.Value)
	}
	if def.Command != "" || len(def.Commands) > 0 {
		return r.runCommand(name, def)
	}
	source := def.Source
	if source == "" {
		source = "all"
	}
	if source == "env" || source == "all" {
		if v, ok := r.env[name]; ok {
			return v, nil
		}
	}
	if source == "input" || source == "all" {
		if v, ok, err := r.fromUser(name, def, source); ok || err != nil {
			return v, err
		}
	}
	if def.Default != nil {
		return r.valueOf(name, "default", def.Default)
	}
	err := r.l.errorAtPath("vars."+name+"#key", "variable %q has no value", name)
	switch source {
	case "env":
		err.Hint = fmt.Sprintf("set %s in the environment, give it a default, or pass --var %s=VALUE", name, name)
	case "none":
		err.Hint = "give it a value or a default"
	default:
		err.Hint = fmt.Sprintf("this run cannot ask for input: pass --var %s=VALUE, set %s in the environment, or give it a default", name, name)
	}
	return "", err
}

// expand substitutes ${OTHER} references inside a variable's own value.
func (r *varResolver) expand(name, s string) (string, error) {
	var firstErr error
	out := varRef.ReplaceAllStringFunc(s, func(ref string) string {
		v, err := r.get(ref[2 : len(ref)-1])
		if err != nil && firstErr == nil {
			firstErr = err
		}
		return v
	})
	if firstErr != nil {
		if _, ok := firstErr.(*Error); ok {
			return "", firstErr
		}
		return "", r.l.errorAtPath("vars."+name, "variable %q: %v", name, firstErr)
	}
	return out, nil
}

// runCommand takes a variable's value from a command's trimmed stdout.
func (r *varResolver) runCommand(name string, def *Var) (string, error) {
	command, args := def.Command, def.Args
	for _, c := range def.Commands {
		if c.OS == "" || strings.Contains(c.OS, runtime.GOOS) {
			command, args = c.Command, c.Args
			break
		}
	}
	command, err := r.expand(name, command)
	if err != nil {
		return "", err
	}
	if r.l.noCommands {
		return "", r.l.errorAtPath("vars."+name, "variable %q: commands are not run here", name)
	}
	if len(args) == 0 { // run by a shell, which may read config variables
		if err := r.resolveShellRefs(name, command); err != nil {
			return "", err
		}
	}
	var cmd *exec.Cmd
	if len(args) == 0 {
		cmd = exec.Command("sh", "-c", command)
	} else {
		cmd = exec.Command(command, args...)
	}
	cmd.Dir = r.l.dir()
	cmd.Env = r.childEnv()
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := r.run(cmd); err != nil {
		e := r.l.errorAtPath("vars."+name, "variable %q: command %q failed: %v", name, command, err)
		if msg := strings.TrimSpace(stderr.String()); msg != "" {
			e.Hint = msg
		}
		return "", e
	}
	return strings.TrimSpace(stdout.String()), nil
}

// childGrace is how long a program the loader runs (a variable's command,
// git) has between SIGTERM and SIGKILL when the run is cancelled.
const childGrace = 2 * time.Second

// run runs a variable's command, which inherits DEVSPACE_TMPDIR.
func (r *varResolver) run(cmd *exec.Cmd) error {
	if _, err := r.l.opts.TmpDir.Ensure(); err != nil {
		return err
	}
	return r.l.runChild(cmd)
}

// runChild runs a program for the loader in its own process group (unless
// on a terminal), recorded in the lifecycle registry, and ends it when the
// load's context is cancelled (Ctrl-C while a `$(command)` runs).
func (l *loader) runChild(cmd *exec.Cmd) error {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: !l.opts.Terminal}
	ctx := l.opts.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if err := lifecycle.Run(ctx, cmd, childGrace); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("interrupted: %w", context.Cause(ctx))
		}
		return err
	}
	return nil
}

// shellRef matches $NAME and ${NAME} as the shell reads them.
var shellRef = regexp.MustCompile(`\$\{?([A-Za-z_][A-Za-z0-9_]*)`)

// resolveShellRefs resolves the config variables a shell command reads
// from its environment ($B), so that it sees them whatever their order in
// the file. Its own name is left to the OS environment (PATH: $(echo $PATH:/x)).
func (r *varResolver) resolveShellRefs(name, command string) error {
	for _, m := range shellRef.FindAllStringSubmatch(command, -1) {
		if _, defined := r.defs[m[1]]; defined && m[1] != name {
			if _, err := r.get(m[1]); err != nil {
				return err
			}
		}
	}
	return nil
}

// childEnv is the OS environment plus the variables resolved so far.
func (r *varResolver) childEnv() []string {
	env := append([]string{}, r.l.opts.Environ...)
	for k, v := range r.resolved {
		if !strings.Contains(k, ".") {
			env = append(env, k+"="+v)
		}
	}
	return env
}

func parseVarFlags(flags []string) (map[string]string, error) {
	out := map[string]string{}
	for _, f := range flags {
		k, v, ok := strings.Cut(f, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("--var %q: expected KEY=VALUE", f)
		}
		out[k] = v
	}
	return out, nil
}

func envMap(environ []string) map[string]string {
	m := make(map[string]string, len(environ))
	for _, kv := range environ {
		if k, v, ok := strings.Cut(kv, "="); ok {
			m[k] = v
		}
	}
	return m
}
