package builtins

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/devspace-engine/devspace/engine"
)

// pendingSpec is a builtin whose core is not in this version yet. With
// --all and nothing configured it succeeds (there is nothing to do, and the
// default pipelines call it); anything else fails saying so.
type pendingSpec struct {
	name, usage, summary string
	// configured reports whether the config has anything for --all to act on.
	configured func(c *engine.Call) bool
}

func pending() []*engine.Builtin {
	specs := []pendingSpec{
		{"run_dependencies", "run_dependencies [--all | DEPENDENCY...] [flags]", "Run pipelines of dependencies.", func(c *engine.Call) bool { return len(c.Config().Dependencies) > 0 }},
	}
	out := make([]*engine.Builtin, 0, len(specs)+1)
	for _, s := range specs {
		s := s
		out = append(out, &engine.Builtin{Name: s.name, Usage: s.usage, Summary: s.summary + " (not available in this version yet)",
			New: func() engine.Command { return &pendingCmd{spec: s} }})
	}
	for _, b := range out {
		if b.Name == "run_dependencies" {
			out = append(out, alias("run_dependency_pipelines", b))
			break
		}
	}
	return out
}

func alias(name string, b *engine.Builtin) *engine.Builtin {
	a := *b
	a.Name = name
	return &a
}

type pendingCmd struct {
	spec pendingSpec
	all  bool
}

// Flags accepts --all and ignores the rest of the flags the real builtin
// will have, so that scripts written for it parse today.
func (p *pendingCmd) Flags(fs *pflag.FlagSet, _ *engine.Call) {
	fs.BoolVar(&p.all, "all", false, "act on every configured object")
	fs.ParseErrorsAllowlist.UnknownFlags = true
}

func (p *pendingCmd) Run(_ context.Context, c *engine.Call, args []string) error {
	if p.all && len(args) == 0 && p.spec.configured != nil && !p.spec.configured(c) {
		return nil
	}
	what := strings.ReplaceAll(p.spec.name, "_", " ")
	return fmt.Errorf("not available in this version yet: %s is coming with a later release", what)
}
