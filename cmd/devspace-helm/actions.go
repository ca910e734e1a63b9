package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chartutil"
	"helm.sh/helm/v3/pkg/release"
	"helm.sh/helm/v3/pkg/releaseutil"
	"helm.sh/helm/v3/pkg/storage/driver"

	"github.com/devspace-engine/devspace/helm"
)

// maxHistory is how many revisions an upgrade keeps, as `helm upgrade`
// does by default; without a bound every deploy adds a Secret for good.
const maxHistory = 10

// upgrade installs the release, or upgrades it when it has a history, as
// `helm upgrade --install` does.
func upgrade(ctx context.Context, req request, log *logSink) (helm.Response, error) {
	cfg, ns, err := connect(req, log)
	if err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	ch, built, err := loadChart(req.Chart, cfg, log)
	if err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	if err := cfg.KubeClient.IsReachable(); err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	history, err := releaseHistory(cfg, req.Release)
	if err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	if err := checkNotStuck(history, ns); err != nil {
		return helm.Response{}, opError(req, ns, err)
	}

	var rel *release.Release
	if last := lastOf(history); last == nil || last.Info.Status == release.StatusUninstalled {
		rel, err = install(ctx, cfg, req, ns, ch, last != nil)
	} else {
		rel, err = upgradeRelease(ctx, cfg, req, ns, ch)
	}
	if err != nil {
		return helm.Response{}, opError(req, ns, interrupted(ctx, err))
	}
	resp := response(rel)
	resp.DependenciesBuilt = built
	return resp, nil
}

// install creates revision 1 of the release; replace reuses the name of a
// release uninstalled with --keep-history.
func install(ctx context.Context, cfg *action.Configuration, req request, ns string, ch *chart.Chart, replace bool) (*release.Release, error) {
	in := action.NewInstall(cfg)
	in.ReleaseName, in.Namespace = req.Release, ns
	in.Wait, in.Timeout = req.Wait, req.timeout
	// devspace creates the namespace itself, with its own labels.
	in.CreateNamespace = false
	in.Replace = replace
	req.installOptions(in)
	vals, err := req.finalValues()
	if err != nil {
		return nil, err
	}
	if in.PostRenderer, err = req.postRenderer(); err != nil {
		return nil, err
	}
	return in.RunWithContext(ctx, ch, vals)
}

// upgradeRelease adds a revision to the release.
func upgradeRelease(ctx context.Context, cfg *action.Configuration, req request, ns string, ch *chart.Chart) (*release.Release, error) {
	up := action.NewUpgrade(cfg)
	up.Install, up.Namespace = true, ns
	up.Wait, up.Timeout = req.Wait, req.timeout
	// The request holds all the values: never fall back to the previous
	// revision's, which Helm does when the new ones are empty (unless
	// --reuse-values asks for them).
	req.upgradeOptions(up)
	vals, err := req.finalValues()
	if err != nil {
		return nil, err
	}
	if up.PostRenderer, err = req.postRenderer(); err != nil {
		return nil, err
	}
	return up.RunWithContext(ctx, req.Release, ch, vals)
}

// template renders the chart as `helm template` does: client-only, with
// Helm's default capabilities, without reading any kubeconfig.
func template(ctx context.Context, req request, log *logSink) (helm.Response, error) {
	ns := req.Namespace
	if ns == "" {
		ns = "default"
	}
	// ClientOnly puts in a fake Kubernetes client and in-memory storage;
	// the log is all the configuration needs.
	cfg := &action.Configuration{Log: log.Printf}
	ch, _, err := loadChart(req.Chart, cfg, log)
	if err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	in := action.NewInstall(cfg)
	in.DryRun, in.ClientOnly, in.Replace, in.IncludeCRDs = true, true, true, true
	in.ReleaseName, in.Namespace = req.Release, ns
	req.installOptions(in)
	// A render shows the CRDs, unless --skip-crds.
	in.IncludeCRDs = !req.Options.SkipCRDs
	if err := req.capabilities(in); err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	vals, err := req.finalValues()
	if err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	if in.PostRenderer, err = req.postRenderer(); err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	rel, err := in.RunWithContext(ctx, ch, vals)
	if err != nil {
		return helm.Response{}, opError(req, ns, interrupted(ctx, err))
	}
	// No revision or status: nothing was deployed.
	resp := helm.Response{Manifest: withHooks(rel, req.Options.NoHooks, req.Options.SkipTests)}
	if rel.Info != nil {
		resp.Notes = rel.Info.Notes
	}
	return resp, nil
}

// withHooks appends the hooks to the manifest, as `helm template` prints
// them: they are part of what a deploy creates (none with --no-hooks;
// --skip-tests leaves out the test hooks).
func withHooks(rel *release.Release, noHooks, skipTests bool) string {
	var b strings.Builder
	b.WriteString(rel.Manifest)
	for _, h := range rel.Hooks {
		if noHooks || skipTests && isTestHook(h) {
			continue
		}
		fmt.Fprintf(&b, "---\n# Source: %s\n%s\n", h.Path, h.Manifest)
	}
	return b.String()
}

// uninstall removes the release; one that does not exist is already gone.
func uninstall(ctx context.Context, req request, log *logSink) (helm.Response, error) {
	cfg, ns, err := connect(req, log)
	if err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	un := action.NewUninstall(cfg)
	un.Wait, un.Timeout = req.Wait, req.timeout
	un.IgnoreNotFound = true
	res, err := uninstallWithContext(ctx, un, req.Release)
	if err != nil {
		return helm.Response{}, opError(req, ns, interrupted(ctx, err))
	}
	if res == nil || res.Release == nil {
		return helm.Response{}, nil
	}
	return helm.Response{Revision: res.Release.Version, Status: release.StatusUninstalled.String()}, nil
}

// uninstallWithContext runs un, which takes no context, but stops waiting
// for it on a signal, as the context-taking actions do; the process then
// exits rather than hang until Helm's timeout.
func uninstallWithContext(ctx context.Context, un *action.Uninstall, name string) (*release.UninstallReleaseResponse, error) {
	type result struct {
		res *release.UninstallReleaseResponse
		err error
	}
	done := make(chan result, 1)
	go func() {
		res, err := un.Run(name)
		done <- result{res, err}
	}()
	select {
	case r := <-done:
		return r.res, r.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// status reports the release's latest revision and its status (deployed,
// failed, pending-upgrade...), as `helm status` does; 0 and "" when there
// is no release.
func status(_ context.Context, req request, log *logSink) (helm.Response, error) {
	cfg, ns, err := connect(req, log)
	if err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	rel, err := action.NewStatus(cfg).Run(req.Release)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return helm.Response{}, nil
	}
	if err != nil {
		return helm.Response{}, opError(req, ns, err)
	}
	return helm.Response{Revision: rel.Version, Status: rel.Info.Status.String()}, nil
}

// releaseHistory lists the release's stored revisions, oldest first;
// none when it was never installed.
func releaseHistory(cfg *action.Configuration, name string) ([]*release.Release, error) {
	if err := chartutil.ValidateReleaseName(name); err != nil {
		return nil, fmt.Errorf("release name %q: %w", name, err)
	}
	history, err := cfg.Releases.History(name)
	if errors.Is(err, driver.ErrReleaseNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the release history: %w", err)
	}
	releaseutil.SortByRevision(history)
	return history, nil
}

// lastOf is the latest revision of a sorted history, nil if empty.
func lastOf(history []*release.Release) *release.Release {
	if len(history) == 0 {
		return nil
	}
	return history[len(history)-1]
}

// checkNotStuck refuses to go on when the latest revision is still marked
// in progress. Helm records pending-install/-upgrade/-rollback (or
// uninstalling) before it acts and the outcome after; a run killed in
// between leaves the mark, and Helm then refuses every later upgrade
// ("another operation is in progress") without saying how to get out.
// Clearing the mark automatically is not safe: another deploy may really
// be running, and the SDK has no lock to tell.
func checkNotStuck(history []*release.Release, ns string) error {
	last := lastOf(history)
	if last == nil {
		return nil
	}
	st := last.Info.Status
	if !st.IsPending() && st != release.StatusUninstalling {
		return nil
	}
	name := last.Name
	since := ""
	if t := last.Info.LastDeployed.Time; !t.IsZero() {
		since = fmt.Sprintf(" since %s (%s ago)", t.UTC().Format(time.RFC3339), time.Since(t).Round(time.Second))
	}
	secret := fmt.Sprintf("kubectl -n %s delete secret sh.helm.release.v1.%s.v%d", ns, name, last.Version)
	var fix string
	switch {
	case st == release.StatusUninstalling:
		fix = fmt.Sprintf("finish it with \"helm uninstall %s -n %s\"", name, ns)
	case len(history) > 1:
		prev := history[len(history)-2].Version
		fix = fmt.Sprintf("go back to revision %d with \"helm rollback %s %d -n %s\", or drop the stuck revision with %q", prev, name, prev, ns, secret)
	default:
		fix = fmt.Sprintf("remove the release with \"helm uninstall %s -n %s\", or drop the stuck revision (keeping the objects) with %q", name, ns, secret)
	}
	return fmt.Errorf("release is stuck in %s at revision %d%s: an earlier deploy was interrupted, or one is still running; if none is, %s, then deploy again",
		st, last.Version, since, fix)
}

// response is the answer for a release an install or upgrade produced.
func response(rel *release.Release) helm.Response {
	resp := helm.Response{Revision: rel.Version, Manifest: rel.Manifest}
	if rel.Info != nil {
		resp.Status, resp.Notes = rel.Info.Status.String(), rel.Info.Notes
	}
	return resp
}

// interrupted replaces the bare "context canceled" of an action cut short
// by SIGINT or SIGTERM with what happened. (An install or upgrade already
// under way is then recorded as failed, and the next upgrade goes on from
// it.)
func interrupted(ctx context.Context, err error) error {
	if ctx.Err() != nil && errors.Is(err, context.Canceled) {
		return errors.New("interrupted by a signal")
	}
	return err
}

// opError puts the operation, release and namespace in front of err:
// `upgrade release "web" in namespace "ns": ...`.
func opError(req request, ns string, err error) error {
	if ns == "" {
		return fmt.Errorf("%s release %q: %w", req.op, req.Release, err)
	}
	return fmt.Errorf("%s release %q in namespace %q: %w", req.op, req.Release, ns, err)
}
