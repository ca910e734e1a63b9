package builtins

import (
	"fmt"
	"maps"
	"slices"
	"strings"
)

// selection is how a builtin picks objects of a config section: names in
// the order given, or with all every object (sorted) but the excepted.
type selection struct {
	all          bool
	except, args []string
	// open lets names that the section lacks through: --set/--from may
	// create them (`create_deployments new --from old`).
	open bool
}

// pick returns the selected names of section, whose objects are called
// what in errors ("couldn't find image x (images: a, b)").
func pick[V any](s selection, what, section string, objects map[string]V) ([]string, error) {
	var names []string
	if s.all {
		for _, n := range slices.Sorted(maps.Keys(objects)) {
			if !slices.Contains(s.except, n) {
				names = append(names, n)
			}
		}
	}
	for _, n := range s.args {
		if _, ok := objects[n]; !ok && !s.open {
			return nil, fmt.Errorf("couldn't find %s %s (%s: %s)", what, n, section, strings.Join(slices.Sorted(maps.Keys(objects)), ", "))
		}
		if !slices.Contains(names, n) {
			names = append(names, n)
		}
	}
	return names, nil
}
