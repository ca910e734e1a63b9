package config

// applyProfiles applies the profiles selected with -p (and, unless disabled,
// those whose activation rules match) to the tree, in order, and returns
// their names.
func (l *loader) applyProfiles() ([]string, error) {
	if len(l.opts.Profiles) == 0 {
		return nil, nil
	}
	return nil, l.errorf(1, 1, "profiles are not implemented yet")
}
