package config

import "github.com/goccy/go-yaml/ast"

// referencedVars lists the names written as ${NAME} anywhere in the tree,
// scripts included: a variable with `alwaysResolve: false` is resolved
// only when one of them names it (as in DevSpace, and what DevSpace 5
// did for every variable).
func (l *loader) referencedVars() map[string]bool {
	out := map[string]bool{}
	ast.Walk(visitorFunc(func(n ast.Node) {
		var text string
		switch v := n.(type) {
		case *ast.StringNode:
			text = v.Value
		case *ast.LiteralNode:
			text = v.Value.Value
		default:
			return
		}
		for _, m := range varRef.FindAllStringSubmatch(text, -1) {
			out[m[1]] = true
		}
	}), l.root)
	return out
}
