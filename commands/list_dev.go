package commands

import (
	"maps"
	"slices"
	"strings"

	"github.com/devspace-engine/devspace/config"
)

// devRow is a dev config or one of its containers: (containers:), as the
// dev lists show them.
type devRow struct {
	name, imageSelector, labelSelector string
	c                                  *config.DevContainer
}

// devRows are the dev configs and their containers, by name; a
// container's entry is named DEV/CONTAINER.
func devRows(cfg *config.Config) []devRow {
	var out []devRow
	for _, name := range slices.Sorted(maps.Keys(cfg.Dev)) {
		p := cfg.Dev[name]
		if p == nil {
			continue
		}
		var labels []string
		for _, k := range slices.Sorted(maps.Keys(p.LabelSelector)) {
			labels = append(labels, k+"="+p.LabelSelector[k])
		}
		row := devRow{name: name, imageSelector: p.ImageSelector, labelSelector: strings.Join(labels, ","), c: &p.DevContainer}
		out = append(out, row)
		for _, cname := range slices.Sorted(maps.Keys(p.Containers)) {
			if dc := p.Containers[cname]; dc != nil {
				row.name, row.c = name+"/"+cname, dc
				out = append(out, row)
			}
		}
	}
	return out
}

// portEntry is one forwarded port of `list ports -o json`.
type portEntry struct {
	Dev           string `json:"dev"`
	ImageSelector string `json:"imageSelector"`
	LabelSelector string `json:"labelSelector"`
	Port          string `json:"port"`
	BindAddress   string `json:"bindAddress,omitempty"`
}

// listPorts lists dev.*.ports (and those of containers:), local:remote
// as written.
func listPorts(s *session) table {
	t := table{header: []string{"DEV", "IMAGE SELECTOR", "LABEL SELECTOR", "PORT (LOCAL:REMOTE)", "BIND ADDRESS"}}
	entries := []portEntry{}
	for _, r := range devRows(s.cfg) {
		for _, p := range r.c.Ports {
			entries = append(entries, portEntry{Dev: r.name, ImageSelector: r.imageSelector, LabelSelector: r.labelSelector, Port: p.Port, BindAddress: p.BindAddress})
			t.rows = append(t.rows, []string{r.name, r.imageSelector, r.labelSelector, p.Port, p.BindAddress})
		}
	}
	t.json = entries
	return t
}

// syncEntry is one sync path of `list sync -o json`.
type syncEntry struct {
	Dev           string   `json:"dev"`
	ImageSelector string   `json:"imageSelector"`
	LabelSelector string   `json:"labelSelector"`
	Path          string   `json:"path"`
	ExcludePaths  []string `json:"excludePaths"`
}

// listSync lists dev.*.sync (and that of containers:).
func listSync(s *session) table {
	t := table{header: []string{"DEV", "IMAGE SELECTOR", "LABEL SELECTOR", "PATH (LOCAL:CONTAINER)", "EXCLUDED PATHS"}}
	entries := []syncEntry{}
	for _, r := range devRows(s.cfg) {
		for _, sc := range r.c.Sync {
			entries = append(entries, syncEntry{Dev: r.name, ImageSelector: r.imageSelector, LabelSelector: r.labelSelector, Path: sc.Path, ExcludePaths: append([]string{}, sc.ExcludePaths...)})
			t.rows = append(t.rows, []string{r.name, r.imageSelector, r.labelSelector, sc.Path, strings.Join(sc.ExcludePaths, ", ")})
		}
	}
	t.json = entries
	return t
}
