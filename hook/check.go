package hook

import (
	"fmt"
	"slices"
	"strings"

	"github.com/devspace-engine/devspace/config"
)

// validName says whether a hook's name is a word that can stand in
// ${runtime.hooks.NAME.stdout}.
func validName(name string) bool {
	return name != "" && strings.Trim(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == ""
}

// Check refuses hooks that could never run as written, at their place in
// devspace.yaml: no events, an event no core emits (a typo would
// otherwise be a hook that silently never runs), no action or several,
// or a container action without `container:`.
func Check(cfg *config.Config) error {
	for i, h := range cfg.Hooks {
		at := fmt.Sprintf("hooks[%d]", i)
		if h == nil {
			return cfg.ErrorAt(at, "empty hook: give it `events:` and a `command:`")
		}
		if err := checkHook(cfg, at, h); err != nil {
			return err
		}
	}
	return nil
}

func checkHook(cfg *config.Config, at string, h *config.Hook) error {
	if len(h.Events) == 0 {
		return cfg.ErrorAt(at, "hook %q has no `events:`: name when it runs, e.g. before:build or after:deploy:NAME", displayName(h))
	}
	for j, ev := range h.Events {
		if !Known(ev) {
			return cfg.ErrorAt(fmt.Sprintf("%s.events[%d]", at, j),
				"no step emits the event %q: use before:/after:/error:/skip: with build, deploy or render (and :NAME or :*), "+
					"before:/after:/error: with purge, before:/after: with deployDependencies and the like, before:/after:/error: with createPullSecrets or resolveDependencies, "+
					"devCommand:before:execute (and the other commands' :after:execute, :error, :interrupt), devCommand:before:sync, "+
					"start:/restart:/error:/stop: with sync or portForwarding and :NAME, or before:/after:/error:initialSync:NAME", ev)
		}
	}
	if h.Name != "" && !validName(h.Name) {
		return cfg.ErrorAt(at+".name", "hook name %q: use letters, digits, '-' and '_' (it is read as ${runtime.hooks.NAME.stdout})", h.Name)
	}
	if err := checkOS(cfg, at, h.OS); err != nil {
		return err
	}
	actions := 0
	for _, set := range []bool{h.Command != "", h.Upload != nil, h.Download != nil, h.Logs != nil, h.Wait != nil} {
		if set {
			actions++
		}
	}
	switch {
	case actions == 0 && len(h.Args) > 0:
		return cfg.ErrorAt(at+".args", "hook has `args:` but no `command:` to pass them to")
	case actions == 0:
		return cfg.ErrorAt(at, "hook has nothing to do: set `command:`, or `container:` with `upload:`, `download:`, `logs:` or `wait:`")
	case actions > 1:
		return cfg.ErrorAt(at, "a hook does one thing: `command:`, `upload:`, `download:`, `logs:` and `wait:` exclude each other")
	case h.Container == nil && h.Command == "":
		return cfg.ErrorAt(at, "`upload:`, `download:`, `logs:` and `wait:` act in a container: add `container:` to say which")
	}
	return nil
}

// systems are the GOOS values `os:` may name.
var systems = []string{"aix", "android", "darwin", "dragonfly", "freebsd", "illumos", "ios", "js", "linux", "netbsd", "openbsd", "plan9", "solaris", "wasip1", "windows"}

// checkOS refuses an `os:` entry that is no system's name: the hook would
// never run (macOS is darwin).
func checkOS(cfg *config.Config, at, filter string) error {
	if strings.TrimSpace(filter) == "" {
		return nil
	}
	for _, s := range strings.Split(filter, ",") {
		if !slices.Contains(systems, strings.TrimSpace(s)) {
			return cfg.ErrorAt(at+".os", "os %q: not a system name; use a comma-separated list of %s (macOS is darwin)", strings.TrimSpace(s), strings.Join(systems, ", "))
		}
	}
	return nil
}
