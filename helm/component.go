package helm

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"io/fs"
	"sort"
	"strings"
)

// ComponentChart names the built-in chart (Chart.Builtin) that a helm
// deployment without a chart uses: it takes DevSpace's component-chart
// values. It is compiled into both binaries: the companion renders it, and
// devspace hashes it, so that a devspace with a changed chart redeploys.
const ComponentChart = "component"

//go:embed all:componentchart
var componentChart embed.FS

// ComponentChartFiles returns the built-in chart's files by their path in
// the chart (Chart.yaml, templates/…), in path order.
func ComponentChartFiles() (names []string, data map[string][]byte, err error) {
	data = make(map[string][]byte)
	err = fs.WalkDir(componentChart, "componentchart", func(p string, e fs.DirEntry, err error) error {
		if err != nil || e.IsDir() {
			return err
		}
		b, err := componentChart.ReadFile(p)
		name := strings.TrimPrefix(p, "componentchart/")
		names, data[name] = append(names, name), b
		return err
	})
	if err != nil {
		return nil, nil, fmt.Errorf("read the built-in component chart: %w", err)
	}
	sort.Strings(names)
	return names, data, nil
}

// ComponentChartDigest hashes the built-in chart's files.
func ComponentChartDigest() (string, error) {
	names, data, err := ComponentChartFiles()
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, n := range names {
		fmt.Fprintf(h, "%s\x00%d\x00", n, len(data[n]))
		h.Write(data[n])
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
