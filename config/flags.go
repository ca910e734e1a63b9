package config

import (
	"fmt"
	"strconv"
	"strings"
)

// Pipeline flag types.
const (
	FlagBool        = "bool"
	FlagInt         = "int"
	FlagString      = "string"
	FlagStringArray = "stringArray"
)

// checkFlags validates a pipeline's flags. A missing type is inferred from
// the default (DevSpace assumes bool and panics on `default: nobody`).
func (c *Config) checkFlags(pipeline string, p *Pipeline) error {
	seen := map[string]bool{}
	for i := range p.Flags {
		f := &p.Flags[i]
		path := fmt.Sprintf("pipelines.%s.flags[%d]", pipeline, i)
		if f.Name == "" {
			return c.ErrorAt(path, "pipeline flag without a name: set `name:`")
		}
		if seen[f.Name] {
			return c.ErrorAt(path+".name", "flag %q is declared twice", f.Name)
		}
		seen[f.Name] = true
		if len(f.Short) > 1 {
			return c.ErrorAt(path+".short", "short flag %q must be a single character", f.Short)
		}
		switch f.Type {
		case "":
			f.Type = inferFlagType(f.Default)
		case FlagBool, FlagInt, FlagString, FlagStringArray:
		default:
			return c.ErrorAt(path+".type", "flag %q: unknown type %q: use bool, int, string or stringArray", f.Name, f.Type)
		}
		if _, err := FlagDefault(*f); err != nil {
			return c.ErrorAt(path+".default", "flag %q: %v", f.Name, err)
		}
	}
	return nil
}

func inferFlagType(def any) string {
	switch def.(type) {
	case nil, bool:
		return FlagBool
	case int, int64, uint64, float64:
		return FlagInt
	case []any:
		return FlagStringArray
	}
	return FlagString
}

// FlagDefault returns a flag's default value as the strings a script sees
// through get_flag: bools as true/false, arrays space-joined.
func FlagDefault(f PipelineFlag) ([]string, error) {
	switch f.Type {
	case FlagBool:
		switch d := f.Default.(type) {
		case nil:
			return []string{"false"}, nil
		case bool:
			return []string{strconv.FormatBool(d)}, nil
		case string:
			if b, err := strconv.ParseBool(d); err == nil {
				return []string{strconv.FormatBool(b)}, nil
			}
		}
		return nil, fmt.Errorf("default %v is not a boolean", f.Default)
	case FlagInt:
		switch d := f.Default.(type) {
		case nil:
			return []string{"0"}, nil
		case int, int64, uint64:
			return []string{fmt.Sprint(d)}, nil
		case float64:
			if d == float64(int64(d)) {
				return []string{strconv.FormatInt(int64(d), 10)}, nil
			}
		case string:
			if _, err := strconv.Atoi(d); err == nil {
				return []string{d}, nil
			}
		}
		return nil, fmt.Errorf("default %v is not an integer", f.Default)
	case FlagString:
		if f.Default == nil {
			return []string{""}, nil
		}
		switch f.Default.(type) {
		case []any, map[string]any:
			return nil, fmt.Errorf("default is not a string")
		}
		return []string{fmt.Sprint(f.Default)}, nil
	case FlagStringArray:
		switch d := f.Default.(type) {
		case nil:
			return nil, nil
		case []any:
			out := make([]string, len(d))
			for i, v := range d {
				out[i] = fmt.Sprint(v)
			}
			return out, nil
		case string:
			return strings.Fields(d), nil
		}
		return nil, fmt.Errorf("default is not a list of strings")
	}
	return nil, fmt.Errorf("unknown type %q: use bool, int, string or stringArray", f.Type)
}
