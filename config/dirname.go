package config

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
)

// A config without `name:` is named after its directory, the way DevSpace
// does it: lowercased, runs of '@', '/', '.', ':' and white space become
// one '-', every other character outside [a-z0-9-] is dropped, and a name
// over 63 characters is cut to 55 plus '-' and 7 hex digits of its SHA-256.
// A directory name of one or two characters gives "devspace". Unlike
// DevSpace, '-' at either end is trimmed (DevSpace would then refuse its
// own choice as an invalid name).

// defaultProjectName is the project name for a config in directory dir
// (its base name) that has no `name:`.
func defaultProjectName(dir string) string {
	if len(dir) <= 2 {
		return "devspace"
	}
	name := devspaceName(dir, nameDropped)
	if len(name) > maxProjectNameLen {
		sum := sha256.Sum256([]byte(name))
		name = name[:maxProjectNameLen-8] + "-" + hex.EncodeToString(sum[:])[:7]
	}
	name = strings.Trim(name, "-")
	if name == "" {
		return "devspace"
	}
	return name
}

// DefaultProjectName is the name a config in the directory named dir
// gets without `name:` (what `devspace init` writes).
func DefaultProjectName(dir string) string { return defaultProjectName(dir) }
