package deploy

import (
	"fmt"
	"path/filepath"
	"strings"

	"sigs.k8s.io/kustomize/api/krusty"
	"sigs.k8s.io/kustomize/api/types"
	"sigs.k8s.io/kustomize/kyaml/filesys"
)

// kustomize builds each kustomization directory in entries in-process
// (the kustomize library, no binary) and returns its objects. args are
// the config's kustomizeArgs: only the load restrictor is meaningful to
// the library; other flags are an error rather than silently ignored.
func kustomize(dir string, entries, args []string) ([]Manifest, error) {
	opts := krusty.MakeDefaultOptions()
	for _, a := range args {
		switch strings.TrimSpace(a) {
		case "--load-restrictor=LoadRestrictionsNone", "--load_restrictor=none", "--load-restrictor=none":
			opts.LoadRestrictions = types.LoadRestrictionsNone
		default:
			return nil, fmt.Errorf("kustomizeArgs: %q is not supported (only --load-restrictor=LoadRestrictionsNone)", a)
		}
	}
	k := krusty.MakeKustomizer(opts)
	fs := filesys.MakeFsOnDisk()
	var out []Manifest
	for _, entry := range entries {
		path := entry
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, entry)
		}
		resources, err := k.Run(fs, path)
		if err != nil {
			return nil, fmt.Errorf("kustomize %s: %w", entry, err)
		}
		data, err := resources.AsYaml()
		if err != nil {
			return nil, fmt.Errorf("kustomize %s: %w", entry, err)
		}
		ms, err := ParseManifests(entry+" (kustomize output)", data)
		if err != nil {
			return nil, err
		}
		out = append(out, ms...)
	}
	return out, nil
}
