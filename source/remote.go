package source

import (
	"context"
	"fmt"
	"strings"
)

// RemoteCommit asks the remote repository which commit ref names now,
// without a clone (git ls-remote): ref is a branch, a tag (an annotated
// one is followed to its commit), a full refs/… name, or "" for the
// remote's HEAD. A branch wins over a tag of the same name, as in
// BuildKit's git source, which fetches what a Git build context names.
func RemoteCommit(ctx context.Context, remote, ref string) (string, error) {
	pattern := ref
	if pattern == "" {
		pattern = "HEAD"
	}
	out, err := gitOutput(ctx, "", "ls-remote", "--", remote, pattern, pattern+"^{}")
	if err != nil {
		return "", err
	}
	commits := map[string]string{}
	for line := range strings.Lines(string(out)) {
		if sha, name, ok := strings.Cut(strings.TrimSpace(line), "\t"); ok {
			commits[name] = sha
		}
	}
	names := []string{pattern, "refs/" + strings.TrimPrefix(pattern, "refs/"),
		"refs/heads/" + pattern, "refs/tags/" + pattern + "^{}", "refs/tags/" + pattern}
	for _, name := range names {
		if sha, ok := commits[name]; ok {
			return sha, nil
		}
	}
	return "", fmt.Errorf("git ls-remote: the repository has no branch or tag %q", pattern)
}
