package engine

import (
	"fmt"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/syntax"

	"github.com/devspace-engine/devspace/config"
)

// notFound explains a command that is neither a function, a builtin nor a
// program: where the script calls it and, for a typo, the builtin or
// function meant (`build_imagez` → build_images).
func (e *Engine) notFound(s Script, pos syntax.Pos, name string, lookErr error) error {
	msg := lookErr.Error()
	suggestion := ""
	if !strings.Contains(name, "/") {
		msg = name + ": command not found"
		suggestion = config.Suggest(strings.TrimPrefix(name, "__"), e.callableNames())
	}
	if s.Source.Line == 0 || e.config == nil || !pos.IsValid() {
		if suggestion != "" {
			msg += fmt.Sprintf(" (did you mean %s?)", suggestion)
		}
		return fmt.Errorf("%s: %s", s.Name, msg)
	}
	err := e.config.ErrorInScript(s.Source, int(pos.Line()), int(pos.Col()), msg)
	if suggestion != "" {
		err.Hint = fmt.Sprintf("did you mean %s?", suggestion)
	}
	return err
}

// callableNames lists the builtins and the config's functions, sorted.
func (e *Engine) callableNames() []string {
	names := make([]string, 0, len(e.builtins))
	for name := range e.builtins {
		names = append(names, name)
	}
	if e.config != nil {
		for name := range e.config.Functions {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	return names
}
