package engine

import (
	"strings"

	"mvdan.cc/sh/v3/expand"
)

// environ is the environment a script starts with: the process environment
// plus the config's variables, and, asked at every expansion, the live
// runtime variables (${runtime.images.app.tag}).
type environ struct {
	base expand.Environ
	e    *Engine
}

// Env returns the environment a script starts with: the config variables
// (exported, like DevSpace does) over the process environment and extra
// (KEY=VALUE), plus live runtime variables.
func (e *Engine) Env(extra ...string) expand.Environ {
	pairs := append(append([]string{}, e.environ...), extra...)
	if e.config != nil {
		for k, v := range e.config.Variables {
			if !strings.Contains(k, ".") {
				pairs = append(pairs, k+"="+v)
			}
		}
	}
	return &environ{base: expand.ListEnviron(pairs...), e: e}
}

func (env *environ) Get(name string) expand.Variable {
	if original, ok := env.e.names.original(name); ok {
		return env.dotted(original)
	}
	return env.base.Get(name)
}

// dotted resolves a name that was written with dots in the script.
func (env *environ) dotted(name string) expand.Variable {
	if rest, ok := strings.CutPrefix(name, "runtime."); ok {
		val, err := env.e.runtime.Lookup(rest)
		if err != nil {
			return expand.Variable{}
		}
		return expand.Variable{Set: true, Kind: expand.String, Str: val, ReadOnly: true}
	}
	if env.e.config != nil {
		if val, ok := env.e.config.Variables[name]; ok {
			return expand.Variable{Set: true, Kind: expand.String, Str: val}
		}
	}
	return expand.Variable{}
}

func (env *environ) Each(f func(name string, vr expand.Variable) bool) {
	env.base.Each(f)
}

// execEnv lists the exported variables of a shell environment as KEY=VALUE
// for a child process.
func execEnv(env expand.Environ) []string {
	var list []string
	for name, vr := range env.Each {
		if !vr.IsSet() || !vr.Exported {
			continue
		}
		list = append(list, name+"="+vr.String())
	}
	return list
}
