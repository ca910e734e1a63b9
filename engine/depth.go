package engine

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/interp"
	"mvdan.cc/sh/v3/syntax"
)

// MaxCallDepth bounds how deeply functions (shell functions and config
// `functions:`) may call each other. The shell has no limit of its own: an
// endless recursion ran for minutes, slower at every level, until memory
// ran out; real scripts stay far below this.
const MaxCallDepth = 1000

// depthVar holds the current call depth. Each shell function declares it
// `local`, so it unwinds by itself when the function returns; a config
// function's runner starts with its caller's depth plus one.
const depthVar = "__DEVSPACE_CALL_DEPTH"

// depthStmt returns the statement put at the start of every shell
// function's body. (A side effect: $? at a function's first command is 0
// instead of the caller's last status.)
func depthStmt() *syntax.Stmt {
	src := "local " + depthVar + "=$((${" + depthVar + ":-0}+1))"
	f, err := syntax.NewParser().Parse(strings.NewReader(src), "")
	if err != nil {
		panic(err) // the text above is valid
	}
	return f.Stmts[0]
}

// countDepth makes every function declared in f count its depth, and
// returns their names.
func countDepth(f *syntax.File) map[string]bool {
	names := map[string]bool{}
	syntax.Walk(f, func(n syntax.Node) bool {
		decl, ok := n.(*syntax.FuncDecl)
		if !ok || decl.Body == nil || decl.Name == nil && len(decl.Names) == 0 {
			return true // an anonymous function cannot call itself
		}
		if decl.Name != nil {
			names[decl.Name.Value] = true
		}
		for _, name := range decl.Names { // zsh's `function a b { … }`
			names[name.Value] = true
		}
		body := decl.Body
		// Walk goes on into the new body: the original one, inside it,
		// has its own declarations wrapped once.
		decl.Body = &syntax.Stmt{Position: body.Position, Cmd: &syntax.Block{
			Lbrace: body.Pos(), Rbrace: body.End(),
			Stmts: []*syntax.Stmt{depthStmt(), body},
		}}
		return true
	})
	return names
}

// callDepth is the depth of the function running in a handler's context.
func callDepth(ctx context.Context) int {
	d, _ := strconv.Atoi(interp.HandlerCtx(ctx).Env.Get(depthVar).String())
	return d
}

// depthLimit returns the call handler that stops a call to a function
// (one of script's shell functions or a config function) at MaxCallDepth,
// naming the function and where the call is in devspace.yaml.
func (e *Engine) depthLimit(s Script, shellFuncs map[string]bool) interp.CallHandlerFunc {
	return func(ctx context.Context, args []string) ([]string, error) {
		name := args[0]
		if !shellFuncs[name] {
			if _, ok := e.function(name); !ok {
				return args, nil
			}
		}
		if callDepth(ctx) < MaxCallDepth {
			return args, nil
		}
		pos := interp.HandlerCtx(ctx).Pos
		return nil, e.scriptError(s, int(pos.Line()), int(pos.Col()), fmt.Sprintf(
			"function %q: calls nested more than %d deep: a recursion that never ends? (make sure it stops calling itself)", name, MaxCallDepth))
	}
}

// withDepth returns a config function's environment: its caller's, one
// call deeper. It is a flat copy: wrapping the caller's environment would
// make every lookup walk one wrapper per level of calls.
func withDepth(env expand.Environ, depth int) expand.Environ {
	flat := flatEnv{}
	env.Each(func(name string, vr expand.Variable) bool {
		flat[name] = vr // parents come first, so the innermost value wins
		return true
	})
	flat[depthVar] = expand.Variable{Set: true, Kind: expand.String, Str: strconv.Itoa(depth)}
	return flat
}

type flatEnv map[string]expand.Variable

func (f flatEnv) Get(name string) expand.Variable { return f[name] }

func (f flatEnv) Each(yield func(name string, vr expand.Variable) bool) {
	for name, vr := range f {
		if !yield(name, vr) {
			return
		}
	}
}
