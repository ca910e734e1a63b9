// Package source finds the directory a config points at with `path:` or
// `git:` (imports, dependencies, profile parents). Git sources are cloned
// once into the user's cache directory and updated with a fetch; the
// user's own `git` does the work, so their credential helpers, SSH config
// and proxies apply exactly as on the command line.
package source

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"golang.org/x/term"

	"github.com/devspace-engine/devspace/lifecycle"
	"github.com/devspace-engine/devspace/statefile"
)

// Spec is a source as written in a config (SourceConfig).
type Spec struct {
	Path string
	Git  string
	// Branch, Tag and Revision pick the commit; at most one is used, the
	// revision first, then the tag, then the branch. None means the
	// remote's default branch.
	Branch, Tag, Revision string
	// SubPath is a directory inside the repository (or path).
	SubPath        string
	CloneArgs      []string
	DisableShallow bool
	// DisablePull uses the cached clone as it is, without network access,
	// once it exists.
	DisablePull bool
}

// String names the source for messages: the path, or URL@ref.
func (s Spec) String() string {
	if s.Git == "" {
		return s.Path
	}
	if ref := s.ref(); ref != "" {
		return s.Git + "@" + ref
	}
	return s.Git
}

func (s Spec) ref() string {
	switch {
	case s.Revision != "":
		return s.Revision
	case s.Tag != "":
		return s.Tag
	}
	return s.Branch
}

// Resolve returns the absolute directory the spec points at; a relative
// path resolves against fromDir (the directory of the declaring file).
func Resolve(ctx context.Context, spec Spec, fromDir string) (string, error) {
	switch {
	case spec.Git != "" && spec.Path != "":
		return "", errors.New("set either `path:` or `git:`, not both")
	case spec.Git != "":
		root, err := checkout(ctx, spec)
		if err != nil {
			return "", err
		}
		return subDir(root, spec)
	case spec.Path != "":
		dir := spec.Path
		if !filepath.IsAbs(dir) {
			dir = filepath.Join(fromDir, dir)
		}
		if spec.SubPath != "" {
			return subDir(dir, spec)
		}
		if _, err := os.Stat(dir); err != nil {
			return "", fmt.Errorf("path %s: %w", spec.Path, errors.Unwrap(err))
		}
		return dir, nil
	}
	return "", errors.New("no source: set `path:` or `git:`")
}

func subDir(root string, spec Spec) (string, error) {
	dir := root
	if spec.SubPath != "" {
		if !filepath.IsLocal(filepath.FromSlash(spec.SubPath)) {
			return "", fmt.Errorf("subPath %q must be a relative path inside %s", spec.SubPath, spec)
		}
		dir = filepath.Join(root, filepath.FromSlash(spec.SubPath))
	}
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("%s: subPath %q does not exist in it", spec, spec.SubPath)
	}
	return dir, nil
}

// CacheDir is where git sources are cloned: $XDG_CACHE_HOME/devspace/git
// (or the platform's equivalent).
func CacheDir() (string, error) {
	base, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("no cache directory for git sources: %w", err)
	}
	return filepath.Join(base, "devspace", "git"), nil
}

// checkout makes sure the cached clone for the spec's URL and ref exists and
// is up to date (unless DisablePull), and returns its directory. It is
// fetched at most once per run (see Run). The cache entry is locked while
// it changes, so two runs never clone or fetch into the same directory at
// once; waiting for that lock stops when ctx ends.
func checkout(ctx context.Context, spec Spec) (string, error) {
	entry, err := entryDir(spec)
	if err != nil {
		return "", err
	}
	repo := filepath.Join(entry, "repo")
	run := runOf(ctx)
	locked := func(fn func() error) error {
		return statefile.LockedContext(ctx, filepath.Join(entry, "state"), fn)
	}
	if spec.DisablePull {
		// No network once the clone exists: not even the run's fetch.
		err = locked(func() error {
			if cloned(repo) {
				return nil
			}
			if err := clone(ctx, spec, entry, repo); err != nil {
				return err
			}
			run.done(entry)
			return nil
		})
	} else {
		err = run.once(ctx, entry, func() error {
			return locked(func() error {
				if !cloned(repo) {
					return clone(ctx, spec, entry, repo)
				}
				return update(ctx, spec, repo)
			})
		})
	}
	if err != nil {
		return "", fmt.Errorf("git source %s: %w", spec, err)
	}
	return repo, nil
}

// entryDir is the cache directory of the spec's URL, ref and clone
// arguments.
func entryDir(spec Spec) (string, error) {
	base, err := CacheDir()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(strings.Join(append([]string{spec.Git, spec.ref()}, spec.CloneArgs...), "\x00")))
	return filepath.Join(base, hex.EncodeToString(sum[:12])), nil
}

func cloned(repo string) bool {
	_, err := os.Stat(filepath.Join(repo, ".git"))
	return err == nil
}

// clone clones into a fresh directory beside repo and renames it into
// place, so that an interrupted clone never looks like a finished one.
func clone(ctx context.Context, spec Spec, entry, repo string) error {
	tmp, err := os.MkdirTemp(entry, "clone-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	args := []string{"clone", "--quiet"}
	shallow := !spec.DisableShallow && spec.Revision == ""
	if shallow {
		args = append(args, "--depth", "1")
	}
	if spec.Revision == "" && spec.ref() != "" {
		args = append(args, "--branch", spec.ref()) // a branch or a tag
	}
	args = append(args, spec.CloneArgs...)
	if err := git(ctx, "", append(args, "--", spec.Git, tmp)...); err != nil {
		return err
	}
	if spec.Revision != "" {
		if err := git(ctx, tmp, "checkout", "--quiet", "--detach", spec.Revision); err != nil {
			return err
		}
	}
	os.RemoveAll(repo) // a clone left without .git by a crash
	return os.Rename(tmp, repo)
}

// update fetches the ref and moves the clone to it. A revision already
// present needs no network at all.
func update(ctx context.Context, spec Spec, repo string) error {
	if spec.Revision != "" {
		if git(ctx, repo, "cat-file", "-e", spec.Revision+"^{commit}") == nil {
			return nil
		}
		if err := git(ctx, repo, "fetch", "--quiet", "origin"); err != nil {
			return err
		}
		return git(ctx, repo, "checkout", "--quiet", "--detach", spec.Revision)
	}
	args := []string{"fetch", "--quiet"}
	if !spec.DisableShallow {
		args = append(args, "--depth", "1")
	}
	ref := "HEAD"
	switch {
	case spec.Tag != "":
		ref = "refs/tags/" + spec.Tag
	case spec.Branch != "":
		ref = "refs/heads/" + spec.Branch
	}
	if err := git(ctx, repo, append(args, "origin", ref)...); err != nil {
		return err
	}
	if atFetchHead(ctx, repo) {
		return nil
	}
	return git(ctx, repo, "reset", "--quiet", "--hard", "FETCH_HEAD")
}

// atFetchHead reports whether the clone already stands at what was just
// fetched. A reset then would change nothing but .git/logs/HEAD, which
// would make an image whose context holds the clone rebuild on every run.
func atFetchHead(ctx context.Context, repo string) bool {
	cmd := exec.CommandContext(ctx, "git", "rev-parse", "HEAD", "FETCH_HEAD")
	cmd.Dir = repo
	out, err := cmd.Output()
	if err != nil {
		return false
	}
	heads := strings.Fields(string(out))
	return len(heads) == 2 && heads[0] == heads[1]
}

// gitStopGrace is how long a cancelled git may take to stop.
const gitStopGrace = time.Second

// git runs the user's git without prompts (a run must fail, not hang, when
// credentials are missing) and returns git's own message on failure.
//
// Cancelled, git is stopped with the remote helper it runs for HTTP (git
// leaves that running, holding its output open until the server answers):
// without a terminal, git runs in a process group of its own, which is
// stopped as a whole. On a terminal it stays in ours, so that ssh can
// still ask for a passphrase; then devspace stops waiting for the helper's
// output after gitStopGrace, and the helper ends when the server answers.
func git(ctx context.Context, dir string, args ...string) error {
	_, err := gitOutput(ctx, dir, args...)
	return err
}

// gitOutput is git that returns what git wrote to its standard output.
func gitOutput(ctx context.Context, dir string, args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: !term.IsTerminal(int(os.Stdin.Fd()))}
	cmd.WaitDelay = gitStopGrace
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GIT_TERMINAL_PROMPT=0", "GIT_ADVICE=0")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := lifecycle.Run(ctx, cmd, gitStopGrace); err != nil {
		if ctx.Err() != nil { // stopped because the run was cancelled
			return nil, fmt.Errorf("git %s: %w", args[0], ctx.Err())
		}
		msg := gitReason(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("git %s: %s", args[0], msg)
	}
	return stdout.Bytes(), nil
}

// gitReason condenses git's stderr to its fatal and error lines, on one
// line, leaving out the advice around them.
func gitReason(stderr string) string {
	var all, reasons []string
	for line := range strings.Lines(stderr) {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		all = append(all, line)
		if strings.HasPrefix(line, "fatal:") || strings.HasPrefix(line, "error:") {
			reasons = append(reasons, line)
		}
	}
	if len(reasons) == 0 {
		reasons = all
	}
	return strings.Join(reasons, "; ")
}
