package config

import (
	"errors"
	"fmt"
	"strings"

	"github.com/distribution/reference"
)

// This file checks, at load time, the names that otherwise fail late and
// far from the config: an image reference the Docker daemon refuses after
// the build context was sent, a project name Kubernetes refuses as a label.
// Values are checked after ${VAR} substitution, as they will be used.

// maxProjectNameLen is the longest Kubernetes label value; the project
// name labels what devspace creates in the cluster.
const maxProjectNameLen = 63

// checkProjectName refuses a `name:` that is not a DNS label (DevSpace
// requires lowercase letters, digits and '-'). An empty or missing name
// is not checked: the directory's name stands in for it.
func (c *Config) checkProjectName() error {
	if c.Name == "" {
		return nil
	}
	switch {
	case len(c.Name) > maxProjectNameLen:
		return c.ErrorAt("name", "name %q is not a valid project name: it is longer than %d characters", c.Name, maxProjectNameLen)
	case !objectName.MatchString(c.Name):
		e := c.ErrorAt("name", "name %q is not a valid project name: use lowercase letters, digits and '-', starting and ending with a letter or digit", c.Name)
		if fixed := asObjectName(c.Name); fixed != "" {
			e.Hint = fmt.Sprintf("for example: name: %s", fixed)
		}
		return e
	}
	return nil
}

// asObjectName turns s into a valid object name, for a hint ("My App" →
// "my-app"): lowercased, each run of other characters made one '-'.
func asObjectName(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z' || r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	out := strings.Trim(b.String(), "-")
	return strings.TrimRight(out[:min(len(out), maxProjectNameLen)], "-")
}

// checkImageRefs refuses invalid references in an image's `image:`, `tag:`
// and `tags:`, before they are folded together. '#' in a tag stands for
// a random letter chosen at build time, so it is checked as a letter.
func (c *Config) checkImageRefs(name string, img *Image) error {
	path := "images." + name
	repo, tag, hasTag := splitTag(img.Image)
	named, err := reference.ParseNormalizedNamed(repo)
	if err != nil {
		return c.imageRefError(path+".image", img.Image, whyNotRef(img.Image, err))
	}
	if hasTag {
		if why := whyNotTag(named, tag); why != "" {
			return c.imageRefError(path+".image", img.Image, why)
		}
	}
	if img.Tag != "" {
		if why := whyNotTag(named, img.Tag); why != "" {
			return c.tagError(path+".tag", img.Tag, why)
		}
	}
	for i, t := range img.Tags {
		if why := whyNotTag(named, t); why != "" {
			return c.tagError(fmt.Sprintf("%s.tags[%d]", path, i), t, why)
		}
	}
	return nil
}

func (c *Config) imageRefError(path, value, why string) *Error {
	e := c.ErrorAt(path, "%s %q is not a valid image reference: %s", path, value, why)
	e.Hint = "an image reference is [HOST[:PORT]/]PATH[:TAG], e.g. localhost:5000/team/app or ghcr.io/org/app:v1"
	// Tags may have capitals; only the repository is lowercased.
	repo, tag, hasTag := splitTag(value)
	if fixed := strings.ToLower(repo); fixed != repo {
		if hasTag {
			fixed += ":" + tag
		}
		if whyNotRef(fixed, nil) == "" {
			e.Hint = fmt.Sprintf("write it as %q", fixed)
		}
	}
	return e
}

func (c *Config) tagError(path, value, why string) *Error {
	return c.ErrorAt(path, "%s %q is not a valid tag: %s", path, value, why)
}

// whyNotRef says what is wrong with an image reference that
// distribution/reference refused with err (nil: parse it here).
func whyNotRef(ref string, err error) string {
	if err == nil {
		repo, tag, hasTag := splitTag(ref)
		named, perr := reference.ParseNormalizedNamed(repo)
		if perr != nil {
			return whyNotRef(ref, perr)
		}
		if hasTag {
			return whyNotTag(named, tag)
		}
		return ""
	}
	repo, _, _ := splitTag(ref)
	switch {
	case errors.Is(err, reference.ErrNameContainsUppercase) || isOnlyUppercase(repo):
		return "repository names must be lowercase"
	case errors.Is(err, reference.ErrNameTooLong):
		return fmt.Sprintf("it is longer than %d characters", reference.NameTotalLengthMax)
	case strings.TrimSpace(ref) == "":
		return "it is empty"
	case strings.ContainsAny(ref, " \t\n"):
		return "it contains whitespace"
	case strings.Contains(ref, "::"):
		return "it contains '::' (a tag follows a single ':')"
	case strings.HasSuffix(ref, ":"):
		return "the tag after ':' is empty"
	}
	return "use lowercase letters, digits and the separators '.', '_', '-' and '/' (and HOST:PORT/ in front for a registry)"
}

// isOnlyUppercase reports whether repo is valid but for its capitals.
// (ParseNormalizedNamed says so only in its message, not its error value.)
func isOnlyUppercase(repo string) bool {
	lower := strings.ToLower(repo)
	if lower == repo {
		return false
	}
	_, err := reference.ParseNormalizedNamed(lower)
	return err == nil
}

// whyNotTag says what is wrong with a tag, or "" when it is valid.
func whyNotTag(named reference.Named, tag string) string {
	if _, err := reference.WithTag(named, strings.ReplaceAll(tag, "#", "a")); err == nil {
		return ""
	}
	switch {
	case tag == "":
		return "the tag is empty"
	case len(tag) > 128:
		return "it is longer than 128 characters"
	case strings.ContainsAny(tag, " \t\n"):
		return "it contains whitespace"
	}
	return "a tag is letters, digits, '_', '.' and '-', and does not start with '.' or '-'"
}
