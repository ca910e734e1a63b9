package deploy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"sigs.k8s.io/yaml"

	"github.com/devspace-engine/devspace/config"
	"github.com/devspace-engine/devspace/helm"
	"github.com/devspace-engine/devspace/kube"
	"github.com/devspace-engine/devspace/source"
)

// HelmRunner runs an operation of the Helm companion (helm.Run).
type HelmRunner interface {
	Run(ctx context.Context, op string, req helm.Request) (helm.Response, error)
}

// helmKind installs deployments.*.helm charts as releases through the
// Helm companion (HelmRunner), and records the release and revision.
type helmKind struct{ d *Deployer }

// helmDeployments are those with a helm section; their records name the
// release.
var helmDeployments = kindSpec{
	configures: func(dep *config.Deployment) bool { return dep.Helm != nil },
	recorded:   func(rec Record) bool { return rec.Helm != nil },
	of:         func(d *Deployer) kind { return helmKind{d} },
}

// HelmRecord is the release a helm deployment made.
type HelmRecord struct {
	Release  string `json:"release"`
	Revision int    `json:"revision"`
	// Workloads are the release's workloads, waited for after deploys.
	Workloads []kube.Ref `json:"workloads,omitempty"`
}

// helmPlan is a helm deployment ready to run: the request and what
// decides whether it changed.
type helmPlan struct {
	req   helm.Request
	fresh []string
	hash  string
}

// planHelm prepares the request of deployment name for the helm command
// which (config.HelmUpgrade for deploys, config.HelmTemplate for renders),
// whose args it takes.
func (d *Deployer) planHelm(ctx context.Context, name, ns, which string) (helmPlan, error) {
	h := d.Config.Deployments[name].Helm
	chart, chartDigest, localDir, err := d.chart(ctx, name, h)
	if err != nil {
		return helmPlan{}, err
	}
	values := map[string]any{}
	// A local chart's own defaults go through image replacement too, as
	// in DevSpace: the chart's values.yaml usually names the image.
	if localDir != "" {
		if err := mergeValuesFile(values, filepath.Join(localDir, "values.yaml"), true); err != nil {
			return helmPlan{}, fmt.Errorf("deployment %s: %w", name, err)
		}
	}
	for _, f := range h.ValuesFiles {
		if !filepath.IsAbs(f) {
			f = filepath.Join(d.Config.Dir, f)
		}
		if err := mergeValuesFile(values, f, false); err != nil {
			return helmPlan{}, fmt.Errorf("deployment %s: valuesFiles: %w", name, err)
		}
	}
	inline, err := normalize(h.Values)
	if err != nil {
		return helmPlan{}, fmt.Errorf("deployment %s: helm.values: %w", name, err)
	}
	config.MergeMaps(values, inline)
	dep := d.Config.Deployments[name]
	replace := dep.UpdateImageTags == nil || *dep.UpdateImageTags
	fresh, err := rewriteValues(values, newImageTable(d.Images.Built()), d.Images, replace)
	if err != nil {
		return helmPlan{}, fmt.Errorf("deployment %s: helm values: %w", name, err)
	}
	release := h.ReleaseName
	if release == "" {
		release = name
	}
	req := helm.Request{Namespace: ns, Release: release, Chart: chart, Values: values}
	args := h.UpgradeArgs
	if which == config.HelmTemplate {
		args = h.TemplateArgs
	}
	if err := applyHelmArgs(&req, which, args, d.Config.Dir); err != nil {
		return helmPlan{}, fmt.Errorf("deployment %s: helm.%s: %w", name, which, err)
	}
	if d.Client != nil {
		req.Context = d.Client.Context
	}
	data, err := json.Marshal(struct {
		Req   helm.Request
		Chart string
	}{req, chartDigest})
	if err != nil {
		return helmPlan{}, err
	}
	sum := sha256.Sum256(data)
	return helmPlan{req: req, fresh: fresh, hash: hex.EncodeToString(sum[:])}, nil
}

// applyHelmArgs puts the helm flags of helm.upgradeArgs or templateArgs
// (which) into the request (checked when the config loaded). Files they
// name are relative to the config's directory.
func applyHelmArgs(req *helm.Request, which string, args []string, dir string) error {
	o, err := config.ParseHelmArgs(which, args)
	if err != nil {
		return err
	}
	req.Wait, req.Timeout = o.Wait, o.Timeout
	if o.Version != "" {
		req.Chart.Version = o.Version
	}
	if o.Devel && req.Chart.Version == "" {
		req.Chart.Version = ">0.0.0-0" // any version, pre-releases too, as helm's --devel
	}
	req.Chart.DependencyUpdate = o.DependencyUpdate
	abs := func(p string) string {
		if filepath.IsAbs(p) || strings.Contains(p, "://") {
			return p
		}
		return filepath.Join(dir, p)
	}
	for i, f := range o.ValuesFiles {
		o.ValuesFiles[i] = abs(f)
	}
	if strings.ContainsRune(o.PostRenderer, filepath.Separator) {
		o.PostRenderer = abs(o.PostRenderer) // a bare name is looked up on PATH
	}
	for i, kv := range o.SetFile {
		k, p, _ := strings.Cut(kv, "=")
		o.SetFile[i] = k + "=" + abs(p)
	}
	req.Options = o
	return nil
}

// chart resolves helm.chart: a local directory or archive (path:, or a
// name that is a path), a directory in a git repository (git:, checked
// out through the shared git source cache), a chart name in a repository,
// or, when there is no chart, the built-in component chart.
func (d *Deployer) chart(ctx context.Context, name string, h *config.HelmConfig) (c helm.Chart, digest, localDir string, err error) {
	if h.Chart == nil {
		// No chart: DevSpace's component chart, built into devspace-helm.
		digest, err := helm.ComponentChartDigest()
		return helm.Chart{Builtin: helm.ComponentChart}, "builtin:" + digest, "", err
	}
	cc := h.Chart
	spec := cc.SourceConfig.Spec()
	if spec.Path == "" && spec.Git == "" && cc.RepoURL == "" && isLocalName(d.Config.Dir, cc.Name) {
		spec.Path = cc.Name
	}
	if spec.Path == "" && spec.Git == "" {
		if cc.Name == "" {
			return c, "", "", fmt.Errorf("deployment %s: helm.chart needs a name (with repo), a path or git", name)
		}
		c = helm.Chart{Name: cc.Name, RepoURL: cc.RepoURL, Version: cc.Version, Username: cc.Username, Password: cc.Password}
		return c, cc.Name + "@" + cc.RepoURL + "@" + cc.Version, "", nil
	}
	local, err := source.Resolve(ctx, spec, d.Config.Dir)
	if err != nil {
		pos, _ := d.Config.Pos("deployments." + name + ".helm.chart")
		return c, "", "", fmt.Errorf("%s: deployment %s: helm.chart: %w", pos, name, err)
	}
	digest, err = treeDigest(local)
	if err != nil {
		return c, "", "", fmt.Errorf("deployment %s: helm chart: %w", name, err)
	}
	if info, _ := os.Stat(local); info != nil && info.IsDir() {
		localDir = local
	}
	return helm.Chart{Path: local, NoDependencyBuild: h.DisableDependencyUpdate}, digest, localDir, nil
}

func isLocalName(dir, name string) bool {
	if name == "" {
		return false
	}
	if strings.HasPrefix(name, "./") || strings.HasPrefix(name, "../") || filepath.IsAbs(name) {
		return true
	}
	_, err := os.Stat(filepath.Join(dir, name))
	return err == nil
}

// treeDigest hashes a chart's files (paths and contents), so that an
// edited template counts as a change.
func treeDigest(root string) (string, error) {
	h := sha256.New()
	err := filepath.WalkDir(root, func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		f, err := os.Open(p)
		if err != nil {
			return err
		}
		defer f.Close()
		fmt.Fprintf(h, "%s\x00", rel)
		_, err = io.Copy(h, f)
		return err
	})
	return hex.EncodeToString(h.Sum(nil)), err
}

func mergeValuesFile(dst map[string]any, path string, optional bool) error {
	data, err := os.ReadFile(path)
	if optional && errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	var m map[string]any
	if err := yaml.Unmarshal(data, &m); err != nil {
		return yamlError(path, 1, err)
	}
	config.MergeMaps(dst, m)
	return nil
}

// normalize turns config-decoded values into JSON types, as values files
// give them.
func normalize(v map[string]any) (map[string]any, error) {
	data, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	out := map[string]any{}
	return out, json.Unmarshal(data, &out)
}

// deploy installs or upgrades the release, or skips it when the same
// chart and values were deployed last time and that revision is still the
// deployed one.
func (k helmKind) deploy(ctx context.Context, name string, opts Options) error {
	d := k.d
	if d.Helm == nil {
		return fmt.Errorf("deployment %s: helm deployments are not available here", name)
	}
	log := d.Log(name)
	ns := d.namespace(name)
	plan, err := d.planHelm(ctx, name, ns, config.HelmUpgrade)
	if err != nil {
		return err
	}
	cluster := ClusterOf(d.Client)
	old, had := d.Records.Get(cluster, ns, name)
	if had && old.Helm != nil && old.Hash == plan.hash && !opts.Force && len(plan.fresh) == 0 {
		st, err := d.Helm.Run(ctx, helm.OpStatus, plan.req)
		if err == nil && st.Revision == old.Helm.Revision && st.Status == "deployed" {
			fmt.Fprintf(log, "Skipping deployment %s: nothing changed since the last deploy (--force-redeploy applies anyway)\n", name)
			return errUnchanged
		}
	}
	resp, err := d.Helm.Run(ctx, helm.OpUpgrade, plan.req)
	if err != nil && plan.req.Chart.Builtin != "" {
		return d.componentValuesError(name, err)
	}
	if err != nil {
		return fmt.Errorf("deployment %s: %w", name, err)
	}
	if resp.DependenciesBuilt {
		// The chart's directory gained charts/ and Chart.lock: record
		// the hash of what it holds now, or the next deploy would
		// see a change that is only the dependency build.
		if again, err := d.planHelm(ctx, name, ns, config.HelmUpgrade); err == nil {
			plan.hash = again.hash
		}
	}
	rec := Record{Name: name, Context: cluster.Context, Server: cluster.Server, Namespace: ns, Hash: plan.hash, DeployedAt: now(),
		Helm: &HelmRecord{Release: plan.req.Release, Revision: resp.Revision, Workloads: helmWorkloads(resp.Manifest, ns)}}
	if err := d.Records.Put(rec); err != nil {
		return fmt.Errorf("deployment %s: %w", name, err)
	}
	fmt.Fprintf(log, "Deployed %s to namespace %s: release %s revision %d (%s)\n", name, ns, plan.req.Release, resp.Revision, resp.Status)
	return nil
}

// render prints the chart rendered with the final values.
func (k helmKind) render(ctx context.Context, name string, w io.Writer, namespace string) error {
	d := k.d
	if d.Helm == nil {
		return fmt.Errorf("deployment %s: helm deployments are not available here", name)
	}
	ns := d.Config.Deployments[name].Namespace
	if ns == "" {
		ns = namespace
	}
	if ns == "" {
		ns = "default"
	}
	plan, err := d.planHelm(ctx, name, ns, config.HelmTemplate)
	if err != nil {
		return err
	}
	resp, err := d.Helm.Run(ctx, helm.OpTemplate, plan.req)
	if err != nil && plan.req.Chart.Builtin != "" {
		return d.componentValuesError(name, err)
	}
	if err != nil {
		return fmt.Errorf("deployment %s: %w", name, err)
	}
	_, err = fmt.Fprintf(w, "---\n# deployment %s, helm release %s\n%s", name, plan.req.Release, strings.TrimPrefix(resp.Manifest, "---\n"))
	return err
}

// purge uninstalls a recorded release.
func (k helmKind) purge(ctx context.Context, rec Record, _ PurgeOptions) error {
	d := k.d
	if d.Helm == nil {
		return fmt.Errorf("purge %s: helm deployments are not available here", rec.Name)
	}
	req := helm.Request{Context: rec.Context, Namespace: rec.Namespace, Release: rec.Helm.Release}
	if _, err := d.Helm.Run(ctx, helm.OpUninstall, req); err != nil {
		return fmt.Errorf("purge %s: %w", rec.Name, err)
	}
	if err := d.Records.Remove(rec); err != nil {
		return fmt.Errorf("purge %s: %w", rec.Name, err)
	}
	fmt.Fprintf(d.Log(rec.Name), "Purged %s: release %s uninstalled\n", rec.Name, rec.Helm.Release)
	return nil
}
