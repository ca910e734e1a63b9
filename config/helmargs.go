package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// HelmOptions are the helm CLI flags of helm.upgradeArgs (for deploys) or
// helm.templateArgs (for renders), understood: no helm CLI runs, the
// Helm SDK gets these as options of its install, upgrade or template
// action. The JSON form is what devspace-helm reads.
type HelmOptions struct {
	// Wait (--wait) and Timeout (--timeout) travel as helm.Request's own
	// fields.
	Wait    bool   `json:"-"`
	Timeout string `json:"-"`

	Atomic                   bool              `json:"atomic,omitempty"`                   // --atomic
	Force                    bool              `json:"force,omitempty"`                    // --force
	ResetValues              bool              `json:"resetValues,omitempty"`              // --reset-values
	ReuseValues              bool              `json:"reuseValues,omitempty"`              // --reuse-values
	ResetThenReuseValues     bool              `json:"resetThenReuseValues,omitempty"`     // --reset-then-reuse-values
	CleanupOnFail            bool              `json:"cleanupOnFail,omitempty"`            // --cleanup-on-fail
	Description              string            `json:"description,omitempty"`              // --description
	HistoryMax               *int              `json:"historyMax,omitempty"`               // --history-max (0: keep all)
	WaitForJobs              bool              `json:"waitForJobs,omitempty"`              // --wait-for-jobs
	TakeOwnership            bool              `json:"takeOwnership,omitempty"`            // --take-ownership
	DisableOpenAPIValidation bool              `json:"disableOpenAPIValidation,omitempty"` // --disable-openapi-validation
	SkipSchemaValidation     bool              `json:"skipSchemaValidation,omitempty"`     // --skip-schema-validation
	SkipCRDs                 bool              `json:"skipCRDs,omitempty"`                 // --skip-crds
	NoHooks                  bool              `json:"noHooks,omitempty"`                  // --no-hooks
	EnableDNS                bool              `json:"enableDNS,omitempty"`                // --enable-dns
	DependencyUpdate         bool              `json:"dependencyUpdate,omitempty"`         // --dependency-update
	Labels                   map[string]string `json:"labels,omitempty"`                   // --labels k=v,…
	// PostRenderer (--post-renderer) is run with PostRendererArgs
	// (--post-renderer-args) on the rendered manifests, which it reads on
	// stdin and writes, changed, to stdout.
	PostRenderer     string   `json:"postRenderer,omitempty"`
	PostRendererArgs []string `json:"postRendererArgs,omitempty"`
	// Devel and Version choose a repository chart's version.
	Devel   bool   `json:"-"` // --devel
	Version string `json:"-"` // --version
	// Values files and --set* come on top of the deployment's values, in
	// helm's order: files, then --set, --set-string, --set-file,
	// --set-json, --set-literal.
	ValuesFiles []string `json:"valuesFiles,omitempty"` // -f/--values
	Set         []string `json:"set,omitempty"`
	SetString   []string `json:"setString,omitempty"`
	SetFile     []string `json:"setFile,omitempty"`
	SetJSON     []string `json:"setJSON,omitempty"`
	SetLiteral  []string `json:"setLiteral,omitempty"`
	// Only for helm template (templateArgs).
	KubeVersion string   `json:"kubeVersion,omitempty"` // --kube-version
	APIVersions []string `json:"apiVersions,omitempty"` // -a/--api-versions
	IsUpgrade   bool     `json:"isUpgrade,omitempty"`   // --is-upgrade
	SkipTests   bool     `json:"skipTests,omitempty"`   // --skip-tests
}

// Which helm command a list of args is for.
const (
	HelmUpgrade  = "upgradeArgs"
	HelmTemplate = "templateArgs"
)

// helmOnlyFor are the flags that one of the two commands has and the
// other has not (or where they mean nothing, as --atomic when rendering).
var helmOnlyFor = map[string]string{
	"atomic": HelmUpgrade, "force": HelmUpgrade, "reset-values": HelmUpgrade, "reuse-values": HelmUpgrade,
	"reset-then-reuse-values": HelmUpgrade, "cleanup-on-fail": HelmUpgrade, "history-max": HelmUpgrade,
	"wait": HelmUpgrade, "wait-for-jobs": HelmUpgrade, "timeout": HelmUpgrade, "take-ownership": HelmUpgrade,
	"install": HelmUpgrade, "create-namespace": HelmUpgrade,
	"kube-version": HelmTemplate, "api-versions": HelmTemplate, "is-upgrade": HelmTemplate,
	"skip-tests": HelmTemplate, "include-crds": HelmTemplate,
}

// refusedHelmFlags are helm flags without a meaning here, with what to do
// instead. Flags helm does not have are refused too.
var refusedHelmFlags = map[string]string{
	"namespace":                "set deployments.*.namespace, or -n",
	"kube-context":             "use --kube-context on devspace",
	"kubeconfig":               "use --kubeconfig or KUBECONFIG on devspace",
	"debug":                    "use --debug on devspace; Helm's log is printed when an operation fails",
	"dry-run":                  "use devspace render (or --render) to see the manifests without deploying",
	"output":                   "devspace prints its own summary of the release",
	"repo":                     "set helm.chart.repo",
	"username":                 "set helm.chart.username",
	"password":                 "set helm.chart.password",
	"ca-file":                  "put the repository's CA into the system's trust store",
	"cert-file":                "client certificates for chart repositories are not supported: fetch the chart with `helm pull` and set helm.chart.path",
	"key-file":                 "client certificates for chart repositories are not supported: fetch the chart with `helm pull` and set helm.chart.path",
	"keyring":                  "chart signatures are not checked: verify with `helm pull --verify` and set helm.chart.path",
	"verify":                   "chart signatures are not checked: verify with `helm pull --verify` and set helm.chart.path",
	"insecure-skip-tls-verify": "TLS to chart repositories is always verified: put the repository's CA into the system's trust store",
	"pass-credentials":         "helm.chart.username/password go to the chart repository's host only: fetch the chart with `helm pull` and set helm.chart.path",
	"plain-http":               "OCI registries on localhost are reached over plain HTTP; others over HTTPS",
	"render-subchart-notes":    "a chart's notes are not printed",
	"hide-notes":               "a chart's notes are not printed",
	"hide-secret":              "--hide-secret goes with --dry-run; use devspace render",
	"recreate-pods":            "helm 3 has no --recreate-pods; change an annotation of the pod template to restart pods",
	"release-name":             "set helm.releaseName",
	"name-template":            "set helm.releaseName",
	"generate-name":            "set helm.releaseName",
	"replace":                  "devspace installs or upgrades the release as needed",
	"output-dir":               "devspace render prints the manifests; redirect them",
	"show-only":                "devspace render prints every manifest of the chart",
	"validate":                 "rendering never reads the cluster; deploy to validate against it",
}

// helmFlags is a flag set with every helm flag devspace knows: honoured
// or refused (so that a refused one is reported with its reason).
func helmFlags(o *HelmOptions, historyMax *int, noop *bool) *pflag.FlagSet {
	fs := pflag.NewFlagSet("helm", pflag.ContinueOnError)
	fs.SetOutput(discard{})
	bools := map[string]*bool{
		"atomic": &o.Atomic, "force": &o.Force, "reset-values": &o.ResetValues, "reuse-values": &o.ReuseValues,
		"reset-then-reuse-values": &o.ResetThenReuseValues, "cleanup-on-fail": &o.CleanupOnFail,
		"wait": &o.Wait, "wait-for-jobs": &o.WaitForJobs, "take-ownership": &o.TakeOwnership,
		"disable-openapi-validation": &o.DisableOpenAPIValidation, "skip-schema-validation": &o.SkipSchemaValidation,
		"skip-crds": &o.SkipCRDs, "no-hooks": &o.NoHooks, "enable-dns": &o.EnableDNS,
		"dependency-update": &o.DependencyUpdate, "devel": &o.Devel, "is-upgrade": &o.IsUpgrade,
		"skip-tests": &o.SkipTests,
		// What devspace does anyway: upgrade --install, namespaces
		// created, CRDs in a render.
		"install": noop, "create-namespace": noop, "include-crds": noop,
	}
	for _, name := range slices.Sorted(maps.Keys(bools)) {
		short := ""
		if name == "install" {
			short = "i"
		}
		fs.BoolVarP(bools[name], name, short, false, "")
	}
	fs.StringVar(&o.Description, "description", "", "")
	fs.IntVar(historyMax, "history-max", 10, "")
	fs.StringVar(&o.Timeout, "timeout", "", "")
	fs.StringVar(&o.Version, "version", "", "")
	fs.StringToStringVarP(&o.Labels, "labels", "l", nil, "")
	fs.StringArrayVarP(&o.ValuesFiles, "values", "f", nil, "")
	fs.StringArrayVar(&o.Set, "set", nil, "")
	fs.StringArrayVar(&o.SetString, "set-string", nil, "")
	fs.StringArrayVar(&o.SetFile, "set-file", nil, "")
	fs.StringArrayVar(&o.SetJSON, "set-json", nil, "")
	fs.StringArrayVar(&o.SetLiteral, "set-literal", nil, "")
	fs.StringVar(&o.PostRenderer, "post-renderer", "", "")
	fs.StringArrayVar(&o.PostRendererArgs, "post-renderer-args", nil, "")
	fs.StringVar(&o.KubeVersion, "kube-version", "", "")
	fs.StringSliceVarP(&o.APIVersions, "api-versions", "a", nil, "")
	shorthands := map[string]string{"namespace": "n", "output": "o", "show-only": "s", "generate-name": "g"}
	boolRefused := []string{"debug", "dry-run", "verify", "insecure-skip-tls-verify", "pass-credentials", "plain-http",
		"render-subchart-notes", "hide-notes", "hide-secret", "recreate-pods", "generate-name", "replace", "validate"}
	for _, name := range slices.Sorted(maps.Keys(refusedHelmFlags)) {
		if slices.Contains(boolRefused, name) {
			fs.BoolP(name, shorthands[name], false, "")
		} else {
			fs.StringArrayP(name, shorthands[name], nil, "")
		}
	}
	return fs
}

// HelmArgsError is a refused upgradeArgs / templateArgs element: Index is
// its position in the list.
type HelmArgsError struct {
	Index int
	Msg   string
}

func (e *HelmArgsError) Error() string { return e.Msg }

// ParseHelmArgs understands args (of helm.upgradeArgs when which is
// HelmUpgrade, of helm.templateArgs when HelmTemplate) in helm's flag
// syntax. A flag without a meaning here, one of the other command, an
// unknown one or a malformed value is an error naming its element.
func ParseHelmArgs(which string, args []string) (HelmOptions, error) {
	var o HelmOptions
	historyMax, noop := 10, false
	fs := helmFlags(&o, &historyMax, &noop)
	for i := 0; i < len(args); {
		n, err := parseHelmFlag(fs, which, args[i:])
		if err == nil {
			err = o.check(fs, args[i])
		}
		if err != nil {
			return HelmOptions{}, &HelmArgsError{Index: i, Msg: err.Error()}
		}
		i += n
	}
	if fs.Changed("history-max") {
		o.HistoryMax = &historyMax
	}
	return o, nil
}

// parseHelmFlag parses the flag at args[0] (and its value in args[1] when
// written apart) and returns how many elements it used.
func parseHelmFlag(fs *pflag.FlagSet, which string, args []string) (int, error) {
	a := args[0]
	f, hasValue, isFlag := flagAt(fs, a)
	if !isFlag {
		return 0, fmt.Errorf("%q is not a flag: the release and chart are helm.releaseName and helm.chart, and %s hold only helm flags", a, which)
	}
	if f == nil {
		return 0, fmt.Errorf("unknown helm flag %s: see the README's helm section for the flags devspace gives the Helm SDK", a)
	}
	if why, refused := refusedHelmFlags[f.Name]; refused {
		return 0, fmt.Errorf("--%s is not supported here: %s", f.Name, why)
	}
	if only, ok := helmOnlyFor[f.Name]; ok && only != which {
		if which == HelmTemplate {
			return 0, fmt.Errorf("--%s means nothing to a render (templateArgs are for devspace render and --render): put it in helm.upgradeArgs", f.Name)
		}
		return 0, fmt.Errorf("--%s is a flag of helm template: put it in helm.templateArgs (used by devspace render and --render)", f.Name)
	}
	return parseFlagAt(fs, f, hasValue, args)
}

// check refuses values the SDK would take badly, at the flag that set
// them.
func (o *HelmOptions) check(fs *pflag.FlagSet, arg string) error {
	switch name, _, _ := strings.Cut(strings.TrimLeft(arg, "-"), "="); {
	case (name == "timeout") && o.Timeout != "":
		if _, err := strconv.Atoi(o.Timeout); err == nil {
			o.Timeout += "s" // helm 2 and DevSpace 5 counted seconds
		}
		if d, err := time.ParseDuration(o.Timeout); err != nil || d <= 0 {
			return fmt.Errorf("--timeout %q: want a positive duration such as 5m or 90s", o.Timeout)
		}
	case name == "history-max":
		if v, _ := fs.GetInt("history-max"); v < 0 {
			return errors.New("--history-max: want 0 (keep every revision) or more")
		}
	case name == "set-file":
		for _, kv := range o.SetFile {
			if k, p, ok := strings.Cut(kv, "="); !ok || k == "" || p == "" {
				return fmt.Errorf("--set-file %q: want KEY=PATH", kv)
			}
		}
	}
	return nil
}

// checkHelmArgs refuses, with its position, an element of a helm
// deployment's upgradeArgs or templateArgs that the Helm SDK cannot be
// given, and --version or --devel for a chart that is not a repository's.
func (c *Config) checkHelmArgs() error {
	for _, name := range slices.Sorted(maps.Keys(c.Deployments)) {
		d := c.Deployments[name]
		if d == nil || d.Helm == nil {
			continue
		}
		for _, l := range []struct {
			which string
			args  []string
		}{{HelmUpgrade, d.Helm.UpgradeArgs}, {HelmTemplate, d.Helm.TemplateArgs}} {
			path := "deployments." + name + ".helm." + l.which
			o, err := ParseHelmArgs(l.which, l.args)
			var ae *HelmArgsError
			if errors.As(err, &ae) {
				at := fmt.Sprintf("%s[%d]", path, ae.Index)
				return c.ErrorAt(at, "%s: %s", at, ae.Msg)
			}
			if (o.Version != "" || o.Devel) && !d.Helm.repositoryChart(c.Dir) {
				at := fmt.Sprintf("%s[%d]", path, versionFlagIndex(l.args))
				return c.ErrorAt(at, "%s: --version and --devel choose the version of a chart from a repository; this one is local, from git or the component chart: remove the flag", at)
			}
		}
	}
	return nil
}

// versionFlagIndex is the index of the first --version or --devel.
func versionFlagIndex(args []string) int {
	return slices.IndexFunc(args, func(a string) bool {
		name, _, _ := strings.Cut(a, "=")
		return name == "--version" || name == "--devel"
	})
}

// repositoryChart says whether the chart is fetched from a repository or
// an OCI registry by name, the only charts with versions to choose.
// (A name that is a path in dir is a local chart, as deploys read it.)
func (h *HelmConfig) repositoryChart(dir string) bool {
	cc := h.Chart
	if cc == nil || cc.Name == "" {
		return false
	}
	if spec := cc.SourceConfig.Spec(); spec.Path != "" || spec.Git != "" {
		return false
	}
	if cc.RepoURL != "" || strings.HasPrefix(cc.Name, "oci://") {
		return true
	}
	if strings.HasPrefix(cc.Name, ".") || filepath.IsAbs(cc.Name) {
		return false
	}
	_, err := os.Stat(filepath.Join(dir, cc.Name))
	return err != nil
}
