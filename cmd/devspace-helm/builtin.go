package main

import (
	"embed"
	"fmt"
	"io/fs"
	"strings"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/devspace-engine/devspace/helm"
)

// componentChart is the chart a helm deployment without `chart:` uses. It
// is compiled in, so such deployments need no repository and no network.
//
//go:embed all:componentchart
var componentChart embed.FS

// loadBuiltin loads a chart compiled into this binary.
func loadBuiltin(name string) (*chart.Chart, error) {
	if name != helm.ComponentChart {
		return nil, fmt.Errorf("no built-in chart %q (there is only %q)", name, helm.ComponentChart)
	}
	var files []*loader.BufferedFile
	err := fs.WalkDir(componentChart, "componentchart", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		data, err := componentChart.ReadFile(p)
		files = append(files, &loader.BufferedFile{Name: strings.TrimPrefix(p, "componentchart/"), Data: data})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read the built-in component chart: %w", err)
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("load the built-in component chart: %w", err)
	}
	if ch.Metadata.Version != helm.ComponentChartVersion {
		return nil, fmt.Errorf("built-in component chart is version %s, devspace expects %s", ch.Metadata.Version, helm.ComponentChartVersion)
	}
	return ch, nil
}
