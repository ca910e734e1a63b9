package config

import (
	"bytes"
	"errors"
	"fmt"
	"os/exec"
	"regexp"
	"strconv"
	"strings"

	"github.com/Masterminds/semver/v3"
)

// defaultVersionArgs are tried in turn: DevSpace's `NAME version`, then
// `NAME --version`; defaultVersionRegEx is DevSpace's, the first vX.Y.Z.
var (
	defaultVersionArgs  = [][]string{{"version"}, {"--version"}}
	defaultVersionRegEx = `(v\d+\.\d+\.\d+)`
)

// checkRequire verifies `require:` before anything of the config runs: this
// devspace's version, and the commands the project needs. Every miss is
// reported, each at its entry's position.
func (l *loader) checkRequire(c *Config) error {
	if c.Require == nil {
		return nil
	}
	var errs []error // require.plugins is refused earlier (Unsupported)
	if c.Require.DevSpace != "" {
		if err := c.checkDevSpaceVersion(l.opts.Version); err != nil {
			errs = append(errs, err)
		}
	}
	for i, rc := range c.Require.Commands {
		if err := l.checkCommand(c, i, rc); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// versionConstraint parses a semver range written at path. Pre-releases
// match a range too: a build of this devspace from a branch
// (v1.2.0-dev) satisfies `>= 1.0`.
func (c *Config) versionConstraint(path, text string) (*semver.Constraints, error) {
	con, err := semver.NewConstraint(text)
	if err != nil {
		e := c.ErrorAt(path, "invalid version constraint %q: %v", text, err)
		e.Hint = "write a semver range such as \">= 6.0\", \"~6.2\" or \">= 1.2, < 2\""
		return nil, e
	}
	con.IncludePrerelease = true
	return con, nil
}

func (c *Config) checkDevSpaceVersion(version string) error {
	con, err := c.versionConstraint("require.devspace", c.Require.DevSpace)
	if err != nil {
		return err
	}
	v, err := semver.NewVersion(version)
	if err != nil {
		return c.ErrorAt("require.devspace", "this devspace's version %q is not a semantic version, so it cannot be checked against %q", version, c.Require.DevSpace)
	}
	if !con.Check(v) {
		e := c.ErrorAt("require.devspace", "this project requires devspace %s, but this devspace is %s", c.Require.DevSpace, version)
		e.Hint = "install a devspace whose version matches " + strconv.Quote(c.Require.DevSpace)
		return e
	}
	return nil
}

// checkCommand runs one required command with its version arguments and
// checks the version it prints.
func (l *loader) checkCommand(c *Config, i int, rc RequireCommand) error {
	at := fmt.Sprintf("require.commands[%d]", i)
	if rc.Name == "" {
		return c.ErrorAt(at, "require.commands[%d] has no `name:` (the command that must be installed)", i)
	}
	if rc.Version == "" {
		return c.ErrorAt(at, "required command %q has no `version:` (a semver range such as \">= 1.2\")", rc.Name)
	}
	con, err := c.versionConstraint(at+".version", rc.Version)
	if err != nil {
		return err
	}
	pattern := rc.VersionRegEx
	if pattern == "" {
		pattern = defaultVersionRegEx
	}
	re, err := regexp.Compile(pattern)
	if err != nil || re.NumSubexp() != 1 {
		e := c.ErrorAt(at+".versionRegEx", "versionRegEx %q must be a regular expression with one group, around the version", pattern)
		if err != nil {
			e.Msg += ": " + err.Error()
		}
		return e
	}
	if l.noCommands {
		return c.ErrorAt(at, "required command %q: commands are not run here", rc.Name)
	}
	shown, out, m, err := l.commandVersion(rc, re)
	if err != nil {
		e := c.ErrorAt(at+".name", "this project requires %s %s, but `%s` failed: %v", rc.Name, rc.Version, shown, err)
		e.Hint = fmt.Sprintf("install %s (version %s) and make sure it is on PATH", rc.Name, rc.Version)
		return e
	}
	if m == nil {
		e := c.ErrorAt(at, "this project requires %s %s, but `%s` printed no version matching %s: %q", rc.Name, rc.Version, shown, pattern, firstLine(out))
		e.Hint = "set `versionArgs:` and `versionRegEx:` to how this command shows its version"
		return e
	}
	v, err := semver.NewVersion(m[1])
	if err != nil {
		return c.ErrorAt(at, "this project requires %s %s, but `%s` printed %q, which is not a semantic version", rc.Name, rc.Version, shown, m[1])
	}
	if !con.Check(v) {
		e := c.ErrorAt(at+".version", "this project requires %s %s, but the installed %s is %s", rc.Name, rc.Version, rc.Name, m[1])
		e.Hint = fmt.Sprintf("install %s with a version that matches %q", rc.Name, rc.Version)
		return e
	}
	return nil
}

// commandVersion asks a required command for its version: with its
// versionArgs, else `NAME version` (DevSpace's default), then `NAME
// --version` (what most other tools answer). It returns the command line
// and output of the answer that matched re, else those of the first try
// (and its error, if it could not run).
func (l *loader) commandVersion(rc RequireCommand, re *regexp.Regexp) (shown, out string, m []string, err error) {
	tries := [][]string{rc.VersionArgs}
	if rc.VersionArgs == nil {
		tries = defaultVersionArgs
	}
	for i, args := range tries {
		line := strings.Join(append([]string{rc.Name}, args...), " ")
		o, runErr := l.versionOutput(rc.Name, args)
		if i == 0 {
			shown, out, err = line, o, runErr
		}
		if runErr != nil {
			continue
		}
		if found := re.FindStringSubmatch(o); found != nil {
			return line, o, found, nil
		}
	}
	return shown, out, nil, err
}

// versionOutput runs NAME ARGS in the config's directory and returns what
// it printed on stdout and stderr (some tools print their version on
// stderr).
func (l *loader) versionOutput(name string, args []string) (string, error) {
	cmd := exec.Command(name, args...)
	cmd.Dir = l.dir()
	cmd.Env = l.opts.Environ
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := l.runChild(cmd); err != nil {
		if msg := firstLine(out.String()); msg != "" {
			return "", fmt.Errorf("%w (%s)", err, msg)
		}
		return "", err
	}
	return out.String(), nil
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	line, _, _ := strings.Cut(s, "\n")
	return line
}
