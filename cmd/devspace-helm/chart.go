package main

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"strings"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/registry"

	"github.com/devspace-engine/devspace/helm"
)

// loadChart loads the request's chart: a local directory or archive, or a
// chart fetched from a repository or an OCI registry into Helm's cache.
// cfg receives the registry client an OCI chart needs. built tells that
// a local chart's dependencies were built into its directory.
func loadChart(c helm.Chart, cfg *action.Configuration, log *logSink) (ch *chart.Chart, built bool, err error) {
	if c.Builtin != "" {
		ch, err := loadBuiltin(c.Builtin)
		return ch, false, err
	}
	path := c.Path
	if path == "" {
		var err error
		if path, err = fetchChart(c, cfg, log); err != nil {
			return nil, false, err
		}
	} else if _, err := os.Stat(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, false, fmt.Errorf("chart path %s does not exist", path)
		}
		return nil, false, fmt.Errorf("chart path %s: %w", path, err)
	}
	if c.DependencyUpdate && isDir(path) {
		// --dependency-update: the newest versions Chart.yaml allows,
		// whatever charts/ holds.
		ch, err = updateDependencies(path, cfg, log)
		return ch, err == nil, err
	}
	ch, err = loader.Load(path)
	if err != nil {
		return nil, false, fmt.Errorf("load chart %s: %w", path, err)
	}
	if err := checkDependencies(ch, path); err != nil {
		// An unpacked chart gets its dependencies built, unless
		// disableDependencyUpdate asked for the chart as it is.
		if c.NoDependencyBuild || !isDir(path) {
			return nil, false, err
		}
		ch, err = buildDependencies(path, cfg, log)
		return ch, err == nil, err
	}
	return ch, false, nil
}

// fetchChart downloads Name (at Version) and returns the archive's path.
func fetchChart(c helm.Chart, cfg *action.Configuration, log *logSink) (string, error) {
	name, repoURL := c.Name, c.RepoURL
	// Helm's repo lookup reads an index.yaml, which OCI registries do not
	// have; there the chart is simply a reference under the repo.
	if registry.IsOCI(repoURL) {
		name, repoURL = strings.TrimSuffix(repoURL, "/")+"/"+name, ""
	}
	ref := name
	if repoURL != "" {
		ref = repoURL + " " + name
	}
	if c.Version != "" {
		ref += " " + c.Version
	}

	settings := cli.New()
	plainHTTP := registry.IsOCI(name) && isLoopback(name)
	if registry.IsOCI(name) {
		rc, err := newRegistryClient(c, settings, plainHTTP, log)
		if err != nil {
			return "", fmt.Errorf("chart %s: %w", ref, err)
		}
		cfg.RegistryClient = rc
	}
	opts := chartPathOptions(cfg)
	opts.RepoURL, opts.Version = repoURL, c.Version
	opts.Username, opts.Password = c.Username, c.Password
	opts.PlainHTTP = plainHTTP
	path, err := opts.LocateChart(name, settings)
	if err != nil {
		return "", fmt.Errorf("fetch chart %s: %w", ref, err)
	}
	return path, nil
}

// chartPathOptions returns ChartPathOptions that use cfg's registry
// client: the SDK keeps that field unexported, and building an action
// over cfg is the only way to set it.
func chartPathOptions(cfg *action.Configuration) *action.ChartPathOptions {
	return &action.NewInstall(cfg).ChartPathOptions
}

// newRegistryClient logs in with the chart's username and password when
// given, else with the credentials `helm registry login` or `docker login`
// stored.
func newRegistryClient(c helm.Chart, settings *cli.EnvSettings, plainHTTP bool, log *logSink) (*registry.Client, error) {
	opts := []registry.ClientOption{
		registry.ClientOptDebug(settings.Debug || log.live != nil),
		registry.ClientOptEnableCache(true),
		registry.ClientOptWriter(log),
		registry.ClientOptCredentialsFile(settings.RegistryConfig),
	}
	if plainHTTP {
		opts = append(opts, registry.ClientOptPlainHTTP())
	}
	if c.Username != "" || c.Password != "" {
		opts = append(opts, registry.ClientOptBasicAuth(c.Username, c.Password))
	}
	rc, err := registry.NewClient(opts...)
	if err != nil {
		return nil, fmt.Errorf("set up the OCI registry client: %w", err)
	}
	return rc, nil
}

// isLoopback tells whether an oci:// reference names a registry on this
// machine (localhost, 127.0.0.0/8, ::1). Those are spoken to over plain
// HTTP, as Docker does by default: local development registries rarely
// have TLS, and the request has no setting for it.
func isLoopback(ref string) bool {
	host, _, _ := strings.Cut(strings.TrimPrefix(ref, "oci://"), "/")
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// checkDependencies fails when Chart.yaml declares dependencies that are
// not in charts/: Helm would otherwise render the chart without them or
// fail later with a vaguer message.
func checkDependencies(ch *chart.Chart, path string) error {
	if ch.Metadata == nil || len(ch.Metadata.Dependencies) == 0 {
		return nil
	}
	present := make(map[string]bool)
	for _, sub := range ch.Dependencies() {
		present[sub.Name()] = true
	}
	var missing []string
	for _, dep := range ch.Metadata.Dependencies {
		if !present[dep.Name] {
			missing = append(missing, fmt.Sprintf("%q", dep.Name))
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return fmt.Errorf("chart %q (%s) depends on %s, missing from its charts/ directory: run `helm dependency build %s` first",
		ch.Name(), path, strings.Join(missing, ", "), path)
}
