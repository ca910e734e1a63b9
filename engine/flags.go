package engine

import (
	"fmt"
	"strings"

	"github.com/devspace-engine/devspace/config"
)

// ResolveFlags returns a pipeline's flag values: each declared flag's
// default, overridden by explicit values. Arrays are space-joined, which
// is how get_flag prints them (`arr=($(get_flag arr))` splits them again).
func ResolveFlags(p *config.Pipeline, explicit map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(p.Flags)+len(explicit))
	for _, f := range p.Flags {
		def, err := config.FlagDefault(f)
		if err != nil {
			return nil, fmt.Errorf("flag %q: %w", f.Name, err)
		}
		out[f.Name] = strings.Join(def, " ")
	}
	for k, v := range explicit {
		out[k] = v
	}
	return out, nil
}

// ParseSetFlags turns run_pipelines' --set-flag name=value list into flag
// values: commas in a value become spaces and a repeated name appends, as
// in DevSpace.
func ParseSetFlags(values []string) (map[string]string, error) {
	out := map[string]string{}
	for _, kv := range values {
		name, value, ok := strings.Cut(kv, "=")
		if !ok || name == "" {
			return nil, fmt.Errorf("--set-flag %q: expected name=value", kv)
		}
		value = strings.ReplaceAll(value, ",", " ")
		if prev, ok := out[name]; ok {
			value = prev + " " + value
		}
		out[name] = value
	}
	return out, nil
}
