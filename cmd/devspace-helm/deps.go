package main

import (
	"fmt"
	"os"

	"helm.sh/helm/v3/pkg/action"
	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"
	"helm.sh/helm/v3/pkg/cli"
	"helm.sh/helm/v3/pkg/downloader"
	"helm.sh/helm/v3/pkg/getter"

	"github.com/devspace-engine/devspace/helm"
)

// buildDependencies fills a chart directory's charts/ with the
// dependencies Chart.yaml declares, as `helm dependency build` does (from
// Chart.lock, or resolving and writing one when there is none), and
// returns the chart loaded again. file:// dependencies are packaged from
// their directories without network access.
func buildDependencies(path string, cfg *action.Configuration, log *logSink) (*chart.Chart, error) {
	return manageDependencies(path, cfg, log, "build", (*downloader.Manager).Build)
}

// updateDependencies resolves a chart directory's dependencies afresh, as
// `helm dependency update` does (--dependency-update), and returns the
// chart loaded again.
func updateDependencies(path string, cfg *action.Configuration, log *logSink) (*chart.Chart, error) {
	return manageDependencies(path, cfg, log, "update", (*downloader.Manager).Update)
}

// manageDependencies runs a downloader.Manager operation (`helm
// dependency VERB`) on the chart directory path and loads it again.
func manageDependencies(path string, cfg *action.Configuration, log *logSink, verb string, run func(*downloader.Manager) error) (*chart.Chart, error) {
	settings := cli.New()
	rc := cfg.RegistryClient
	if rc == nil {
		var err error
		if rc, err = newRegistryClient(helm.Chart{}, settings, false, log); err != nil {
			return nil, err
		}
	}
	m := &downloader.Manager{
		Out:              log,
		ChartPath:        path,
		Getters:          getter.All(settings),
		RegistryClient:   rc,
		RepositoryConfig: settings.RepositoryConfig,
		RepositoryCache:  settings.RepositoryCache,
		Debug:            settings.Debug,
	}
	if err := run(m); err != nil {
		return nil, fmt.Errorf("%s the dependencies of chart %s (as `helm dependency %s %s` would): %w", verb, path, verb, path, err)
	}
	ch, err := loader.Load(path)
	if err != nil {
		return nil, fmt.Errorf("load chart %s: %w", path, err)
	}
	return ch, nil
}

// isDir tells whether path is a directory (an unpacked chart, whose
// charts/ can be filled) rather than an archive.
func isDir(path string) bool {
	info, err := os.Stat(path)
	return err == nil && info.IsDir()
}
