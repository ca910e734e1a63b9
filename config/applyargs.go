package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// KubectlApply is what `kubectl.applyArgs` ask of the server-side apply
// that deploys manifests (no kubectl runs, so only the flags with a
// meaning for it are taken).
type KubectlApply struct {
	// FieldManager is --field-manager; empty means devspace's own.
	FieldManager string
	// NoForce is --force-conflicts=false: a field another manager owns
	// fails the apply instead of being taken over.
	NoForce bool
}

// applyArgsHelp lists the applyArgs that are understood.
const applyArgsHelp = "--server-side, --force-conflicts[=false], --field-manager NAME, --prune"

// ParseApplyArgs maps applyArgs onto a KubectlApply. On an argument it
// does not take, it returns that argument's index and why.
func ParseApplyArgs(args []string) (KubectlApply, int, error) {
	var out KubectlApply
	for i := 0; i < len(args); i++ {
		name, value, hasValue := strings.Cut(args[i], "=")
		switch name {
		case "--server-side":
			if hasValue && value != "true" {
				return out, i, fmt.Errorf("%q is not supported: manifests are always applied server-side", args[i])
			}
		case "--prune":
			// What happens anyway: objects the last deploy created that
			// the manifests no longer have are removed.
			if hasValue && value != "true" {
				return out, i, fmt.Errorf("%q is not supported: objects the last deploy created and the manifests no longer have are always removed", args[i])
			}
		case "--force-conflicts":
			switch {
			case !hasValue || value == "true":
				out.NoForce = false
			case value == "false":
				out.NoForce = true
			default:
				return out, i, fmt.Errorf("%q: want --force-conflicts, =true or =false", args[i])
			}
		case "--field-manager":
			if !hasValue {
				if i+1 == len(args) || strings.HasPrefix(args[i+1], "-") {
					return out, i, fmt.Errorf("%q needs a name: --field-manager NAME", args[i])
				}
				i++
				value = args[i]
			}
			if value == "" {
				return out, i, fmt.Errorf("%q needs a name: --field-manager=NAME", args[i])
			}
			out.FieldManager = value
		default:
			return out, i, fmt.Errorf("%q is not supported: manifests are applied server-side through the API, which takes %s", args[i], applyArgsHelp)
		}
	}
	return out, -1, nil
}

// checkApplyArgs refuses, at load time and at the argument, applyArgs
// that ParseApplyArgs does not take.
func (c *Config) checkApplyArgs() error {
	for _, name := range slices.Sorted(maps.Keys(c.Deployments)) {
		d := c.Deployments[name]
		if d == nil || d.Kubectl == nil {
			continue
		}
		if _, i, err := ParseApplyArgs(d.Kubectl.ApplyArgs); err != nil {
			return c.ErrorAt(fmt.Sprintf("deployments.%s.kubectl.applyArgs[%d]", name, i), "applyArgs: %v", err)
		}
	}
	return nil
}
