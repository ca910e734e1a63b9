package config

import (
	"fmt"

	"github.com/devspace-engine/devspace/redact"
)

// noteVarSecrets adds to set the values of `password: true` variables
// and of variables (--var ones too) whose names look secret.
func noteVarSecrets(set *redact.Set, defs map[string]*Var, resolved map[string]string) {
	if set == nil {
		return
	}
	for name, v := range resolved {
		if def := defs[name]; def != nil && def.Password {
			set.Add(v)
		}
		set.AddNamed(name, v)
	}
}

// noteSecrets adds to set the config's credentials and the values under
// secret-looking names that did not come from variables: build args,
// pull secret and chart passwords, Helm values (db.password).
func (c *Config) noteSecrets(set *redact.Set) {
	if set == nil {
		return
	}
	for _, img := range c.Images {
		for k, v := range img.BuildArgs {
			if v != nil {
				set.AddNamed(k, *v)
			}
		}
	}
	for _, ps := range c.PullSecrets {
		if ps != nil {
			set.Add(ps.Password)
		}
	}
	for _, d := range c.Deployments {
		if d == nil || d.Helm == nil {
			continue
		}
		if d.Helm.Chart != nil {
			set.Add(d.Helm.Chart.Password)
		}
		noteNamedValues(set, "", d.Helm.Values)
	}
}

// noteNamedValues adds the scalars of a values tree whose keys look secret.
func noteNamedValues(set *redact.Set, key string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			noteNamedValues(set, k, x)
		}
	case []any:
		for _, x := range v {
			noteNamedValues(set, key, x)
		}
	case string:
		set.AddNamed(key, v)
	case nil:
	default:
		set.AddNamed(key, fmt.Sprint(v))
	}
}
