package main

import (
	"fmt"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/cli/values"
	"helm.sh/helm/v3/pkg/getter"
	"helm.sh/helm/v3/pkg/postrender"
	"helm.sh/helm/v3/pkg/release"
)

// The helm flags of helm.upgradeArgs and templateArgs (the request's
// Options), given to the SDK's actions as `helm upgrade --install` and
// `helm template` give them.

// installOptions sets the options an install (or a render) takes.
func (r request) installOptions(in *action.Install) {
	o := r.Options
	in.Atomic, in.Force, in.Description, in.Labels = o.Atomic, o.Force, o.Description, o.Labels
	in.WaitForJobs, in.TakeOwnership, in.EnableDNS = o.WaitForJobs, o.TakeOwnership, o.EnableDNS
	in.DisableOpenAPIValidation, in.SkipSchemaValidation = o.DisableOpenAPIValidation, o.SkipSchemaValidation
	in.SkipCRDs, in.DisableHooks = o.SkipCRDs, o.NoHooks
	in.IsUpgrade = o.IsUpgrade
}

// upgradeOptions sets the options an upgrade takes. devspace sends every
// value, so the previous revision's are reset unless a flag asks to
// reuse them.
func (r request) upgradeOptions(up *action.Upgrade) {
	o := r.Options
	up.Atomic, up.Force, up.Description, up.Labels = o.Atomic, o.Force, o.Description, o.Labels
	up.WaitForJobs, up.TakeOwnership, up.EnableDNS = o.WaitForJobs, o.TakeOwnership, o.EnableDNS
	up.DisableOpenAPIValidation, up.SkipSchemaValidation = o.DisableOpenAPIValidation, o.SkipSchemaValidation
	up.SkipCRDs, up.DisableHooks, up.CleanupOnFail = o.SkipCRDs, o.NoHooks, o.CleanupOnFail
	up.ReuseValues, up.ResetThenReuseValues = o.ReuseValues, o.ResetThenReuseValues
	up.ResetValues = o.ResetValues || !(o.ReuseValues || o.ResetThenReuseValues)
	up.MaxHistory = maxHistory
	if o.HistoryMax != nil {
		up.MaxHistory = *o.HistoryMax
	}
}

// postRenderer is the --post-renderer command, nil when there is none.
func (r request) postRenderer() (postrender.PostRenderer, error) {
	o := r.Options
	if o.PostRenderer == "" {
		return nil, nil
	}
	pr, err := postrender.NewExec(o.PostRenderer, o.PostRendererArgs...)
	if err != nil {
		return nil, fmt.Errorf("--post-renderer %s: %w", o.PostRenderer, err)
	}
	return pr, nil
}

// capabilities sets what a render assumes of the cluster: --kube-version
// and --api-versions, on top of Helm's defaults.
func (r request) capabilities(in *action.Install) error {
	o := r.Options
	if o.KubeVersion != "" {
		kv, err := chartutil.ParseKubeVersion(o.KubeVersion)
		if err != nil {
			return fmt.Errorf("--kube-version %q: %w", o.KubeVersion, err)
		}
		in.KubeVersion = kv
	}
	if len(o.APIVersions) > 0 {
		in.APIVersions = append(chartutil.VersionSet{}, o.APIVersions...)
	}
	return nil
}

// finalValues are the request's values with the flags' values files and
// --set* on top, in helm's order.
func (r request) finalValues() (map[string]any, error) {
	o := r.Options
	opts := values.Options{ValueFiles: o.ValuesFiles, Values: o.Set, StringValues: o.SetString,
		FileValues: o.SetFile, JSONValues: o.SetJSON, LiteralValues: o.SetLiteral}
	if len(o.ValuesFiles)+len(o.Set)+len(o.SetString)+len(o.SetFile)+len(o.SetJSON)+len(o.SetLiteral) == 0 {
		return r.values(), nil
	}
	flags, err := opts.MergeValues(getter.All(cli.New()))
	if err != nil {
		return nil, fmt.Errorf("values of the helm flags: %w", err)
	}
	// MergeTables keeps what its first argument has: the flags win.
	return chartutil.MergeTables(flags, r.values()), nil
}

// isTestHook says whether a hook runs only for `helm test`, which
// --skip-tests leaves out of a render.
func isTestHook(h *release.Hook) bool {
	for _, e := range h.Events {
		if e == release.HookTest {
			return true
		}
	}
	return false
}
