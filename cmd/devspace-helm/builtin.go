package main

import (
	"fmt"

	"helm.sh/helm/v3/pkg/chart"
	"helm.sh/helm/v3/pkg/chart/loader"

	"github.com/devspace-engine/devspace/helm"
)

// loadBuiltin loads a chart compiled into this binary: the component
// chart, which needs no repository and no network.
func loadBuiltin(name string) (*chart.Chart, error) {
	if name != helm.ComponentChart {
		return nil, fmt.Errorf("no built-in chart %q (there is only %q)", name, helm.ComponentChart)
	}
	names, data, err := helm.ComponentChartFiles()
	if err != nil {
		return nil, err
	}
	files := make([]*loader.BufferedFile, len(names))
	for i, n := range names {
		files[i] = &loader.BufferedFile{Name: n, Data: data[n]}
	}
	ch, err := loader.LoadFiles(files)
	if err != nil {
		return nil, fmt.Errorf("load the built-in component chart: %w", err)
	}
	return ch, nil
}
