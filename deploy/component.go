package deploy

import (
	"errors"
	"regexp"
	"strings"
)

// componentValuesError turns the component chart's schema complaints
// (Helm's "- at '/containers/0': additional properties 'ports' not
// allowed") into errors at the values' place in devspace.yaml. Other
// errors are returned as they are.
func (d *Deployer) componentValuesError(name string, err error) error {
	msg := err.Error()
	if !strings.Contains(msg, "values don't meet the specifications of the schema") {
		return err
	}
	problems := regexp.MustCompile(`- at '([^']*)': ([^;]*)`).FindAllStringSubmatch(msg, -1)
	if len(problems) == 0 {
		return err
	}
	extra := regexp.MustCompile(`^additional propert(?:y|ies) (.*) not allowed$`)
	var errs []error
	for _, p := range problems {
		path := "deployments." + name + ".helm.values" + pointerPath(p[1])
		// An unknown key: point at the key itself.
		if m := extra.FindStringSubmatch(strings.TrimSpace(p[2])); m != nil {
			for _, key := range strings.Split(m[1], ", ") {
				key = strings.Trim(key, "'")
				errs = append(errs, d.Config.ErrorAt(path+"."+key, "deployment %s: the component chart has no value %q here (its values: README.md, \"The component chart\")", name, key))
			}
			continue
		}
		errs = append(errs, d.Config.ErrorAt(path, "deployment %s: component chart value: %s", name, p[2]))
	}
	return errors.Join(errs...)
}

// pointerPath turns a JSON pointer (/containers/0) into the dotted form
// config positions use (.containers[0]).
func pointerPath(pointer string) string {
	var b strings.Builder
	for _, part := range strings.Split(pointer, "/")[1:] {
		part = strings.NewReplacer("~1", "/", "~0", "~").Replace(part)
		if part != "" && strings.Trim(part, "0123456789") == "" {
			b.WriteString("[" + part + "]")
		} else {
			b.WriteString("." + part)
		}
	}
	return b.String()
}
