package config

import (
	"strings"
	"testing"
)

// TestAlwaysResolveFalse: a variable with alwaysResolve: false is resolved
// only when the config uses it, as DevSpace does; every DevSpace 5 variable
// converts to one (DevSpace 5 asked only for the variables a config used).
func TestAlwaysResolveFalse(t *testing.T) {
	t.Parallel()
	cfg := mustLoad(t, `version: v2beta1
vars:
  UNUSED:
    question: never asked?
    alwaysResolve: false
  IN_SCRIPT:
    value: s
    alwaysResolve: false
  ALWAYS:
    value: a
pipelines:
  dev: echo ${IN_SCRIPT}
`, LoadOptions{})
	if _, ok := cfg.Variables["UNUSED"]; ok {
		t.Errorf("UNUSED was resolved: %v", cfg.Variables)
	}
	if cfg.Variables["IN_SCRIPT"] != "s" || cfg.Variables["ALWAYS"] != "a" {
		t.Errorf("variables %v; want IN_SCRIPT (used in a script) and ALWAYS", cfg.Variables)
	}

	// A DevSpace 5 question nobody uses does not stop a non-interactive run;
	// one that is used still does, naming the variable.
	mustLoad(t, "version: v1beta11\nvars:\n- name: ASK\n  question: what?\n", LoadOptions{})
	_, err := load(t, "version: v1beta11\nvars:\n- name: ASK\n  question: what?\ndeployments:\n- name: x\n  kubectl:\n    manifests: [\"${ASK}.yaml\"]\n", LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), `variable "ASK" has no value`) {
		t.Errorf("got %v, want ASK to need a value", err)
	}
}
