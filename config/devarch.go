package config

import (
	"maps"
	"slices"
)

// devArches are the values of dev.*.arch: the architectures the sync
// agent is built for (DevSpace v6 takes the same two).
var devArches = []string{"amd64", "arm64"}

// checkDevArch refuses an arch of a dev config or of one of its
// containers that no sync agent is built for.
func (c *Config) checkDevArch() error {
	for _, name := range slices.Sorted(maps.Keys(c.Dev)) { // sorted: the same error every run
		p := c.Dev[name]
		if p == nil {
			continue
		}
		if err := c.checkArch("dev."+name+".arch", p.Arch); err != nil {
			return err
		}
		for _, cname := range slices.Sorted(maps.Keys(p.Containers)) {
			if dc := p.Containers[cname]; dc != nil {
				if err := c.checkArch("dev."+name+".containers."+cname+".arch", dc.Arch); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (c *Config) checkArch(path, arch string) error {
	if arch == "" || slices.Contains(devArches, arch) {
		return nil
	}
	return c.ErrorAt(path, "arch %q: use amd64 or arm64, or leave it out and devspace detects the container's", arch)
}
